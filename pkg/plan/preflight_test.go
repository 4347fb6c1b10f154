package plan

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

// blockerLine renders a blocker as "kind group node pod pdb" for comparison.
func blockerLine(b Blocker) string {
	return strings.Join([]string{string(b.Kind), b.Group, b.Node, b.Pod, b.PDB}, " ")
}

// appBudget returns a budget in ns over pods labelled app=<app>.
func appBudget(ns, name, app string, allowed int) PDBFacts {
	return PDBFacts{
		Namespace: ns, Name: name,
		Selector:           labels.SelectorFromSet(labels.Set{"app": app}),
		DisruptionsAllowed: allowed,
		MinAvailable:       "2",
	}
}

func TestBuildBlockers(t *testing.T) {
	bare := PodFacts{Namespace: "default", Name: "debug"}
	scratch := deploymentPod("shop", "cache-1", "cache")
	scratch.EmptyDir = true
	pinned := deploymentPod("batch", "job-1", "job")
	pinned.Annotations = map[string]string{AnnotationDoNotDisrupt: "true"}
	oldPinned := deploymentPod("batch", "job-2", "job")
	oldPinned.Annotations = map[string]string{AnnotationDoNotEvict: "true"}
	notPinned := deploymentPod("batch", "job-3", "job")
	notPinned.Annotations = map[string]string{AnnotationDoNotDisrupt: "false"}
	daemon := PodFacts{Namespace: "kube-system", Name: "aws-node-x", OwnerKind: "DaemonSet", DaemonSet: true, EmptyDir: true}
	mirror := PodFacts{Namespace: "kube-system", Name: "kube-proxy-n1", Mirror: true}
	finished := PodFacts{Namespace: "default", Name: "done", Finished: true}

	tests := []struct {
		name        string
		pods        []PodFacts
		pdbs        []PDBFacts
		nodeOpts    []nodeOption
		current     string // the node's image; ami-new means it is kept
		maxSize     int
		policy      Policy
		want        []string
		wantMessage string
	}{
		{
			name: "pdb allowing no disruption",
			pods: []PodFacts{deploymentPod("shop", "web-1", "web")},
			pdbs: []PDBFacts{appBudget("shop", "web-pdb", "web", 0)},
			want: []string{"pdb web n1 shop/web-1 shop/web-pdb"},
			wantMessage: "PodDisruptionBudget shop/web-pdb (minAvailable 2) allows no disruption now, " +
				"so the eviction of shop/web-1 will wait until the budget allows it; scale up the workload or relax the budget",
		},
		{
			name: "pdb allowing disruption",
			pods: []PodFacts{deploymentPod("shop", "web-1", "web")},
			pdbs: []PDBFacts{appBudget("shop", "web-pdb", "web", 1)},
		},
		{
			name: "pdb in another namespace",
			pods: []PodFacts{deploymentPod("shop", "web-1", "web")},
			pdbs: []PDBFacts{appBudget("other", "web-pdb", "web", 0)},
		},
		{
			name: "pdb selecting other pods",
			pods: []PodFacts{deploymentPod("shop", "web-1", "web")},
			pdbs: []PDBFacts{appBudget("shop", "api-pdb", "api", 0), {Namespace: "shop", Name: "nil-selector"}},
		},
		{
			name: "pdb over a daemonset pod",
			pods: []PodFacts{daemon},
			pdbs: []PDBFacts{{Namespace: "kube-system", Name: "all", Selector: labels.Everything()}},
		},
		{
			name:        "pod without controller",
			pods:        []PodFacts{bare, mirror, finished},
			want:        []string{"no-controller web n1 default/debug "},
			wantMessage: "pod default/debug has no controller, so drain refuses to evict it and nothing would recreate it; delete it or run it under a controller such as a Deployment",
		},
		{
			name:        "emptydir data",
			pods:        []PodFacts{scratch, daemon},
			want:        []string{"emptydir web n1 shop/cache-1 "},
			wantMessage: "pod shop/cache-1 keeps data in an emptyDir volume that a drain deletes; pass --delete-emptydir-data to allow it",
		},
		{
			name:   "emptydir data allowed",
			pods:   []PodFacts{scratch},
			policy: Policy{DeleteEmptyDirData: true},
		},
		{
			name: "do-not-disrupt pods",
			pods: []PodFacts{notPinned, oldPinned, pinned},
			want: []string{
				"do-not-disrupt web n1 batch/job-1 ",
				"do-not-disrupt web n1 batch/job-2 ",
			},
			wantMessage: `pod batch/job-1 is annotated karpenter.sh/do-not-disrupt: "true"; remove the annotation or leave node n1 out of the selection`,
		},
		{
			name:        "do-not-disrupt node",
			nodeOpts:    []nodeOption{withAnnotation(AnnotationDoNotDisrupt, "true")},
			want:        []string{"do-not-disrupt web n1  "},
			wantMessage: `node n1 is annotated karpenter.sh/do-not-disrupt: "true"; remove the annotation or leave the node out of the selection`,
		},
		{
			name:        "surge beyond max size",
			maxSize:     1,
			want:        []string{"capacity web   "},
			wantMessage: "group web has a desired capacity of 1 and a MaxSize of 1, so the surge will raise MaxSize from 1 to 2 for the duration of each batch; lower --max-surge to avoid it",
		},
		{
			name:    "no surge, no capacity blocker",
			maxSize: 1,
			policy:  Policy{MaxSurge: "0", MaxUnavailable: "1"},
		},
		{
			name: "kept node is not checked",
			pods: []PodFacts{bare},
			nodeOpts: []nodeOption{
				withAnnotation(AnnotationDoNotDisrupt, "true"),
			},
			current: "ami-new",
		},
		{
			name: "several blockers in a stable order",
			pods: []PodFacts{scratch, bare, deploymentPod("shop", "web-1", "web")},
			pdbs: []PDBFacts{
				appBudget("shop", "web-pdb-b", "web", 0),
				appBudget("shop", "web-pdb-a", "web", 0),
			},
			want: []string{
				"no-controller web n1 default/debug ",
				"emptydir web n1 shop/cache-1 ",
				"pdb web n1 shop/web-1 shop/web-pdb-a",
				"pdb web n1 shop/web-1 shop/web-pdb-b",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := tt.current
			if current == "" {
				current = "ami-old"
			}
			opts := append([]nodeOption{withPods(tt.pods...)}, tt.nodeOpts...)
			g := newGroup("web", KindASG, "ami-new", 1)
			if tt.maxSize > 0 {
				g.MaxSize = tt.maxSize
			}
			f := Facts{
				Now:    testNow(),
				Nodes:  []NodeFacts{newNode("n1", "web", "us-east-1a", current, opts...)},
				Groups: []GroupFacts{g},
				PDBs:   tt.pdbs,
				Images: testImages(),
			}
			p := mustBuild(t, f, Target{}, Selection{}, tt.policy)
			got := make([]string, len(p.Blockers))
			for i, b := range p.Blockers {
				got[i] = blockerLine(b)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("blockers\n got %q\nwant %q", got, tt.want)
			}
			if tt.wantMessage != "" && p.Blockers[0].Message != tt.wantMessage {
				t.Fatalf("message\n got %s\nwant %s", p.Blockers[0].Message, tt.wantMessage)
			}
		})
	}
}

