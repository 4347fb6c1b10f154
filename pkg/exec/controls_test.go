package exec

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// indexOf is the index of the first event matching, -1 if none.
func indexOf(events []Event, match func(Event) bool) int {
	return slices.IndexFunc(events, match)
}

func TestPauseFinishesTheStepInFlightAndResumes(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
	c := newCluster(t, "general", sizes, 2, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
	requested := make(chan struct{})
	first := true
	c.cloud.beforeSizes = func() {
		// The first surge is the step in flight when the pause arrives.
		if first {
			first = false
			c.controls <- Control{Type: ControlPause}
			<-requested
		}
	}
	res := runEngine(t, c, p, fastOptions(), func(ev Event, controls chan<- Control, _ context.CancelFunc) {
		switch ev.Type {
		case EventPauseRequested:
			close(requested)
		case EventPaused:
			controls <- Control{Type: ControlResume}
		}
	})
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	ev := res.events
	asked := indexOf(ev, func(e Event) bool { return e.Type == EventPauseRequested })
	paused := indexOf(ev, func(e Event) bool { return e.Type == EventPaused })
	resumed := indexOf(ev, func(e Event) bool { return e.Type == EventResumed })
	joined := indexOf(ev, func(e Event) bool { return e.Type == EventReplacement })
	cordoned := indexOf(ev, func(e Event) bool { return e.Type == EventNodePhase && e.Phase == PhaseCordoned })
	if asked < 0 || !strings.Contains(ev[asked].Message, "1 step(s) in flight") {
		t.Fatalf("pause-requested missing or not naming the step in flight: %+v", ev)
	}
	if !(asked < joined && joined < paused && paused < resumed && resumed < cordoned) {
		t.Errorf("order: pause requested %d, replacement joined %d, paused %d, resumed %d, first cordon %d; want the surge step finished before paused and nothing new before resumed",
			asked, joined, paused, resumed, cordoned)
	}
	if res.report.Summary.Rotated != 2 {
		t.Errorf("summary = %+v, want both rotated after resume", res.report.Summary)
	}
	assertConverged(t, c, sizes)
}

func TestSkipPendingNodeLeavesItUntouched(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
	c := newCluster(t, "general", sizes, 2, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
	accepted := make(chan struct{})
	first := true
	c.cloud.beforeSizes = func() {
		if first {
			first = false
			c.controls <- Control{Type: ControlSkip, Node: oldNode(2)}
			<-accepted
		}
	}
	res := runEngine(t, c, p, fastOptions(), func(ev Event, _ chan<- Control, _ context.CancelFunc) {
		if ev.Type == EventSkipRequested {
			close(accepted)
		}
	})
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	if got := phasesOf(res.events, oldNode(2)); !slices.Equal(got, []Phase{PhaseSkipped}) {
		t.Errorf("phases of %s = %v, want only skipped", oldNode(2), got)
	}
	if got := callsMatching(c.cloud.recorded(), "terminate "+oldInstance(2)); len(got) > 0 {
		t.Errorf("skipped node terminated: %q", got)
	}
	assertConverged(t, c, sizes)
}

// blockingPDB is the budget of the pods labelled app=web, which the fake cluster refuses to
// evict.
func blockingPDB() runtime.Object {
	one := intstr.FromInt32(2)
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
}

func refuseWeb(_, name string) bool { return strings.HasPrefix(name, "web-") }

func TestSkipDuringDrainUncordonsAndReturnsSurplus(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
	c := newCluster(t, "general", sizes, 1, refuseWeb, blockingPDB(), podOn(oldNode(1), "web-a", map[string]string{"app": "web"}))
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
	sent := false
	res := runEngine(t, c, p, fastOptions(), func(ev Event, controls chan<- Control, _ context.CancelFunc) {
		if ev.Type == EventEvictionBlocked && !sent {
			sent = true
			controls <- Control{Type: ControlSkip, Node: oldNode(1)}
		}
	})
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	n := res.report.Nodes[0]
	if n.Phase != PhaseSkipped || !strings.Contains(n.Reason, "on request") {
		t.Errorf("report = %+v, want skipped on request", n)
	}
	calls := c.cloud.recorded()
	if got := callsMatching(calls, "terminate"); len(got) != 1 || strings.Contains(got[0], oldInstance(1)) || !strings.HasSuffix(got[0], "decrement=true") {
		t.Errorf("terminations = %q, want the surplus replacement returned with a decrement", got)
	}
	if _, err := c.kube.CoreV1().Nodes().Get(context.Background(), oldNode(1), metav1.GetOptions{}); err != nil {
		t.Errorf("skipped node gone: %v", err)
	}
	assertConverged(t, c, sizes)
}

func TestAbortBringsNodesToASafePoint(t *testing.T) {
	tests := []struct {
		name  string
		abort func(controls chan<- Control, cancel context.CancelFunc)
	}{
		{name: "abort control", abort: func(controls chan<- Control, _ context.CancelFunc) { controls <- Control{Type: ControlAbort} }},
		{name: "context cancelled as on SIGINT", abort: func(_ chan<- Control, cancel context.CancelFunc) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
			c := newCluster(t, "general", sizes, 2, refuseWeb, blockingPDB(), podOn(oldNode(1), "web-a", map[string]string{"app": "web"}))
			p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
			sent := false
			res := runEngine(t, c, p, fastOptions(), func(ev Event, controls chan<- Control, cancel context.CancelFunc) {
				if ev.Type == EventEvictionBlocked && !sent {
					sent = true
					tt.abort(controls, cancel)
				}
			})
			if res.report == nil {
				t.Fatalf("Run() = nil report, error %v", res.err)
			}
			s := res.report.Summary
			if !s.Aborted || s.Rotated != 0 {
				t.Errorf("summary = %+v, want aborted with nothing rotated", s)
			}
			n1, n2 := res.report.Nodes[0], res.report.Nodes[1]
			if n1.Phase != PhaseSkipped || !strings.Contains(n1.Reason, "aborted") {
				t.Errorf("%s = %s (%s), want skipped because aborted", n1.Name, n1.Phase, n1.Reason)
			}
			if n2.Phase != PhasePending {
				t.Errorf("%s = %s, want pending: never started", n2.Name, n2.Phase)
			}
			if indexOf(res.events, func(e Event) bool { return e.Type == EventAborting }) < 0 {
				t.Errorf("no aborting event")
			}
			assertConverged(t, c, sizes)
		})
	}
}

func TestDrainTimeoutPolicy(t *testing.T) {
	tests := []struct {
		name   string
		policy DrainTimeoutPolicy
		want   Phase
	}{
		{name: "fail uncordons and fails the node, the rest rotates", policy: OnDrainTimeoutFail, want: PhaseFailed},
		{name: "skip uncordons and keeps the node, the rest rotates", policy: OnDrainTimeoutSkip, want: PhaseSkipped},
		{name: "force deletes the pods and rotates the node", policy: OnDrainTimeoutForce, want: PhaseDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
			c := newCluster(t, "general", sizes, 2, refuseWeb, blockingPDB(), podOn(oldNode(1), "web-a", map[string]string{"app": "web"}))
			p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
			opts := fastOptions()
			opts.DrainTimeout, opts.OnDrainTimeout = 300*time.Millisecond, tt.policy
			res := runEngine(t, c, p, opts, nil)
			if res.err != nil {
				t.Fatalf("Run() error = %v", res.err)
			}
			n1, n2 := res.report.Nodes[0], res.report.Nodes[1]
			if n1.Phase != tt.want {
				t.Errorf("%s = %s (%s), want %s", n1.Name, n1.Phase, n1.Reason, tt.want)
			}
			if n2.Phase != PhaseDone {
				t.Errorf("%s = %s (%s), want done", n2.Name, n2.Phase, n2.Reason)
			}
			if n1.EvictionRetries == 0 {
				t.Errorf("eviction retries of %s = 0, want the refused attempts counted", n1.Name)
			}
			blocked := ofType(res.events, EventEvictionBlocked)
			if len(blocked) == 0 || blocked[0].PDB != "shop/web" || blocked[0].Pod != "shop/web-a" {
				t.Errorf("eviction-blocked events = %+v, want shop/web-a blocked by shop/web", blocked)
			}
			if tt.want != PhaseDone {
				last := indexOf(res.events, func(e Event) bool { return e.Type == EventNodePhase && e.Node == n1.Name && e.Phase == tt.want })
				if last < 0 || res.events[last].PDB != "shop/web" || !strings.Contains(res.events[last].Message, "shop/web") {
					t.Errorf("the %s event of %s does not name the PDB: %+v", tt.want, n1.Name, res.events[max(last, 0)])
				}
				if _, err := c.kube.CoreV1().Nodes().Get(context.Background(), n1.Name, metav1.GetOptions{}); err != nil {
					t.Errorf("node %s kept on its old image is gone: %v", n1.Name, err)
				}
			}
			assertConverged(t, c, sizes)
		})
	}
}
