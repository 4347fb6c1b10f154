package exec

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
)

// The progress of a rotation is written on the nodes, so that a run killed at any moment
// and started again knows what it left: which nodes it cordoned (and must uncordon or
// finish) and which were mid-rotation (and go first).
const (
	// AnnotationPhase is the node's phase in the rotation.
	AnnotationPhase = "rotate.kubectl.io/phase"
	// AnnotationRun is the ID of the run that last moved the node.
	AnnotationRun = "rotate.kubectl.io/run"
	// AnnotationCordoned is "true" on a node the rotation cordoned (and no one else had).
	AnnotationCordoned = "rotate.kubectl.io/cordoned"

	annotationRun = AnnotationRun
)

// nodePatch is a JSON merge patch of a node's annotations (nil values remove) and, when set,
// its unschedulable flag.
type nodePatch struct {
	annotations   map[string]*string
	unschedulable *bool
}

// patchNode applies p; a node that is gone is not an error.
func (r *run) patchNode(ctx context.Context, name string, p nodePatch) error {
	body := map[string]any{}
	if len(p.annotations) > 0 {
		body["metadata"] = map[string]any{"annotations": p.annotations}
	}
	if p.unschedulable != nil {
		body["spec"] = map[string]any{"unschedulable": *p.unschedulable}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("patch node %s: %w", name, err)
	}
	_, err = r.kube.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patch node %s: %w", name, err)
	}
	return nil
}

// phaseAnnotations records phase p of this run.
func (r *run) phaseAnnotations(p Phase) map[string]*string {
	phase, id := string(p), r.e.runID
	return map[string]*string{AnnotationPhase: &phase, AnnotationRun: &id}
}

// moveNode sets the node's phase, emits the change and, when record is set, writes it on the
// node.
func (r *run) moveNode(ctx context.Context, n *nodeRun, p Phase, reason string, record bool) {
	if !n.setPhase(r.clock.Now(), p, reason) {
		return
	}
	ev := Event{Type: EventNodePhase, Batch: n.batch, Group: n.group.Name, Node: n.name, Phase: p, Message: reason, InstanceID: n.instanceID}
	if p == PhaseSkipped || p == PhaseFailed {
		ev.Pod, ev.PDB = n.blocked()
	}
	r.emit(ev)
	if record {
		if err := r.patchNode(ctx, n.name, nodePatch{annotations: r.phaseAnnotations(p)}); err != nil {
			r.warnf(n.batch, n.group.Name, n.name, "record phase %s: %v", p, err)
		}
	}
}

// cordon marks the node unschedulable, recording that the rotation did it unless the node was
// cordoned already by someone else.
func (r *run) cordon(ctx context.Context, name string) error {
	p := nodePatch{annotations: r.phaseAnnotations(PhaseCordoned), unschedulable: ptr.To(true)}
	ours := false
	if node := r.watch.node(name); node == nil || !node.Spec.Unschedulable || node.Annotations[AnnotationCordoned] == "true" || r.cordonedByRun(name) {
		p.annotations[AnnotationCordoned] = ptr.To("true")
		ours = true
	}
	if err := r.patchNode(ctx, name, p); err != nil {
		return err
	}
	if ours {
		r.mu.Lock()
		r.cordoned[name] = true
		r.mu.Unlock()
	}
	return nil
}

// cordonedByRun reports whether this run cordoned the node and has not uncordoned it.
func (r *run) cordonedByRun(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cordoned[name]
}

// ourCordon reports whether the rotation, this run or an earlier one, cordoned the node.
func (r *run) ourCordon(name string) bool {
	return r.cordonedByRun(name) || nodeHasOurCordon(r.watch.node(name))
}

// forgetCordon records that the run uncordoned the node.
func (r *run) forgetCordon(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.cordoned, name)
}

// uncordon makes the node schedulable again if the rotation cordoned it, and records phase p.
func (r *run) uncordon(ctx context.Context, name string, p Phase) error {
	patch := nodePatch{annotations: r.phaseAnnotations(p)}
	if r.ourCordon(name) {
		patch.annotations[AnnotationCordoned] = nil
		patch.unschedulable = ptr.To(false)
	}
	if err := r.patchNode(ctx, name, patch); err != nil {
		return err
	}
	r.forgetCordon(name)
	return nil
}

// keepNode ends a node's rotation on its old instance: uncordoned (if the rotation cordoned
// it) and in phase p (skipped or failed) with the reason.
func (r *run) keepNode(ctx context.Context, n *nodeRun, p Phase, reason string) {
	if err := r.uncordon(ctx, n.name, p); err != nil {
		r.warnf(n.batch, n.group.Name, n.name, "uncordon %s: %v", n.name, err)
	}
	r.moveNode(ctx, n, p, reason, false)
}

// terminate terminates the node's instance through its group, decrementing the desired
// capacity while the group is above its original size, and waits for the node to leave.
func (r *run) terminate(ctx context.Context, g *groupRun, name, instanceID string, batch int) error {
	decrement := g.takeDecrement()
	err := r.cloud.TerminateInGroup(ctx, instanceID, decrement)
	if err != nil && decrement && !awscloud.IsNotInGroup(err) {
		// The group may have reached its MinSize by a change made outside the rotation:
		// terminate with a replacement instead.
		g.giveBackDecrement()
		r.warnf(batch, g.plan.Name, name, "terminating %s with a decrement failed (%v); terminating it with a replacement", instanceID, err)
		err = r.cloud.TerminateInGroup(ctx, instanceID, false)
	}
	switch {
	case awscloud.IsNotInGroup(err):
		if decrement {
			g.giveBackDecrement()
		}
	case err != nil:
		return err
	}
	return r.waitNodeGone(ctx, name, instanceID, batch, g.plan.Name)
}

// waitNodeGone waits, on the node watch, until the node of instanceID has left the cluster.
// When it lingers NodeDeleteGrace after its instance terminated, the Node object is deleted,
// as the cloud node controller would.
func (r *run) waitNodeGone(ctx context.Context, name, instanceID string, batch int, group string) error {
	events, stop := r.watch.subscribe()
	defer stop()
	grace := r.clock.NewTimer(r.opts.NodeDeleteGrace)
	defer grace.Stop()
	for {
		if n := r.watch.node(name); n == nil || instanceIDOf(n.Spec.ProviderID) != instanceID {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-events:
		case <-grace.C():
			gone, state, err := r.instanceGone(ctx, instanceID)
			if err != nil {
				return err
			}
			if !gone {
				r.warnf(batch, group, name, "node %s lingers: its instance %s is still %s", name, instanceID, state)
				grace.Reset(r.opts.NodeDeleteGrace)
				continue
			}
			r.warnf(batch, group, name, "node %s lingered %s after its instance %s terminated; deleting the Node object", name, r.opts.NodeDeleteGrace, instanceID)
			err = r.kube.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete node %s: %w", name, err)
			}
		}
	}
}

// instanceGone reports whether the instance is terminated (or no longer described), with its
// state.
func (r *run) instanceGone(ctx context.Context, id string) (bool, string, error) {
	found, err := r.cloud.Instances(ctx, []string{id})
	if err != nil {
		return false, "", err
	}
	inst, ok := found[id]
	if !ok || inst.State == "terminated" {
		return true, "terminated", nil
	}
	return false, inst.State, nil
}

// nodeHasOurCordon reports whether the rotation cordoned node.
func nodeHasOurCordon(node *corev1.Node) bool {
	return node != nil && node.Annotations[AnnotationCordoned] == "true"
}
