package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// groupStopError stops the rest of a group: its replacements did not become Ready.
type groupStopError struct{ reason string }

func (e *groupStopError) Error() string { return e.reason }

// rotateGroup rotates the batches of one group, then restores its sizes. Batches holding
// nodes an earlier run left mid-rotation go first. first is cleared once a batch started, so
// that WaitBetweenBatches separates batches across groups too. A returned error stops the run.
func (r *run) rotateGroup(ctx context.Context, pg *plan.Group, batches []plan.Batch, first *bool) error {
	var nodes []*nodeRun
	for _, b := range batches {
		for _, name := range b.Nodes {
			if n := r.nodes[name]; n != nil {
				nodes = append(nodes, n)
			}
		}
	}
	switch pg.Kind {
	case plan.KindASG, plan.KindKops, plan.KindControlPlane, plan.KindEKSManaged:
	case plan.KindKarpenter:
		r.skipAll(ctx, nodes, "Karpenter node pools are not rotated by kubectl rotate; Karpenter replaces drifted nodes itself (or delete the node's NodeClaim)")
		return nil
	default:
		r.skipAll(ctx, nodes, fmt.Sprintf("group kind %q cannot be rotated", pg.Kind))
		return nil
	}
	if ctx.Err() != nil {
		return nil
	}
	if pg.AutoScalingGroup == "" {
		r.skipAll(ctx, nodes, "no Auto Scaling group is known for group "+pg.Name)
		return nil
	}
	if reason := r.imageStopped(pg.TargetAMI); reason != "" && len(nodes) > 0 {
		r.skipAll(ctx, nodes, "not started: replacements on the same image failed: "+reason)
		return nil
	}
	g, err := r.openGroup(ctx, pg)
	if err != nil {
		if isCancel(err) {
			return nil
		}
		return err
	}
	if len(batches) == 0 && !g.recorded {
		return nil
	}
	cleanup, cancel := r.cleanupContext()
	defer cancel()
	defer r.restoreGroup(cleanup, g)
	if len(batches) == 0 {
		return nil
	}
	if err := r.recordOriginals(ctx, g); err != nil {
		if isCancel(err) {
			return nil
		}
		return err
	}
	batches = resumedFirst(batches, r.nodes)
	for i, b := range batches {
		if ctx.Err() != nil {
			return nil
		}
		if !*first {
			if err := r.wait(ctx, r.opts.WaitBetweenBatches); err != nil {
				return nil
			}
		}
		*first = false
		err := r.runBatch(ctx, g, b)
		var stop *groupStopError
		switch {
		case errors.As(err, &stop):
			r.stopImage(pg.TargetAMI, stop.reason)
			for _, rest := range batches[i+1:] {
				r.skipAll(cleanup, r.batchNodes(rest), "not started: "+stop.reason)
			}
			return nil
		case isCancel(err):
			return nil
		case err != nil:
			return err
		}
	}
	return nil
}

// resumedFirst orders batches holding a node an earlier run left mid-rotation first, keeping
// the plan's order otherwise.
func resumedFirst(batches []plan.Batch, nodes map[string]*nodeRun) []plan.Batch {
	out := slices.Clone(batches)
	resumed := func(b plan.Batch) bool {
		for _, name := range b.Nodes {
			if n := nodes[name]; n != nil && n.resumed {
				return true
			}
		}
		return false
	}
	slices.SortStableFunc(out, func(a, b plan.Batch) int {
		ra, rb := resumed(a), resumed(b)
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		}
		return 0
	})
	return out
}

func (r *run) batchNodes(b plan.Batch) []*nodeRun {
	var out []*nodeRun
	for _, name := range b.Nodes {
		if n := r.nodes[name]; n != nil {
			out = append(out, n)
		}
	}
	return out
}

// skipAll skips nodes that have not started, with reason.
func (r *run) skipAll(ctx context.Context, nodes []*nodeRun, reason string) {
	for _, n := range nodes {
		if !n.current().Terminal() {
			r.moveNode(ctx, n, PhaseSkipped, reason, false)
		}
	}
}

