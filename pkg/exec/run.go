package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// finalTimeout bounds the last steps of a run, uncordoning what is left and releasing the
// lock, which must happen even when the run was interrupted.
const finalTimeout = 2 * time.Minute

// run is one execution of a plan.
type run struct {
	e     *Engine
	plan  *plan.Plan
	kube  kubernetes.Interface
	cloud Cloud
	opts  Options
	clock clock.WithTicker
	gate  *gate
	watch *watcher

	// nodes are the plan's nodes to rotate, by name and in plan order.
	nodes map[string]*nodeRun
	order []*nodeRun

	aborted     atomic.Bool
	abortOnce   sync.Once
	cancelWork  context.CancelFunc
	cleanupBase context.Context

	mu sync.Mutex
	// cordoned holds the nodes this run cordoned and has not uncordoned.
	cordoned map[string]bool
	// evicted holds the controllers whose pods the run evicted, for the stability check.
	evicted map[types.UID]string
	// stoppedImages maps a target image to why its replacements failed; later groups with
	// the same image do not start.
	stoppedImages map[string]string
	// fatal is the first error that stopped the whole run.
	fatal error
}

func newRun(e *Engine) *run {
	r := &run{
		e: e, plan: e.cfg.Plan, kube: e.cfg.Kube, cloud: e.cfg.Cloud, opts: e.opts, clock: e.clock,
		nodes: map[string]*nodeRun{}, cordoned: map[string]bool{}, evicted: map[types.UID]string{}, stoppedImages: map[string]string{},
	}
	r.gate = newGate(func(t EventType, msg string) { r.emit(Event{Type: t, Batch: -1, Message: msg}) })
	for gi := range r.plan.Groups {
		g := &r.plan.Groups[gi]
		for ni := range g.Nodes {
			n := &g.Nodes[ni]
			if n.Action != plan.ActionRotate || n.Batch < 0 {
				continue
			}
			nr := newNodeRun(n, g, r.plan.Groups[gi].TargetAMI)
			r.nodes[n.Name] = nr
		}
	}
	for _, b := range r.plan.Batches {
		for _, name := range b.Nodes {
			if nr := r.nodes[name]; nr != nil {
				r.order = append(r.order, nr)
			}
		}
	}
	return r
}

// emit stamps and queues an event.
func (r *run) emit(ev Event) {
	ev.Time = r.clock.Now()
	r.e.events.push(ev)
}

func (r *run) warnf(batch int, group, node, format string, args ...any) {
	r.emit(Event{Type: EventWarning, Batch: batch, Group: group, Node: node, Message: fmt.Sprintf(format, args...)})
}

// execute is Run.
func (r *run) execute(ctx context.Context, controls <-chan Control) (*Report, error) {
	started := r.clock.Now()
	r.emit(Event{Type: EventRunStarted, Batch: -1, Message: fmt.Sprintf("run %s: %d nodes to rotate in %d batches", r.e.runID, len(r.order), len(r.plan.Batches))})
	lk, err := acquireLease(ctx, r.kube, r.clock, r.opts.LockDuration, r.e.cfg.Identity, r.e.runID, r.e.cfg.Context)
	if err != nil {
		r.emit(Event{Type: EventWarning, Batch: -1, Message: err.Error()})
		r.finish(started, false)
		return nil, err
	}
	r.cleanupBase = context.WithoutCancel(ctx)
	background, stopBackground := context.WithCancel(r.cleanupBase)
	defer stopBackground()
	go lk.keep(background)

	work, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	r.cancelWork = cancelWork
	controlsDone := make(chan struct{})
	go func() {
		defer close(controlsDone)
		r.serveControls(background, ctx, controls, lk)
	}()

	runErr := r.rotate(work, background)

	final, cancel := context.WithTimeout(r.cleanupBase, finalTimeout)
	defer cancel()
	r.sweepCordons(final)
	stopBackground()
	<-controlsDone
	if err := lk.release(final); err != nil {
		r.warnf(-1, "", "", "%v", err)
	}
	if lost := lk.lostError(); lost != nil && runErr == nil {
		runErr = &LockLostError{Err: lost}
	}
	report := r.finish(started, r.aborted.Load())
	return report, runErr
}

