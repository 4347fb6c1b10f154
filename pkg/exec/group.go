package exec

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// A group's original sizes are written on its Auto Scaling group before the rotation first
// changes them, and only if no earlier run wrote them, so that a run killed mid-way and
// started again still restores the sizes the group had before any rotation touched it. They
// are removed when the group is back to them.
const (
	// TagOriginalSizes holds "min,desired,max" as they were before the rotation.
	TagOriginalSizes = "rotate.kubectl.io/original-sizes"
	// TagRun is the ID of the run that recorded them.
	TagRun = "rotate.kubectl.io/run"

	// tagEKSCluster is the tag EKS puts on the Auto Scaling groups of managed node groups.
	tagEKSCluster = "eks:cluster-name"
)

// groupRun is one group being rotated.
type groupRun struct {
	plan       *plan.Group
	asg        string
	eksCluster string
	originals  awscloud.GroupSizes
	// recorded is set once the original sizes are on the group's tags.
	recorded bool
	// touched is set once the rotation changed the group, in this run or an earlier one.
	touched bool
	// rotating holds the instances of the plan's nodes in this group: old nodes, which the
	// readiness checks leave out.
	rotating map[string]bool

	mu      sync.Mutex
	desired int
}

// takeDecrement reports whether the next termination should decrement the desired
// capacity: only while the group is above its original size.
func (g *groupRun) takeDecrement() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.desired > g.originals.Desired {
		g.desired--
		return true
	}
	return false
}

// giveBackDecrement undoes takeDecrement for a termination that did not decrement.
func (g *groupRun) giveBackDecrement() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.desired++
}

func (g *groupRun) setDesired(d int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.desired = d
}

// openGroup reads the group and its recorded original sizes.
func (r *run) openGroup(ctx context.Context, pg *plan.Group) (*groupRun, error) {
	state, err := r.cloud.GroupState(ctx, pg.AutoScalingGroup)
	if err != nil {
		return nil, err
	}
	g := &groupRun{plan: pg, asg: pg.AutoScalingGroup, originals: state.Sizes, desired: state.Sizes.Desired, rotating: map[string]bool{}}
	for _, n := range r.nodes {
		if n.group.Name == pg.Name {
			g.rotating[n.instanceID] = true
		}
	}
	if pg.Kind == plan.KindEKSManaged {
		g.eksCluster = r.e.cfg.EKSCluster
		if g.eksCluster == "" {
			g.eksCluster = state.Tags[tagEKSCluster]
		}
		if g.eksCluster == "" {
			return nil, fmt.Errorf("cannot tell the EKS cluster of node group %s: its Auto Scaling group %s has no %s tag; name the cluster with --eks-cluster", pg.Name, g.asg, tagEKSCluster)
		}
	}
	if v, ok := state.Tags[TagOriginalSizes]; ok {
		sizes, err := parseSizes(v)
		if err != nil {
			return nil, fmt.Errorf("group %s: tag %s: %w", pg.Name, TagOriginalSizes, err)
		}
		g.originals, g.recorded, g.touched = sizes, true, true
		if state.Tags[TagRun] != r.e.runID {
			r.warnf(-1, pg.Name, "", "group %s was left by run %s at %s; its original sizes (%s) will be restored", pg.Name, state.Tags[TagRun], state.Sizes, sizes)
		}
	}
	return g, nil
}

// recordOriginals writes the original sizes on the group unless they are there already.
func (r *run) recordOriginals(ctx context.Context, g *groupRun) error {
	if g.recorded {
		return nil
	}
	s := g.originals
	err := r.cloud.TagGroup(ctx, g.asg, map[string]string{
		TagOriginalSizes: fmt.Sprintf("%d,%d,%d", s.Min, s.Desired, s.Max),
		TagRun:           r.e.runID,
	})
	if err != nil {
		return err
	}
	g.recorded = true
	return nil
}

// parseSizes reads "min,desired,max".
func parseSizes(v string) (awscloud.GroupSizes, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return awscloud.GroupSizes{}, fmt.Errorf("%q is not min,desired,max", v)
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || x < 0 {
			return awscloud.GroupSizes{}, fmt.Errorf("%q is not min,desired,max", v)
		}
		n[i] = x
	}
	return awscloud.GroupSizes{Min: n[0], Desired: n[1], Max: n[2]}, nil
}

// setSizes changes the group's sizes, through EKS for a managed node group.
func (r *run) setSizes(ctx context.Context, g *groupRun, sizes awscloud.GroupSizes) error {
	var err error
	if g.plan.Kind == plan.KindEKSManaged {
		err = r.cloud.SetNodegroupSizes(ctx, g.eksCluster, g.plan.Name, sizes)
	} else {
		err = r.cloud.SetGroupSizes(ctx, g.asg, sizes)
	}
	if err != nil {
		return err
	}
	g.touched = true
	g.setDesired(sizes.Desired)
	r.emit(Event{Type: EventGroupResized, Batch: -1, Group: g.plan.Name, Message: fmt.Sprintf("group %s resized to %s", g.plan.Name, sizes)})
	return nil
}

// raiseFor brings the group's desired capacity to its original plus surge, raising MaxSize
// for the time of the rotation if that needs more. Capacity above that, left by an earlier
// batch or run, is kept and used. It returns the desired capacity.
func (r *run) raiseFor(ctx context.Context, g *groupRun, surge int) (int, error) {
	state, err := r.cloud.GroupState(ctx, g.asg)
	if err != nil {
		return 0, err
	}
	g.setDesired(state.Sizes.Desired)
	target := g.originals.Desired + surge
	if state.Sizes.Desired >= target {
		return state.Sizes.Desired, nil
	}
	sizes := awscloud.GroupSizes{Min: state.Sizes.Min, Desired: target, Max: max(state.Sizes.Max, target)}
	if err := r.setSizes(ctx, g, sizes); err != nil {
		return 0, err
	}
	return target, nil
}

