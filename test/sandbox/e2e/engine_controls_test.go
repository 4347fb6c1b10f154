package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
)

// frozenWorkload is a Deployment pinned to the kops group under a budget that never allows a
// disruption.
const frozenWorkload = `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frozen, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: frozen}}
  template:
    metadata: {labels: {app: frozen}}
    spec:
      terminationGracePeriodSeconds: 1
      nodeSelector: {kops.k8s.io/instancegroup: nodes-us-east-1}
      containers:
        - {name: frozen, image: busybox:1.37, resources: {requests: {cpu: 10m, memory: 16Mi}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: frozen, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: frozen}}
`

// TestEngineDrainTimeoutPolicies drains a node whose pod a budget never lets go: with fail the
// node is uncordoned and failed with the budget named, with skip it is kept; either way the
// rest of the group rotates and its sizes are restored.
func TestEngineDrainTimeoutPolicies(t *testing.T) {
	tests := []struct {
		name   string
		policy exec.DrainTimeoutPolicy
		want   exec.Phase
	}{
		{name: "fail", policy: exec.OnDrainTimeoutFail, want: exec.PhaseFailed},
		{name: "skip", policy: exec.OnDrainTimeoutSkip, want: exec.PhaseSkipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngineEnv(t, freshSandbox(t, "small", func(sc *scenario.Scenario) { sc.Workloads += frozenWorkload }))
			stuck := nodeOfPod(t, e, "shop", "app=frozen")
			p := e.plan(t, plan.Selection{Groups: []string{"nodes-us-east-1"}}, plan.Policy{MaxSurge: "1", MaxUnavailable: "0", DeleteEmptyDirData: true})
			opts := defaultOptions()
			opts.DrainTimeout, opts.OnDrainTimeout = 5*time.Second, tt.policy
			w := watchSafety(t, e.env)
			res := e.run(t, "engine-e2e (pid 3)", p, opts, nil)
			checkNoPodLostAnyEvictions(t, e.env, w)
			if res.err != nil || res.report == nil {
				t.Fatalf("Run() error = %v", res.err)
			}
			s := res.report.Summary
			if s.Rotated != 2 || s.Failed+s.Skipped != 1 {
				logEvents(t, res.events)
				t.Errorf("summary = %+v, want 2 rotated and the stuck node %s", s, stuck)
			}
			ended := eventsOf(res.events, exec.EventNodePhase, stuck)
			if len(ended) == 0 {
				t.Fatalf("no phase events for %s", stuck)
			}
			last := ended[len(ended)-1]
			if last.Phase != tt.want || last.PDB != "shop/frozen" || !strings.Contains(last.Message, "shop/frozen") {
				t.Errorf("last phase event of %s = %+v, want %s naming PodDisruptionBudget shop/frozen", stuck, last, tt.want)
			}
			blocked := eventsOf(res.events, exec.EventEvictionBlocked, stuck)
			if len(blocked) == 0 || blocked[0].PDB != "shop/frozen" {
				t.Errorf("eviction-blocked events of %s = %+v, want shop/frozen named", stuck, blocked)
			}
			node, err := e.kube.CoreV1().Nodes().Get(context.Background(), stuck, metav1.GetOptions{})
			if err != nil || node.Spec.Unschedulable {
				t.Errorf("stuck node %s: %v, want it kept and schedulable", stuck, err)
			}
			checkGroupsRestored(t, e)
			checkNothingCordoned(t, e)
			waitWorkloadsAvailable(t, e)
		})
	}
}

// TestEngineLockPauseAndAbort pauses a run at its first safe point, checks that a second run
// refuses while the first holds the lock, then aborts the first through its control channel:
// it brings the group back and releases the lock.
func TestEngineLockPauseAndAbort(t *testing.T) {
	e := newEngineEnv(t, freshSandbox(t, "small", nil))
	p := e.plan(t, plan.Selection{Groups: []string{"general"}}, plan.Policy{MaxSurge: "1", MaxUnavailable: "0", DeleteEmptyDirData: true})
	paused := make(chan chan<- exec.Control, 1)
	doneA := make(chan engineRun, 1)
	go func() {
		asked := false
		doneA <- e.run(t, "engine-a (pid 1)", p, defaultOptions(), func(ev exec.Event, controls chan<- exec.Control, _ context.CancelFunc) {
			switch {
			case ev.Type == exec.EventNodePhase && ev.Phase == exec.PhaseCordoned && !asked:
				asked = true
				controls <- exec.Control{Type: exec.ControlPause}
			case ev.Type == exec.EventPaused:
				paused <- controls
			}
		})
	}()
	var controlsA chan<- exec.Control
	select {
	case controlsA = <-paused:
	case res := <-doneA:
		logEvents(t, res.events)
		t.Fatalf("run A ended before pausing: %v", res.err)
	case <-time.After(3 * time.Minute):
		t.Fatal("run A did not pause")
	}
	begin := time.Now()
	resB := e.run(t, "engine-b (pid 2)", p, defaultOptions(), nil)
	var held *exec.LockHeldError
	if !errors.As(resB.err, &held) || held.Holder != "engine-a (pid 1)" || held.Since.IsZero() || !strings.Contains(held.Error(), "engine-a (pid 1)") {
		t.Errorf("second run: %v, want a LockHeldError naming engine-a and since when", resB.err)
	}
	if took := time.Since(begin); took > 10*time.Second {
		t.Errorf("the second run took %s to refuse", took)
	}
	controlsA <- exec.Control{Type: exec.ControlAbort}
	resA := <-doneA
	if resA.report == nil || !resA.report.Summary.Aborted {
		logEvents(t, resA.events)
		t.Fatalf("run A: %v, report %+v; want an aborted summary", resA.err, resA.report)
	}
	if len(eventsOf(resA.events, exec.EventPauseRequested, "")) != 1 || len(eventsOf(resA.events, exec.EventAborting, "")) != 1 {
		t.Errorf("run A events lack pause-requested or aborting")
	}
	checkGroupsRestored(t, e)
	checkNothingCordoned(t, e)
	waitWorkloadsAvailable(t, e)
}

// TestEngineSkipThroughControls skips a node while its batch waits for the replacement: the
// node stays on its old image, uncordoned, the rest rotates and the surplus replacement is
// returned.
func TestEngineSkipThroughControls(t *testing.T) {
	e := newEngineEnv(t, freshSandbox(t, "small", nil))
	p := e.plan(t, plan.Selection{Groups: []string{"general"}}, plan.Policy{MaxSurge: "1", MaxUnavailable: "0", DeleteEmptyDirData: true})
	skipped := ""
	res := e.run(t, "engine-e2e (pid 4)", p, defaultOptions(), func(ev exec.Event, controls chan<- exec.Control, _ context.CancelFunc) {
		if ev.Type == exec.EventNodePhase && ev.Phase == exec.PhaseWaitingForReplacement && skipped == "" {
			skipped = ev.Node
			controls <- exec.Control{Type: exec.ControlSkip, Node: ev.Node}
		}
	})
	if res.err != nil || res.report == nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	if s := res.report.Summary; s.Rotated != 5 || s.Skipped != 1 {
		logEvents(t, res.events)
		t.Errorf("summary = %+v, want 5 rotated and %s skipped", s, skipped)
	}
	if img := nodeImages(t, e)[skipped]; img != e.stack.Scenario.Images.Old.ID {
		t.Errorf("skipped node %s runs %q, want it kept on the old image", skipped, img)
	}
	checkGroupsRestored(t, e)
	checkNothingCordoned(t, e)
	waitWorkloadsAvailable(t, e)
}