// rotate starts the watches, resumes what earlier runs left and rotates group after group.
func (r *run) rotate(work, background context.Context) error {
	w, err := startWatcher(background, r.kube)
	if err != nil {
		return err
	}
	r.watch = w
	if err := r.recoverStale(work); err != nil && work.Err() == nil {
		return err
	}
	first := true
	for _, g := range r.groupOrder() {
		batches := batchesOf(r.plan, g.Name)
		if err := r.rotateGroup(work, g, batches, &first); err != nil {
			r.setFatal(err)
			r.abort(err.Error())
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatal
}

// groupOrder is the plan's order of groups (control plane first), except that groups holding
// nodes an earlier run left mid-rotation go before the other worker groups, so that what a
// killed run left cordoned is finished first.
func (r *run) groupOrder() []*plan.Group {
	resumed := map[string]bool{}
	for _, n := range r.nodes {
		if n.resumed {
			resumed[n.group.Name] = true
		}
	}
	rank := func(g *plan.Group) int {
		switch {
		case g.Kind == plan.KindControlPlane:
			return 0
		case resumed[g.Name]:
			return 1
		}
		return 2
	}
	out := make([]*plan.Group, 0, len(r.plan.Groups))
	for i := range r.plan.Groups {
		out = append(out, &r.plan.Groups[i])
	}
	slices.SortStableFunc(out, func(a, b *plan.Group) int { return rank(a) - rank(b) })
	return out
}

func (r *run) setFatal(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal == nil {
		r.fatal = err
	}
}

// cleanupContext is the context of the work that brings nodes and groups to a safe point; it
// outlives an abort. Every step done under it is bounded by its own timeout (drain, node
// Ready, node delete grace).
func (r *run) cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithCancel(r.cleanupBase)
}

// abort starts nothing new from now on: the work context is cancelled, and steps in flight
// bring their nodes to a safe point.
func (r *run) abort(reason string) {
	r.abortOnce.Do(func() {
		r.aborted.Store(true)
		r.emit(Event{Type: EventAborting, Batch: -1, Message: "aborting: " + reason})
		if r.cancelWork != nil {
			r.cancelWork()
		}
	})
}

// serveControls obeys the controls until background ends; a cancelled ctx or a lost lock
// aborts the run.
func (r *run) serveControls(background, ctx context.Context, controls <-chan Control, lk *lease) {
	for {
		select {
		case <-background.Done():
			return
		case <-ctx.Done():
			r.abort("interrupted")
			ctx = context.Background()
		case <-lk.lost:
			r.abort(lk.lostError().Error())
			<-background.Done()
			return
		case c, ok := <-controls:
			if !ok {
				controls = nil
				continue
			}
			r.control(c)
		}
	}
}

// control obeys one control.
func (r *run) control(c Control) {
	switch c.Type {
	case ControlPause:
		r.gate.pause()
	case ControlResume:
		r.gate.resume()
	case ControlAbort:
		r.abort("requested")
	case ControlSkip:
		n := r.nodes[c.Node]
		if n == nil {
			r.warnf(-1, "", c.Node, "cannot skip %s: it is not a node this run rotates", c.Node)
			return
		}
		if ok, why := n.requestSkip(); !ok {
			r.warnf(n.batch, n.group.Name, n.name, "cannot skip %s: %s", n.name, why)
			return
		}
		r.emit(Event{Type: EventSkipRequested, Batch: n.batch, Group: n.group.Name, Node: n.name,
			Message: fmt.Sprintf("skip of %s requested: it will be uncordoned and kept on its old image", n.name)})
	default:
		r.warnf(-1, "", "", "unknown control %q ignored", c.Type)
	}
}

// finish emits EventFinished and returns the report.
func (r *run) finish(started time.Time, aborted bool) *Report {
	now := r.clock.Now()
	rep := &Report{Started: started, Finished: now, Nodes: make([]NodeReport, 0, len(r.order))}
	for _, n := range r.order {
		nr := n.report(now)
		switch nr.Phase {
		case PhaseDone:
			rep.Summary.Rotated++
		case PhaseSkipped:
			rep.Summary.Skipped++
		case PhaseFailed:
			rep.Summary.Failed++
		}
		rep.Nodes = append(rep.Nodes, nr)
	}
	rep.Summary.Aborted = aborted
	rep.Summary.Duration = now.Sub(started)
	summary := rep.Summary
	r.emit(Event{Type: EventFinished, Batch: -1, Summary: &summary,
		Message: fmt.Sprintf("%d rotated, %d skipped, %d failed", summary.Rotated, summary.Skipped, summary.Failed)})
	return rep
}

// batchesOf returns the plan's batches of group, in order.
func batchesOf(p *plan.Plan, group string) []plan.Batch {
	var out []plan.Batch
	for _, b := range p.Batches {
		if b.Group == group {
			out = append(out, b)
		}
	}
	return out
}

// wait sleeps d on the run's clock, or until ctx ends.
func (r *run) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := r.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

// isCancel reports whether err comes from a cancelled or expired context.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
