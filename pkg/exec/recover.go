package exec

import (
	"context"
)

// inFlight reports whether p is a phase a node annotation holds while a run works on the node.
func inFlight(p Phase) bool {
	switch p {
	case PhaseSurging, PhaseWaitingForReplacement, PhaseCordoned, PhaseDraining, PhaseTerminating:
		return true
	}
	return false
}

// recoverStale reads what earlier runs left on the nodes. A node of this plan that an earlier
// run left mid-rotation is marked resumed, so that its batch goes first. A node outside the
// plan that the rotation cordoned is uncordoned and its annotations dropped.
func (r *run) recoverStale(ctx context.Context) error {
	for _, node := range r.watch.allNodes() {
		phase := Phase(node.Annotations[AnnotationPhase])
		if n := r.nodes[node.Name]; n != nil {
			if inFlight(phase) {
				n.resumed = true
				r.warnf(n.batch, n.group.Name, n.name, "resuming node %s, left in phase %s by run %s", n.name, phase, node.Annotations[AnnotationRun])
			}
			continue
		}
		if nodeHasOurCordon(node) {
			r.warnf(-1, "", node.Name, "uncordoning node %s, left cordoned by run %s and not part of this plan", node.Name, node.Annotations[AnnotationRun])
			r.releaseNode(ctx, node.Name)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// sweepCordons uncordons, at the end of the run, every node the rotation cordoned that is
// not being terminated: nothing stays cordoned by a run that has ended.
func (r *run) sweepCordons(ctx context.Context) {
	if r.watch == nil {
		return
	}
	for _, node := range r.watch.allNodes() {
		if !r.ourCordon(node.Name) {
			continue
		}
		if n := r.nodes[node.Name]; n != nil {
			switch n.current() {
			case PhaseTerminating, PhaseDone:
				continue
			case PhaseSkipped, PhaseFailed:
			default:
				r.moveNode(ctx, n, PhasePending, "run ended before the node was rotated", false)
			}
		} else if Phase(node.Annotations[AnnotationPhase]) == PhaseTerminating {
			continue
		}
		r.releaseNode(ctx, node.Name)
	}
}
