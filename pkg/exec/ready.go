package exec

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
)

// groupRefresh is how often a wait for a group's nodes re-reads the group from AWS when no
// node event gave a reason to. Node events (a node registering or turning Ready) trigger a
// re-read at once when they concern an instance the last read did not list.
const groupRefresh = 5 * time.Second

// notReadyError says which instances of a group did not become Ready nodes in time.
type notReadyError struct {
	group   string
	want    int
	short   int
	missing []string
	timeout time.Duration
}

// Error names the instances.
func (e *notReadyError) Error() string {
	var parts []string
	if len(e.missing) > 0 {
		parts = append(parts, fmt.Sprintf("instance(s) %s did not become Ready nodes", strings.Join(e.missing, ", ")))
	}
	if e.short > 0 {
		parts = append(parts, fmt.Sprintf("the group launched %d instance(s) fewer than the %d it was asked for (see its scaling activities)", e.short, e.want))
	}
	return fmt.Sprintf("group %s: %s within %s", e.group, strings.Join(parts, "; "), e.timeout)
}

// instanceIDs are the IDs the error names.
func (e *notReadyError) instanceIDs() []string {
	out := make([]string, 0, len(e.missing))
	for _, m := range e.missing {
		id, _, _ := strings.Cut(m, " ")
		out = append(out, id)
	}
	return out
}

// waitGroupReady waits, on node watch events, until the group has at least want instances in
// service (want < 0: its desired capacity) and every one of them, except the old nodes the
// plan rotates, is a Ready node. It gives up after NodeReadyTimeout with a *notReadyError.
func (r *run) waitGroupReady(ctx context.Context, g *groupRun, want int) (awscloud.GroupState, error) {
	events, stop := r.watch.subscribe()
	defer stop()
	timeout := r.clock.NewTimer(r.opts.NodeReadyTimeout)
	defer timeout.Stop()
	refresh := r.clock.NewTicker(groupRefresh)
	defer refresh.Stop()
	state, err := r.cloud.GroupState(ctx, g.asg)
	if err != nil {
		return state, err
	}
	for {
		need := want
		if need < 0 {
			need = state.Sizes.Desired
		}
		missing, short := r.readiness(g, state, need)
		if len(missing) == 0 && short == 0 {
			return state, nil
		}
		reread := false
		select {
		case <-ctx.Done():
			return state, ctx.Err()
		case <-timeout.C():
			// Name what is missing by the group as it is now.
			if fresh, err := r.cloud.GroupState(ctx, g.asg); err == nil {
				state = fresh
				if missing, short = r.readiness(g, state, need); len(missing) == 0 && short == 0 {
					return state, nil
				}
			}
			return state, &notReadyError{group: g.plan.Name, want: need, short: short, missing: missing, timeout: r.opts.NodeReadyTimeout}
		case <-refresh.C():
			reread = true
		case <-events:
			reread = r.unknownReadyInstance(state)
		}
		if reread {
			if state, err = r.cloud.GroupState(ctx, g.asg); err != nil {
				return state, err
			}
		}
	}
}

// readiness lists the group's instances in service that are not (yet) Ready nodes, leaving
// out the plan's old nodes, and how many instances it lacks to reach want.
func (r *run) readiness(g *groupRun, state awscloud.GroupState, want int) ([]string, int) {
	var missing []string
	in := 0
	for _, m := range state.Members {
		if !m.InCapacity() {
			continue
		}
		in++
		if g.rotating[m.InstanceID] {
			continue
		}
		switch node := r.watch.nodeOfInstance(m.InstanceID); {
		case node == nil:
			missing = append(missing, fmt.Sprintf("%s (%s, no node registered)", m.InstanceID, strings.ToLower(m.LifecycleState)))
		case !nodeReady(node):
			missing = append(missing, fmt.Sprintf("%s (node %s not Ready)", m.InstanceID, node.Name))
		}
	}
	return missing, max(0, want-in)
}

// unknownReadyInstance reports whether a Ready node runs on an instance the group state does
// not list, which a re-read may add.
func (r *run) unknownReadyInstance(state awscloud.GroupState) bool {
	known := make(map[string]bool, len(state.Members))
	for _, m := range state.Members {
		known[m.InstanceID] = true
	}
	for id := range r.watch.readyInstances() {
		if !known[id] {
			return true
		}
	}
	return false
}

// newMembers lists the instances in service that were not members before, sorted.
func newMembers(state awscloud.GroupState, before map[string]bool) []string {
	var out []string
	for _, m := range state.Members {
		if m.InCapacity() && !before[m.InstanceID] {
			out = append(out, m.InstanceID)
		}
	}
	sort.Strings(out)
	return out
}

// waitPendingPods gives the pods that replace those the run evicted a bounded time to leave
// Pending, on pod watch events; past PendingPodsTimeout a warning names them.
func (r *run) waitPendingPods(ctx context.Context, batch int, group string) error {
	events, stop := r.watch.subscribe()
	defer stop()
	timeout := r.clock.NewTimer(r.opts.PendingPodsTimeout)
	defer timeout.Stop()
	for {
		pending := r.pendingEvicted()
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-events:
		case <-timeout.C():
			r.warnf(batch, group, "", "%d pod(s) of workloads the rotation drained are still Pending after %s: %s", len(pending), r.opts.PendingPodsTimeout, strings.Join(pending, ", "))
			return nil
		}
	}
}

// pendingEvicted names the Pending pods whose controller had pods evicted by the run.
func (r *run) pendingEvicted() []string {
	r.mu.Lock()
	evicted := make(map[string]bool, len(r.evicted))
	for uid := range r.evicted {
		evicted[string(uid)] = true
	}
	r.mu.Unlock()
	if len(evicted) == 0 {
		return nil
	}
	var out []string
	for _, p := range r.watch.pendingPods() {
		for _, o := range p.OwnerReferences {
			if o.Controller != nil && *o.Controller && evicted[string(o.UID)] {
				out = append(out, p.Namespace+"/"+p.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
