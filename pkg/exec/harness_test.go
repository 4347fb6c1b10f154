package exec

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// oldInstance is the instance ID of old node i.
func oldInstance(i int) string { return fmt.Sprintf("i-%017x", i) }

// oldNode is the name of old node i.
func oldNode(i int) string { return fmt.Sprintf("old-%d", i) }

// groupSpec describes the one group of a test plan.
type groupSpec struct {
	name, asg string
	kind      plan.Kind
	// nodes old nodes to rotate, numbered 1..nodes, cut into batches of batch nodes with
	// surge (control-plane groups: one node per batch, no surge).
	nodes, batch, surge int
	// keep adds a node already on the target image (numbered after the old ones).
	keep bool
}

// testPlan builds the plan of one group.
func testPlan(s groupSpec) *plan.Plan {
	p := &plan.Plan{APIVersion: plan.APIVersion, Kind: plan.KindRotationPlan, Policy: plan.PolicySummary{DeleteEmptyDirData: true}}
	g := plan.Group{Name: s.name, Kind: s.kind, AutoScalingGroup: s.asg, TargetAMI: "ami-new", Surge: s.surge}
	batch := max(s.batch, 1)
	for i := 1; i <= s.nodes; i++ {
		k := (i - 1) / batch
		g.Nodes = append(g.Nodes, plan.Node{Name: oldNode(i), InstanceID: oldInstance(i), Zone: "us-east-1a",
			CurrentAMI: "ami-old", TargetAMI: "ami-new", Action: plan.ActionRotate, Batch: k})
		if len(p.Batches) == k {
			p.Batches = append(p.Batches, plan.Batch{Index: k, Group: s.name, Surge: s.surge})
		}
		p.Batches[k].Nodes = append(p.Batches[k].Nodes, oldNode(i))
	}
	if s.keep {
		i := s.nodes + 1
		g.Nodes = append(g.Nodes, plan.Node{Name: oldNode(i), InstanceID: oldInstance(i), CurrentAMI: "ami-new", TargetAMI: "ami-new", Action: plan.ActionKeep, Batch: -1})
	}
	for i := range p.Batches {
		p.Batches[i].Surge = min(s.surge, len(p.Batches[i].Nodes))
	}
	p.Groups = []plan.Group{g}
	return p
}

// cluster is a fake cluster and account with old nodes 1..n in one group.
type cluster struct {
	kube  *fake.Clientset
	cloud *scalingCloud
	group *fakeGroup
	// controls is the control channel of the run.
	controls chan Control
}

// newCluster starts old nodes 1..nodes (and extra objects) in group asg with sizes.
func newCluster(t *testing.T, asg string, sizes awscloud.GroupSizes, nodes int, refuse func(ns, name string) bool, objects ...runtime.Object) *cluster {
	t.Helper()
	var ids []string
	for i := 1; i <= nodes; i++ {
		objects = append(objects, readyNode(oldNode(i), oldInstance(i)))
		ids = append(ids, oldInstance(i))
	}
	kube := newKube(t, refuse, objects...)
	cloud := newScalingCloud(kube)
	g := cloud.addGroup(asg, sizes, ids...)
	return &cluster{kube: kube, cloud: cloud, group: g, controls: make(chan Control, 16)}
}

// runResult is what one run produced.
type runResult struct {
	report *Report
	err    error
	events []Event
}

// runEngine runs p against c with opts until it ends or a minute passes. react, when set,
// sees every event as it arrives and may send controls (or cancel the run).
func runEngine(t *testing.T, c *cluster, p *plan.Plan, opts Options, react func(ev Event, controls chan<- Control, cancel context.CancelFunc)) runResult {
	t.Helper()
	e, err := New(Config{Plan: p, Options: opts, Kube: c.kube, Cloud: c.cloud, Identity: "tester (pid 1)", Context: "test"})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	controls := c.controls
	events := make(chan []Event, 1)
	go func() {
		var all []Event
		for ev := range e.Events() {
			all = append(all, ev)
			if react != nil {
				react(ev, controls, cancel)
			}
		}
		events <- all
	}()
	report, err := e.Run(ctx, controls)
	return runResult{report: report, err: err, events: <-events}
}

// fastOptions keep unit tests quick.
func fastOptions() Options {
	return Options{NodeReadyTimeout: 5 * time.Second, EvictionRetryDelay: 20 * time.Millisecond, NodeDeleteGrace: 100 * time.Millisecond,
		PendingPodsTimeout: time.Second, GracePeriod: -1}
}

// assertConverged checks the end state every run must reach: nothing cordoned, the group at
// its original sizes without the rotation's tags, no victims picked by the group itself, and
// the lock released.
func assertConverged(t *testing.T, c *cluster, want awscloud.GroupSizes) {
	t.Helper()
	if got := cordonedNodes(t, c.kube); len(got) > 0 {
		t.Errorf("nodes left cordoned: %v", got)
	}
	c.cloud.mu.Lock()
	sizes, tags := c.group.sizes, c.group.tags
	c.cloud.mu.Unlock()
	if sizes != want {
		t.Errorf("group sizes = %s, want %s", sizes, want)
	}
	if _, ok := tags[TagOriginalSizes]; ok {
		t.Errorf("tag %s left on the group: %v", TagOriginalSizes, tags)
	}
	if v := callsMatching(c.cloud.recorded(), "scale-in-by-policy"); len(v) > 0 {
		t.Errorf("the group picked victims itself: %v", v)
	}
	if _, err := c.kube.CoordinationV1().Leases(LockNamespace).Get(context.Background(), LockName, metav1.GetOptions{}); err == nil {
		t.Errorf("lock not released")
	}
}
