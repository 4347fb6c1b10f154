package plan

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

// largeFacts is a cluster of 5,000 nodes in 10 groups over 3 zones, 30 pods per node (3 of
// them DaemonSet pods) over 10 namespaces, and 50 budgets of which every fifth allows no
// disruption. Most nodes run the old image.
func largeFacts() Facts {
	const (
		groups     = 10
		perGroup   = 500
		namespaces = 10
		apps       = 5 // per namespace, one budget each
	)
	zones := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	f := Facts{Now: testNow(), Images: testImages()}
	for g := range groups {
		name := fmt.Sprintf("group-%02d", g)
		f.Groups = append(f.Groups, newGroup(name, KindASG, "ami-new", perGroup))
		for i := range perGroup {
			ami := "ami-old"
			if i%10 == 0 {
				ami = "ami-new"
			}
			pods := make([]PodFacts, 0, 30)
			for d := range 3 {
				pods = append(pods, PodFacts{Namespace: "kube-system", Name: fmt.Sprintf("ds-%d-%d-%d", d, g, i),
					OwnerKind: "DaemonSet", DaemonSet: true})
			}
			for p := range 27 {
				ns := fmt.Sprintf("ns-%d", (i+p)%namespaces)
				app := fmt.Sprintf("app-%d", p%apps)
				pods = append(pods, deploymentPod(ns, fmt.Sprintf("%s-%d-%d-%d", app, g, i, p), app))
			}
			f.Nodes = append(f.Nodes, newNode(fmt.Sprintf("%s-node-%03d", name, i), name, zones[i%len(zones)], ami,
				withPods(pods...), withLabel("node.kubernetes.io/instance-type", "m6i.large")))
		}
	}
	for n := range namespaces {
		for a := range apps {
			allowed := 1
			if (n*apps+a)%5 == 0 {
				allowed = 0
			}
			f.PDBs = append(f.PDBs, PDBFacts{
				Namespace: fmt.Sprintf("ns-%d", n), Name: fmt.Sprintf("app-%d", a),
				Selector:           labels.SelectorFromSet(labels.Set{"app": fmt.Sprintf("app-%d", a)}),
				DisruptionsAllowed: allowed,
			})
		}
	}
	return f
}

func BenchmarkBuild5000Nodes(b *testing.B) {
	f := largeFacts()
	p := Policy{MaxSurge: "10%", MaxUnavailable: "1"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(f, Target{}, Selection{}, p); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBuildLargeCluster(t *testing.T) {
	p := mustBuild(t, largeFacts(), Target{}, Selection{}, Policy{MaxSurge: "10%", MaxUnavailable: "1"})
	rotate := 0
	for _, g := range p.Groups {
		if g.Surge != 50 || g.Unavailable != 1 {
			t.Fatalf("group %s: surge %d unavailable %d, want 50 and 1", g.Name, g.Surge, g.Unavailable)
		}
		rotate += g.Counts.Rotate
	}
	if rotate != 4500 {
		t.Fatalf("rotating %d nodes, want 4500", rotate)
	}
	if want := 10 * 9; len(p.Batches) != want { // 450 nodes per group in batches of 51
		t.Fatalf("%d batches, want %d", len(p.Batches), want)
	}
	pdb := 0
	for _, b := range p.Blockers {
		if b.Kind == BlockerPDB {
			pdb++
		}
	}
	// Each rotated node has 27 pods, six of them of app-0, whose budget allows no disruption
	// in every namespace.
	if want := 4500 * 6; pdb != want {
		t.Fatalf("%d pdb blockers, want %d", pdb, want)
	}
}
