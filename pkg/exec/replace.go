package exec

import (
	"context"
	"fmt"
	"strings"
)

// replaceNode drains a cordoned node and terminates its instance. A skip or an abort before
// the drain ends uncordons the node; a drain that outlasts DrainTimeout is handled by
// OnDrainTimeout. Once drained, the node is terminated even if the run is aborted: it is empty
// and its replacement is up.
func (r *run) replaceNode(ctx context.Context, g *groupRun, n *nodeRun) {
	nctx, cancelNode := context.WithCancel(ctx)
	defer cancelNode()
	n.setCancel(cancelNode)
	cleanup, cancel := r.cleanupContext()
	defer cancel()
	target := drainTarget{name: n.name, batch: n.batch, group: g.plan.Name, node: n}

	var res drainResult
	if err := r.gate.step(nctx, func() error {
		r.moveNode(nctx, n, PhaseDraining, "", true)
		res = r.drainNode(nctx, target)
		return nil
	}); err != nil {
		res.err = err
	}
	if res.err != nil && res.timedOut && !n.skipRequested() && ctx.Err() == nil {
		reason := fmt.Sprintf("drain did not finish within %s", r.opts.DrainTimeout)
		if res.blocked != "" {
			reason += ": " + res.blocked
		}
		switch r.opts.OnDrainTimeout {
		case OnDrainTimeoutSkip:
			r.keepNode(cleanup, n, PhaseSkipped, reason+"; uncordoned, kept on its old image")
			return
		case OnDrainTimeoutForce:
			r.warnf(n.batch, g.plan.Name, n.name, "%s; deleting the remaining pods without eviction (--on-drain-timeout force)", reason)
			res.err = r.forceDrain(nctx, target)
		default:
			r.keepNode(cleanup, n, PhaseFailed, reason+"; uncordoned")
			return
		}
	}
	if res.err != nil {
		switch {
		case n.skipRequested():
			r.keepNode(cleanup, n, PhaseSkipped, "skipped on request; uncordoned, kept on its old image")
		case ctx.Err() != nil:
			r.keepNode(cleanup, n, PhaseSkipped, "run aborted before the node was drained; uncordoned, kept on its old image")
		default:
			r.keepNode(cleanup, n, PhaseFailed, "drain failed: "+oneLine(res.err.Error())+"; uncordoned")
		}
		return
	}
	if !n.markDrained() {
		r.keepNode(cleanup, n, PhaseSkipped, "skipped on request; uncordoned, kept on its old image")
		return
	}
	// The node is empty: finish it, also after an abort (the gate only matters for a pause).
	if r.gate.enter(ctx) == nil {
		defer r.gate.leave()
	}
	r.moveNode(cleanup, n, PhaseTerminating, "", true)
	if err := r.terminate(cleanup, g, n.name, n.instanceID, n.batch); err != nil {
		r.keepNode(cleanup, n, PhaseFailed, "terminate: "+oneLine(err.Error()))
		return
	}
	r.moveNode(cleanup, n, PhaseDone, "", false)
}

// oneLine joins the lines of s.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