// restoreGroup brings a group back to its original sizes: surplus instances are drained and
// terminated first (never left to Auto Scaling, which would pick them by its own policy), then
// the sizes are set and the tag removed. Surplus that cannot be returned keeps the tag, so
// that the next run returns it.
func (r *run) restoreGroup(ctx context.Context, g *groupRun) {
	if !g.touched && !g.recorded {
		return
	}
	state, err := r.cloud.GroupState(ctx, g.asg)
	if err != nil {
		r.warnf(-1, g.plan.Name, "", "cannot restore the sizes of group %s: %v", g.plan.Name, err)
		return
	}
	if excess := state.Sizes.Desired - g.originals.Desired; excess > 0 {
		g.setDesired(state.Sizes.Desired)
		r.shrinkSurplus(ctx, g, state, excess)
		if state, err = r.cloud.GroupState(ctx, g.asg); err != nil {
			r.warnf(-1, g.plan.Name, "", "cannot restore the sizes of group %s: %v", g.plan.Name, err)
			return
		}
	}
	final, keepTag := g.originals, false
	if state.Sizes.Desired > final.Desired {
		final.Desired, final.Max, keepTag = state.Sizes.Desired, max(final.Max, state.Sizes.Desired), true
		r.warnf(-1, g.plan.Name, "", "group %s keeps %d surplus instance(s) that could not be drained; run kubectl rotate again to return them", g.plan.Name, state.Sizes.Desired-g.originals.Desired)
	}
	if state.Sizes != final || (g.plan.Kind == plan.KindEKSManaged && g.touched) {
		if err := r.setSizes(ctx, g, final); err != nil {
			r.warnf(-1, g.plan.Name, "", "cannot restore the sizes of group %s to %s: %v", g.plan.Name, final, err)
			return
		}
	}
	if state.Sizes.Desired < final.Desired {
		if _, err := r.waitGroupReady(ctx, g, final.Desired); err != nil {
			r.warnf(-1, g.plan.Name, "", "group %s is back to %s but not every node is Ready: %v", g.plan.Name, final, err)
		}
	}
	if !keepTag {
		if err := r.cloud.UntagGroup(ctx, g.asg, []string{TagOriginalSizes, TagRun}); err != nil {
			r.warnf(-1, g.plan.Name, "", "remove the rotation's tags from group %s: %v", g.plan.Name, err)
		}
	}
}

// surplusCandidate is an instance that could be given back.
type surplusCandidate struct {
	id   string
	node *corev1.Node
	pods int
}

// shrinkSurplus gives back excess instances of the group: instances without a Ready node
// first, then the nodes with the fewest pods to evict. Nodes this run keeps on their old image
// are never picked. Each is cordoned, drained and terminated with a decrement.
func (r *run) shrinkSurplus(ctx context.Context, g *groupRun, state awscloud.GroupState, excess int) {
	keep := map[string]bool{}
	for _, n := range r.nodes {
		if n.group.Name == g.plan.Name && n.current() != PhaseDone {
			keep[n.instanceID] = true
		}
	}
	var cands []surplusCandidate
	for _, m := range state.Members {
		if !m.InCapacity() || keep[m.InstanceID] {
			continue
		}
		c := surplusCandidate{id: m.InstanceID, node: r.watch.nodeOfInstance(m.InstanceID)}
		if c.node != nil && nodeReady(c.node) {
			c.pods = r.evictablePods(ctx, c.node.Name) + 1
		}
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].pods < cands[b].pods })
	for _, c := range cands[:min(excess, len(cands))] {
		name := ""
		if c.node != nil {
			name = c.node.Name
			r.warnf(-1, g.plan.Name, name, "returning surplus capacity of group %s: draining node %s (instance %s)", g.plan.Name, name, c.id)
			if err := r.cordon(ctx, name); err != nil {
				r.warnf(-1, g.plan.Name, name, "cordon %s: %v", name, err)
				return
			}
			res := r.drainNode(ctx, drainTarget{name: name, batch: -1, group: g.plan.Name})
			if res.err != nil {
				r.releaseNode(ctx, name)
				r.warnf(-1, g.plan.Name, name, "could not drain surplus node %s: %v %s", name, res.err, res.blocked)
				return
			}
		} else {
			r.warnf(-1, g.plan.Name, "", "returning surplus capacity of group %s: terminating instance %s, which has no Ready node", g.plan.Name, c.id)
		}
		if err := r.terminate(ctx, g, name, c.id, -1); err != nil {
			r.warnf(-1, g.plan.Name, name, "terminate surplus instance %s: %v", c.id, err)
			return
		}
	}
}

// evictablePods counts the pods a drain of node would evict: not DaemonSet, mirror or finished
// pods.
func (r *run) evictablePods(ctx context.Context, node string) int {
	pods, err := r.kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return 1 << 20
	}
	n := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		if _, mirror := p.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
			continue
		}
		if o := metav1.GetControllerOf(&p); o != nil && o.Kind == "DaemonSet" {
			continue
		}
		n++
	}
	return n
}

// releaseNode uncordons a node the rotation cordoned and drops its annotations.
func (r *run) releaseNode(ctx context.Context, name string) {
	p := nodePatch{annotations: map[string]*string{AnnotationPhase: nil, AnnotationRun: nil, AnnotationCordoned: nil}}
	if r.ourCordon(name) {
		f := false
		p.unschedulable = &f
	}
	if err := r.patchNode(ctx, name, p); err != nil {
		r.warnf(-1, "", name, "uncordon %s: %v", name, err)
		return
	}
	r.forgetCordon(name)
}
