package exec

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

func TestRollingUpdateSurgesDrainsAndTerminatesInOrder(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
	c := newCluster(t, "general", sizes, 2, nil, podOn(oldNode(1), "web-a", map[string]string{"app": "web"}))
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
	res := runEngine(t, c, p, fastOptions(), nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	want := []string{
		"tag general rotate.kubectl.io/original-sizes=2,2,3",
		"sizes general 2/3/3",
		"terminate " + oldInstance(1) + " decrement=true",
		"sizes general 2/3/3",
		"terminate " + oldInstance(2) + " decrement=true",
		"untag general",
	}
	if got := c.cloud.recorded(); !slices.Equal(got, want) {
		t.Errorf("cloud calls:\n got %q\nwant %q", got, want)
	}
	wantPhases := []Phase{PhaseSurging, PhaseWaitingForReplacement, PhaseCordoned, PhaseDraining, PhaseTerminating, PhaseDone}
	if got := phasesOf(res.events, oldNode(1)); !slices.Equal(got, wantPhases) {
		t.Errorf("phases of %s = %v, want %v", oldNode(1), got, wantPhases)
	}
	if s := res.report.Summary; s.Rotated != 2 || s.Skipped != 0 || s.Failed != 0 || s.Aborted {
		t.Errorf("summary = %+v, want 2 rotated", s)
	}
	n := res.report.Nodes[0]
	if n.PodsEvicted != 1 || len(n.NewInstances) != 1 || n.OldInstance != oldInstance(1) || n.NewImage != "ami-new" || len(n.Phases) != len(wantPhases) {
		t.Errorf("report of %s = %+v", n.Name, n)
	}
	if got := ofType(res.events, EventReplacement); len(got) != 2 {
		t.Errorf("replacement events = %d, want one per batch", len(got))
	}
	if last := res.events[len(res.events)-1]; last.Type != EventFinished || last.Summary == nil {
		t.Errorf("last event = %+v, want finished with a summary", last)
	}
	assertConverged(t, c, sizes)
}

func TestRollingUpdateRaisesMaxSizeForTheSurgeAndRestoresIt(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 2, Max: 2}
	c := newCluster(t, "general", sizes, 2, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 2, surge: 2})
	res := runEngine(t, c, p, fastOptions(), nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	calls := c.cloud.recorded()
	if got := callsMatching(calls, "sizes"); !slices.Equal(got, []string{"sizes general 1/4/4", "sizes general 1/2/2"}) {
		t.Errorf("size changes = %q, want MaxSize raised to 4 for the batch and restored to 2", got)
	}
	if got := callsMatching(calls, "terminate"); len(got) != 2 || !strings.HasSuffix(got[0], "decrement=true") || !strings.HasSuffix(got[1], "decrement=true") {
		t.Errorf("terminations = %q, want both decrementing", got)
	}
	assertConverged(t, c, sizes)
}