func (r *run) stopImage(image, reason string) {
	if image == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.stoppedImages[image]; !ok {
		r.stoppedImages[image] = reason
	}
}

func (r *run) imageStopped(image string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stoppedImages[image]
}

// runBatch rotates one batch: surge, wait for the replacements, cordon, drain and terminate
// the old nodes, then check the group is stable.
func (r *run) runBatch(ctx context.Context, g *groupRun, b plan.Batch) error {
	cleanup, cancel := r.cleanupContext()
	defer cancel()
	var nodes []*nodeRun
	for _, n := range r.batchNodes(b) {
		switch {
		case n.current().Terminal():
		case n.skipRequested():
			r.keepNode(cleanup, n, PhaseSkipped, "skipped on request")
		default:
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		return nil
	}
	var state awscloud.GroupState
	if err := r.gate.step(ctx, func() (err error) {
		state, err = r.cloud.GroupState(ctx, g.asg)
		return err
	}); err != nil {
		return err
	}
	r.emit(Event{Type: EventBatchStarted, Batch: b.Index, Group: g.plan.Name, Message: fmt.Sprintf("%d node(s), surge %d", len(nodes), b.Surge)})
	before := map[string]bool{}
	inService := map[string]bool{}
	for _, m := range state.Members {
		before[m.InstanceID] = true
		inService[m.InstanceID] = m.InCapacity()
	}
	var live, gone []*nodeRun
	for _, n := range nodes {
		if inService[n.instanceID] {
			live = append(live, n)
		} else {
			gone = append(gone, n)
		}
	}
	surge := min(b.Surge, len(live))
	if g.plan.Kind == plan.KindControlPlane {
		surge = 0
	}
	announced := map[string]bool{}
	if surge > 0 {
		if err := r.surge(ctx, g, b, live, surge, before, announced); err != nil {
			r.batchFinished(b, g, nodes)
			return err
		}
	}
	var wg sync.WaitGroup
	for _, n := range gone {
		wg.Go(func() { r.finishGone(cleanup, g, n) })
	}
	for i, n := range live {
		if n.skipRequested() {
			r.keepNode(cleanup, n, PhaseSkipped, "skipped on request")
			continue
		}
		err := r.gate.step(ctx, func() error { return r.cordon(ctx, n.name) })
		if err != nil {
			if isCancel(err) {
				r.release(cleanup, live[i:], "run aborted before the node was cordoned")
				live = live[:i]
				break
			}
			r.keepNode(cleanup, n, PhaseFailed, "cordon failed: "+err.Error())
			continue
		}
		r.moveNode(ctx, n, PhaseCordoned, "", false)
	}
	for _, n := range live {
		if n.current() == PhaseCordoned {
			wg.Go(func() { r.replaceNode(ctx, g, n) })
		}
	}
	wg.Wait()
	err := r.settle(ctx, g, b, nodes, before, announced)
	r.batchFinished(b, g, nodes)
	return err
}

// surge raises the group for the batch and waits for the replacements. On a replacement that
// never becomes Ready it returns capacity to what it was and fails the batch's nodes.
func (r *run) surge(ctx context.Context, g *groupRun, b plan.Batch, live []*nodeRun, surge int, before, announced map[string]bool) error {
	cleanup, cancel := r.cleanupContext()
	defer cancel()
	for _, n := range live {
		r.moveNode(ctx, n, PhaseSurging, "", true)
	}
	err := r.gate.step(ctx, func() error {
		target, err := r.raiseFor(ctx, g, surge)
		if err != nil {
			return err
		}
		for _, n := range live {
			r.moveNode(ctx, n, PhaseWaitingForReplacement, "", true)
		}
		state, err := r.waitGroupReady(ctx, g, target)
		if err == nil {
			r.announce(g, b, live, state, before, announced)
		}
		return err
	})
	var notReady *notReadyError
	switch {
	case errors.As(err, &notReady):
		r.returnUnready(cleanup, g, notReady, before)
		reason := notReady.Error() + "; capacity returned to what it was before the batch"
		for _, n := range live {
			r.keepNode(cleanup, n, PhaseFailed, reason)
		}
		return &groupStopError{reason: reason}
	case err != nil:
		why := "run aborted before the node was cordoned"
		if !isCancel(err) {
			why = "not started: " + err.Error()
		}
		r.release(cleanup, live, why)
		return err
	}
	return nil
}

// returnUnready terminates, with a decrement, the new instances that did not become Ready.
func (r *run) returnUnready(ctx context.Context, g *groupRun, e *notReadyError, before map[string]bool) {
	for _, id := range e.instanceIDs() {
		if before[id] {
			continue
		}
		name := ""
		if node := r.watch.nodeOfInstance(id); node != nil {
			name = node.Name
		}
		r.warnf(-1, g.plan.Name, name, "terminating replacement instance %s, which did not become Ready", id)
		if err := r.terminate(ctx, g, name, id, -1); err != nil {
			r.warnf(-1, g.plan.Name, name, "terminate instance %s: %v", id, err)
		}
	}
}

// release returns nodes that were not cordoned yet to pending, dropping their annotations.
func (r *run) release(ctx context.Context, nodes []*nodeRun, reason string) {
	for _, n := range nodes {
		r.releaseNode(ctx, n.name)
		if !n.current().Terminal() {
			r.moveNode(ctx, n, PhasePending, reason, false)
		}
	}
}

// announce emits the replacements that joined since the batch started and records them on
// the batch's nodes.
func (r *run) announce(g *groupRun, b plan.Batch, nodes []*nodeRun, state awscloud.GroupState, before, announced map[string]bool) {
	var ids []string
	for _, id := range newMembers(state, before) {
		node := r.watch.nodeOfInstance(id)
		if announced[id] || node == nil || !nodeReady(node) {
			continue
		}
		announced[id] = true
		ids = append(ids, id)
		r.emit(Event{Type: EventReplacement, Batch: b.Index, Group: g.plan.Name, Replacement: node.Name, InstanceID: id,
			Message: fmt.Sprintf("replacement %s (instance %s) is Ready", node.Name, id)})
	}
	for _, n := range nodes {
		n.addReplacements(ids)
	}
}

// finishGone ends a node whose instance an earlier run terminated already: it waits for the
// node to leave.
func (r *run) finishGone(ctx context.Context, g *groupRun, n *nodeRun) {
	r.moveNode(ctx, n, PhaseTerminating, "its instance was terminated by an earlier run", true)
	if err := r.waitNodeGone(ctx, n.name, n.instanceID, n.batch, g.plan.Name); err != nil {
		r.moveNode(ctx, n, PhaseFailed, "waiting for the node to leave: "+err.Error(), false)
		return
	}
	r.moveNode(ctx, n, PhaseDone, "", false)
}

// settle waits until the group is stable after a batch: as many instances as it wants, each a
// Ready node, and no pod the run evicted left Pending.
func (r *run) settle(ctx context.Context, g *groupRun, b plan.Batch, nodes []*nodeRun, before, announced map[string]bool) error {
	return r.gate.step(ctx, func() error {
		state, err := r.waitGroupReady(ctx, g, -1)
		var notReady *notReadyError
		if errors.As(err, &notReady) {
			return &groupStopError{reason: notReady.Error()}
		}
		if err != nil {
			return err
		}
		r.announce(g, b, nodes, state, before, announced)
		return r.waitPendingPods(ctx, b.Index, g.plan.Name)
	})
}

// batchFinished emits EventBatchFinished with the batch's tally.
func (r *run) batchFinished(b plan.Batch, g *groupRun, nodes []*nodeRun) {
	var done, skipped, failed int
	for _, n := range nodes {
		switch n.current() {
		case PhaseDone:
			done++
		case PhaseSkipped:
			skipped++
		case PhaseFailed:
			failed++
		}
	}
	r.emit(Event{Type: EventBatchFinished, Batch: b.Index, Group: g.plan.Name,
		Message: fmt.Sprintf("%d rotated, %d skipped, %d failed", done, skipped, failed)})
}
