package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// TestEngineRotatesSmallFully rotates every node of the small scenario, with a surge that
// needs the kops group's MaxSize raised, while a watcher checks that no budget went below its
// minimum and no pod went away without an eviction.
func TestEngineRotatesSmallFully(t *testing.T) {
	e := newEngineEnv(t, freshSandbox(t, "small", nil))
	p := e.plan(t, plan.Selection{}, plan.Policy{MaxSurge: "50%", MaxUnavailable: "0", DeleteEmptyDirData: true})
	w := watchSafety(t, e.env)
	res := e.run(t, "engine-e2e (pid 1)", p, defaultOptions(), nil)
	checkNoPodLost(t, e.env, w)
	if res.err != nil || res.report == nil {
		logEvents(t, res.events)
		t.Fatalf("Run() error = %v", res.err)
	}
	t.Logf("rotated %d nodes in %d batches in %s", res.report.Summary.Rotated, len(p.Batches), res.wall.Round(100*time.Millisecond))
	if s := res.report.Summary; s.Rotated != e.stack.Scenario.Nodes() || s.Skipped+s.Failed != 0 || s.Aborted {
		logEvents(t, res.events)
		t.Errorf("summary = %+v, want all %d nodes rotated", s, e.stack.Scenario.Nodes())
	}
	images := nodeImages(t, e)
	if len(images) != e.stack.Scenario.Nodes() {
		t.Errorf("%d nodes after the rotation, want %d", len(images), e.stack.Scenario.Nodes())
	}
	for node, image := range images {
		if image != e.stack.Scenario.Images.New.ID {
			t.Errorf("node %s runs %s, want the new image", node, image)
		}
	}
	for _, n := range res.report.Nodes {
		if len(n.NewInstances) == 0 || n.NewImage != e.stack.Scenario.Images.New.ID || len(n.Phases) < 5 {
			t.Errorf("report of %s = %+v, want replacements, the new image and phase timings", n.Name, n)
		}
	}
	if len(eventsOf(res.events, exec.EventGroupResized, "")) == 0 || len(eventsOf(res.events, exec.EventDrainProgress, "")) == 0 {
		t.Errorf("no group-resized or drain-progress events")
	}
	checkGroupsRestored(t, e)
	checkNothingCordoned(t, e)
	waitWorkloadsAvailable(t, e)
}

// TestEngineReplacementNeverReady launches replacements that never boot: the first group
// stops with the instance named, its capacity returns to what it was, and the groups that
// would launch the same image do not start.
func TestEngineReplacementNeverReady(t *testing.T) {
	e := newEngineEnv(t, freshSandbox(t, "small", nil))
	lc := e.stack.Cloud.Lifecycle()
	lc.BootDelay = time.Hour
	e.stack.Cloud.SetLifecycle(lc)
	p := e.plan(t, plan.Selection{}, plan.Policy{MaxSurge: "1", MaxUnavailable: "0", DeleteEmptyDirData: true})
	opts := defaultOptions()
	opts.NodeReadyTimeout = 5 * time.Second
	res := e.run(t, "engine-e2e (pid 2)", p, opts, nil)
	if res.err != nil || res.report == nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	s := res.report.Summary
	if s.Rotated != 0 || s.Failed != 1 || s.Skipped != e.stack.Scenario.Nodes()-1 {
		logEvents(t, res.events)
		t.Errorf("summary = %+v, want 1 failed and the rest skipped", s)
	}
	var failed exec.NodeReport
	for _, n := range res.report.Nodes {
		if n.Phase == exec.PhaseFailed {
			failed = n
		}
	}
	pending := ""
	for _, inst := range e.stack.Cloud.Instances() {
		if inst.ImageID == e.stack.Scenario.Images.New.ID {
			pending = inst.ID
			if inst.State == awssim.StatePending || inst.State == awssim.StateRunning {
				t.Errorf("replacement %s is still %s; it should have been terminated", inst.ID, inst.State)
			}
		}
	}
	if pending == "" || !strings.Contains(failed.Reason, pending) || !strings.Contains(failed.Reason, "did not become Ready") {
		t.Errorf("failed node reason %q, want it to name the replacement %s", failed.Reason, pending)
	}
	checkGroupsRestored(t, e)
	checkNothingCordoned(t, e)
	for node, image := range nodeImages(t, e) {
		if image != e.stack.Scenario.Images.Old.ID {
			t.Errorf("node %s runs %s, want every node untouched on the old image", node, image)
		}
	}
}
