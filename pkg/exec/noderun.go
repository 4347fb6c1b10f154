package exec

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// nodeRun is the state of one node of the plan during the run.
type nodeRun struct {
	name       string
	instanceID string
	group      *plan.Group
	batch      int

	mu     sync.Mutex
	rep    NodeReport
	phase  Phase
	since  time.Time
	skip   bool
	cancel context.CancelFunc
	// drained is set once the node's drain succeeded: from then on it is terminated, not
	// kept, whatever happens.
	drained bool
	// resumed is set when an earlier run left the node mid-rotation.
	resumed bool
	// attempts counts eviction attempts per pod, for the retries of the report.
	attempts map[string]int
	// blockedPod and blockedPDB name the last eviction a PodDisruptionBudget refused.
	blockedPod, blockedPDB string
}

func newNodeRun(n *plan.Node, g *plan.Group, targetAMI string) *nodeRun {
	return &nodeRun{
		name: n.Name, instanceID: n.InstanceID, group: g, batch: n.Batch, phase: PhasePending,
		attempts: map[string]int{},
		rep: NodeReport{
			Name: n.Name, Group: g.Name, Zone: n.Zone, Batch: n.Batch, OldInstance: n.InstanceID,
			OldImage: n.CurrentAMI, NewImage: targetAMI, Phase: PhasePending,
		},
	}
}

// current returns the node's phase.
func (n *nodeRun) current() Phase {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.phase
}

// setPhase moves the node to p at now and reports whether it changed. A terminal phase is
// final. reason is kept for skipped and failed nodes.
func (n *nodeRun) setPhase(now time.Time, p Phase, reason string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.phase == p || n.phase.Terminal() {
		return false
	}
	n.closeTimingLocked(now)
	n.phase, n.since = p, now
	n.rep.Phase = p
	if reason != "" {
		n.rep.Reason = reason
	}
	if !p.Terminal() {
		n.rep.Phases = append(n.rep.Phases, PhaseTiming{Phase: p, Start: now})
	} else {
		n.rep.Phases = append(n.rep.Phases, PhaseTiming{Phase: p, Start: now, End: now})
	}
	return true
}

func (n *nodeRun) closeTimingLocked(now time.Time) {
	if k := len(n.rep.Phases) - 1; k >= 0 && n.rep.Phases[k].End.IsZero() {
		n.rep.Phases[k].End = now
	}
}

// requestSkip marks the node to be skipped and interrupts its step in flight, if any. It
// fails when the node is past the point of no return.
func (n *nodeRun) requestSkip() (bool, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.phase.Terminal():
		return false, "it is already " + string(n.phase)
	case n.drained || n.phase == PhaseTerminating:
		return false, "it is drained and being terminated"
	}
	n.skip = true
	if n.cancel != nil {
		n.cancel()
	}
	return true, ""
}

// skipRequested reports whether a skip was asked for.
func (n *nodeRun) skipRequested() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.skip
}

// setCancel installs the cancel function of the node's step in flight; a skip requested
// before it is installed cancels at once.
func (n *nodeRun) setCancel(cancel context.CancelFunc) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cancel = cancel
	if n.skip {
		cancel()
	}
}

// markDrained records a successful drain; false when a skip won the race.
func (n *nodeRun) markDrained() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.skip {
		return false
	}
	n.drained = true
	return true
}

// addReplacements records the instances its batch brought up.
func (n *nodeRun) addReplacements(ids []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, id := range ids {
		if !slices.Contains(n.rep.NewInstances, id) {
			n.rep.NewInstances = append(n.rep.NewInstances, id)
		}
	}
}

// evictionStarted counts an attempt to evict pod; the second and later are retries.
func (n *nodeRun) evictionStarted(pod string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.attempts[pod]++
	if n.attempts[pod] > 1 {
		n.rep.EvictionRetries++
	}
}

// evicted counts a pod gone from the node and returns the count.
func (n *nodeRun) evicted() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rep.PodsEvicted++
	return n.rep.PodsEvicted
}

// setBlocked records the last refused eviction; an empty pod clears it.
func (n *nodeRun) setBlocked(pod, pdb string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.blockedPod, n.blockedPDB = pod, pdb
}

// blocked returns the last refused eviction.
func (n *nodeRun) blocked() (pod, pdb string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.blockedPod, n.blockedPDB
}

// report is the node's record at now.
func (n *nodeRun) report(now time.Time) NodeReport {
	n.mu.Lock()
	defer n.mu.Unlock()
	rep := n.rep
	rep.Phases = slices.Clone(n.rep.Phases)
	rep.NewInstances = slices.Clone(n.rep.NewInstances)
	if k := len(rep.Phases) - 1; k >= 0 && rep.Phases[k].End.IsZero() {
		rep.Phases[k].End = now
	}
	return rep
}
