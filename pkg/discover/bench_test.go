package discover

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
	"github.com/kubectl-rotate/kubectl-rotate/test/world"
)

// largeWorld is 5,000 nodes in 10 groups of 500 across three zones, 10 pods per node.
func largeWorld(tb testing.TB) (Discoverer, *awssim.Server) {
	tb.Helper()
	cloud := awssim.NewCloud("us-east-1")
	spec := world.Spec{Region: "us-east-1", Cluster: "big", Created: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	for g := 0; g < 10; g++ {
		kind := []string{world.KindASG, world.KindEKSManaged, world.KindKops}[g%3]
		spec.Groups = append(spec.Groups, world.GroupSpec{
			Name: fmt.Sprintf("group-%02d", g), Kind: kind, Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			Nodes: 500, CurrentAMI: fmt.Sprintf("ami-%017x", 0xa00+g), TargetAMI: fmt.Sprintf("ami-%017x", 0xb00+g), PodsPerNode: 10,
		})
	}
	objs, err := world.Build(cloud, spec)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := awssim.Start(cloud)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	d := Discoverer{Cluster: kube.Reader{Client: fake.NewClientset(objs...)}, Cloud: awscloud.NewClients(srv.AWSConfig())}
	return d, srv
}

// TestDiscoverLargeClusterCallBudget checks discovery of 5,000 instances in 10 groups stays
// within 20 AWS calls.
func TestDiscoverLargeClusterCallBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5,000-node cluster; skipped with -short")
	}
	d, srv := largeWorld(t)
	facts, err := d.Discover(context.Background(), Options{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.Nodes) != 5000 || len(facts.Groups) != 10 {
		t.Fatalf("discovered %d nodes in %d groups, want 5000 in 10", len(facts.Nodes), len(facts.Groups))
	}
	for _, n := range facts.Nodes {
		if n.Kind == plan.KindUnmanaged {
			t.Fatalf("node %s unmanaged: %s", n.Name, n.UnmanagedReason)
		}
	}
	if calls := srv.TotalCalls(); calls > 20 {
		t.Errorf("discovery made %d AWS calls (%v), want at most 20", calls, srv.Calls())
	}
}

// BenchmarkPlan5000Nodes measures discovery and planning of 5,000 nodes in 10 groups: wall
// time per plan, AWS calls per plan and memory.
func BenchmarkPlan5000Nodes(b *testing.B) {
	d, srv := largeWorld(b)
	b.ReportAllocs()
	srv.ResetCalls()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		facts, err := d.Discover(context.Background(), Options{Now: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		p, err := plan.Build(*facts, plan.Target{}, plan.Selection{Selector: labels.Everything()}, plan.Policy{MaxSurge: "10%"})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Batches) == 0 {
			b.Fatal("empty plan")
		}
	}
	b.ReportMetric(float64(srv.TotalCalls())/float64(b.N), "aws-calls/op")
}