func TestRollingUpdateReplacementNeverReady(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
	c := newCluster(t, "general", sizes, 2, nil)
	c.group.broken = true
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
	opts := fastOptions()
	opts.NodeReadyTimeout = 300 * time.Millisecond
	res := runEngine(t, c, p, opts, nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	calls := c.cloud.recorded()
	terminated := callsMatching(calls, "terminate")
	if len(terminated) != 1 || strings.Contains(terminated[0], oldInstance(1)) || !strings.HasSuffix(terminated[0], "decrement=true") {
		t.Fatalf("terminations = %q, want only the replacement, with a decrement", terminated)
	}
	newID := strings.Fields(terminated[0])[1]
	n1, n2 := res.report.Nodes[0], res.report.Nodes[1]
	if n1.Phase != PhaseFailed || !strings.Contains(n1.Reason, newID) || !strings.Contains(n1.Reason, "capacity returned") {
		t.Errorf("%s: phase %s, reason %q; want failed naming %s", n1.Name, n1.Phase, n1.Reason, newID)
	}
	if n2.Phase != PhaseSkipped || !strings.Contains(n2.Reason, "not started") {
		t.Errorf("%s: phase %s, reason %q; want skipped, not started", n2.Name, n2.Phase, n2.Reason)
	}
	assertConverged(t, c, sizes)
}

func TestRollingUpdateControlPlaneOneAtATimeWithoutSurge(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 2}
	c := newCluster(t, "masters", sizes, 2, nil)
	p := testPlan(groupSpec{name: "masters", asg: "masters", kind: plan.KindControlPlane, nodes: 2, batch: 1})
	res := runEngine(t, c, p, fastOptions(), nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	want := []string{
		"tag masters rotate.kubectl.io/original-sizes=2,2,2",
		"terminate " + oldInstance(1) + " decrement=false",
		"terminate " + oldInstance(2) + " decrement=false",
		"untag masters",
	}
	if got := c.cloud.recorded(); !slices.Equal(got, want) {
		t.Errorf("cloud calls:\n got %q\nwant %q", got, want)
	}
	if got := phasesOf(res.events, oldNode(2)); slices.Contains(got, PhaseSurging) || got[len(got)-1] != PhaseDone {
		t.Errorf("phases of %s = %v, want no surge and done", oldNode(2), got)
	}
	if n := res.report.Nodes[0]; len(n.NewInstances) != 1 {
		t.Errorf("report of %s names replacements %v, want the one the group launched", n.Name, n.NewInstances)
	}
	assertConverged(t, c, sizes)
}

func TestRollingUpdateEKSSizesGoThroughTheNodegroup(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
	c := newCluster(t, "eks-apps-1", sizes, 1, nil)
	c.group.tags[tagEKSCluster] = "prod"
	c.cloud.nodegroups["prod/apps"] = "eks-apps-1"
	p := testPlan(groupSpec{name: "apps", asg: "eks-apps-1", kind: plan.KindEKSManaged, nodes: 1, batch: 1, surge: 1})
	res := runEngine(t, c, p, fastOptions(), nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	want := []string{
		"tag eks-apps-1 rotate.kubectl.io/original-sizes=1,1,2",
		"nodegroup-sizes prod/apps 1/2/2",
		"terminate " + oldInstance(1) + " decrement=true",
		"nodegroup-sizes prod/apps 1/1/2",
		"untag eks-apps-1",
	}
	if got := c.cloud.recorded(); !slices.Equal(got, want) {
		t.Errorf("cloud calls:\n got %q\nwant %q", got, want)
	}
	assertConverged(t, c, sizes)
}

func TestRollingUpdateKarpenterNodesSkipped(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 1}
	c := newCluster(t, "unused", sizes, 1, nil)
	p := testPlan(groupSpec{name: "default", kind: plan.KindKarpenter, nodes: 1, batch: 1, surge: 1})
	res := runEngine(t, c, p, fastOptions(), nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	if n := res.report.Nodes[0]; n.Phase != PhaseSkipped || !strings.Contains(n.Reason, "Karpenter") {
		t.Errorf("report = %+v, want skipped with a reason naming Karpenter", n)
	}
	if calls := c.cloud.recorded(); len(calls) != 0 {
		t.Errorf("cloud calls = %q, want none", calls)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	c := newCluster(t, "general", awscloud.GroupSizes{Min: 1, Desired: 1, Max: 1}, 1, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "no plan", cfg: Config{Kube: c.kube, Cloud: c.cloud}, want: "no plan"},
		{name: "no cluster", cfg: Config{Plan: p, Cloud: c.cloud}, want: "no Kubernetes client"},
		{name: "no cloud", cfg: Config{Plan: p, Kube: c.kube}, want: "no AWS client"},
		{name: "unknown policy", cfg: Config{Plan: p, Kube: c.kube, Cloud: c.cloud, Options: Options{OnDrainTimeout: "retry"}}, want: "unknown drain timeout policy"},
		{name: "negative timeout", cfg: Config{Plan: p, Kube: c.kube, Cloud: c.cloud, Options: Options{DrainTimeout: -time.Second}}, want: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNodesAnnotatedWhileRotating(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
	c := newCluster(t, "general", sizes, 1, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
	var seen []string
	c.cloud.beforeSizes = func() {
		// The only node still carries what the engine wrote when the capacity is raised.
		n, err := c.kube.CoreV1().Nodes().Get(t.Context(), oldNode(1), metav1.GetOptions{})
		if err == nil {
			seen = append(seen, n.Annotations[AnnotationPhase])
		}
	}
	res := runEngine(t, c, p, fastOptions(), nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	if len(seen) == 0 || seen[0] != string(PhaseSurging) {
		t.Errorf("phase annotation while surging = %q, want %q", seen, PhaseSurging)
	}
}

func TestEventsNeverBlockTheRun(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
	c := newCluster(t, "general", sizes, 2, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1})
	e, err := New(Config{Plan: p, Options: fastOptions(), Kube: c.kube, Cloud: c.cloud})
	if err != nil {
		t.Fatal(err)
	}
	// Nobody reads the events while the run goes on.
	report, err := e.Run(t.Context(), nil)
	if err != nil || report.Summary.Rotated != 2 {
		t.Fatalf("Run() = %+v, %v; want 2 rotated", report, err)
	}
	var events []Event
	for ev := range e.Events() {
		events = append(events, ev)
	}
	if len(events) < 10 || events[0].Type != EventRunStarted || events[len(events)-1].Type != EventFinished {
		t.Errorf("%d events from %v to %v, want all of them, run-started first and finished last", len(events), events[0].Type, events[len(events)-1].Type)
	}
}

func TestReportTimesComeFromTheInjectedClock(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
	c := newCluster(t, "general", sizes, 1, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	e, err := New(Config{Plan: p, Options: fastOptions(), Kube: c.kube, Cloud: c.cloud, Clock: testingclock.NewFakeClock(at)})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range e.Events() {
		}
	}()
	report, err := e.Run(t.Context(), nil)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if !report.Started.Equal(at) || !report.Finished.Equal(at) || report.Summary.Rotated != 1 {
		t.Errorf("report from %s to %s, %+v; want the fake clock's time %s", report.Started, report.Finished, report.Summary, at)
	}
	for _, ph := range report.Nodes[0].Phases {
		if !ph.Start.Equal(at) || !ph.End.Equal(at) {
			t.Errorf("phase %s from %s to %s, want the fake clock's time", ph.Phase, ph.Start, ph.End)
		}
	}
	if !strings.HasPrefix(e.RunID(), "20300102T030405Z-") {
		t.Errorf("RunID() = %q, want it stamped by the clock", e.RunID())
	}
}