func TestBuildEvictions(t *testing.T) {
	pods := []PodFacts{
		deploymentPod("shop", "web-2", "web"),
		{Namespace: "kube-system", Name: "aws-node-x", OwnerKind: "DaemonSet", DaemonSet: true},
		{Namespace: "kube-system", Name: "kube-proxy-n1", Mirror: true},
		{Namespace: "default", Name: "done", OwnerKind: "Job", Finished: true},
		deploymentPod("api", "api-1", "api"),
		deploymentPod("shop", "web-1", "web"),
	}
	f := Facts{
		Now:    testNow(),
		Nodes:  []NodeFacts{newNode("n1", "web", "us-east-1a", "ami-new", withPods(pods...))},
		Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", 1)},
		Images: testImages(),
	}
	p := mustBuild(t, f, Target{}, Selection{}, Policy{})
	got := strings.Join(findNode(t, p, "n1").Evictions, ",")
	if want := "api/api-1,shop/web-1,shop/web-2"; got != want {
		t.Fatalf("evictions %s, want %s", got, want)
	}
}

func TestBuildBlockersFollowGroupOrder(t *testing.T) {
	var nodes []NodeFacts
	for _, g := range []string{"zeta", "alpha"} {
		for i := 2; i >= 1; i-- {
			nodes = append(nodes, newNode(fmt.Sprintf("%s-%d", g, i), g, "us-east-1a", "ami-old",
				withPods(PodFacts{Namespace: "default", Name: fmt.Sprintf("bare-%s-%d", g, i)})))
		}
	}
	f := Facts{Now: testNow(), Nodes: nodes, Images: testImages(), Groups: []GroupFacts{
		newGroup("zeta", KindASG, "ami-new", 2), newGroup("alpha", KindASG, "ami-new", 2),
	}}
	p := mustBuild(t, f, Target{}, Selection{}, Policy{})
	var got []string
	for _, b := range p.Blockers {
		got = append(got, b.Node)
	}
	if want := "alpha-1,alpha-2,zeta-1,zeta-2"; strings.Join(got, ",") != want {
		t.Fatalf("blocker nodes %v, want %s", got, want)
	}
}
