package exec

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// leftBy annotates node as a killed run left it in phase p.
func leftBy(t *testing.T, c *cluster, node string, p Phase, cordoned bool) {
	t.Helper()
	n, err := c.kube.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Annotations = map[string]string{AnnotationPhase: string(p), AnnotationRun: "killed-run"}
	if cordoned {
		n.Annotations[AnnotationCordoned] = "true"
		n.Spec.Unschedulable = true
	}
	if _, err := c.kube.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// surged adds the replacement a killed run launched: the group above its original size with
// the original sizes on its tag.
func surged(t *testing.T, c *cluster, original awscloud.GroupSizes, extra int) {
	t.Helper()
	c.cloud.mu.Lock()
	defer c.cloud.mu.Unlock()
	c.group.tags[TagOriginalSizes] = "2,2,3"
	c.group.tags[TagRun] = "killed-run"
	c.group.sizes = awscloud.GroupSizes{Min: original.Min, Desired: original.Desired + extra, Max: max(original.Max, original.Desired+extra)}
	c.cloud.reconcileLocked("general", c.group)
}

func TestRollingUpdateResumesWhatAKilledRunLeft(t *testing.T) {
	original := awscloud.GroupSizes{Min: 2, Desired: 2, Max: 3}
	tests := []struct {
		name string
		// leave sets up what the killed run left.
		leave func(t *testing.T, c *cluster)
		// keep adds a node already on the new image to the plan's group.
		keep bool
		// wantTerminated are the old instances terminated, in order (nil: not checked);
		// wantTerminations counts all terminations; wantNoCall is a call prefix that must
		// not happen.
		wantTerminated   []string
		wantTerminations int
		wantNoCall       string
	}{
		{
			name: "killed while surging: the recorded originals are kept, the sizes raised once",
			leave: func(t *testing.T, c *cluster) {
				c.cloud.mu.Lock()
				c.group.tags[TagOriginalSizes] = "2,2,3"
				c.cloud.mu.Unlock()
				leftBy(t, c, oldNode(1), PhaseSurging, false)
			},
			wantTerminated:   []string{oldInstance(1), oldInstance(2)},
			wantTerminations: 2,
			wantNoCall:       "tag",
		},
		{
			name: "killed just after cordoning: the node is drained and terminated",
			leave: func(t *testing.T, c *cluster) {
				surged(t, c, original, 1)
				leftBy(t, c, oldNode(1), PhaseCordoned, true)
			},
			wantTerminated:   []string{oldInstance(1), oldInstance(2)},
			wantTerminations: 2,
			wantNoCall:       "tag",
		},
		{
			name: "killed after surging: the replacement is used, not launched again",
			leave: func(t *testing.T, c *cluster) {
				surged(t, c, original, 1)
				leftBy(t, c, oldNode(1), PhaseWaitingForReplacement, false)
			},
			wantTerminated:   []string{oldInstance(1), oldInstance(2)},
			wantTerminations: 2,
			wantNoCall:       "tag",
		},
		{
			name: "killed while draining: the cordoned node's batch goes first",
			leave: func(t *testing.T, c *cluster) {
				surged(t, c, original, 1)
				leftBy(t, c, oldNode(2), PhaseDraining, true)
			},
			wantTerminated:   []string{oldInstance(2), oldInstance(1)},
			wantTerminations: 2,
			wantNoCall:       "tag",
		},
		{
			name: "killed after terminating: the lingering node is deleted, not terminated again",
			leave: func(t *testing.T, c *cluster) {
				c.cloud.mu.Lock()
				c.group.tags[TagOriginalSizes] = "2,2,3"
				c.group.members = slices.DeleteFunc(c.group.members, func(m awscloud.GroupMember) bool { return m.InstanceID == oldInstance(1) })
				c.cloud.terminated[oldInstance(1)] = true
				c.group.sizes.Desired = 2
				c.cloud.reconcileLocked("general", c.group)
				c.cloud.mu.Unlock()
				leftBy(t, c, oldNode(1), PhaseTerminating, true)
			},
			wantTerminated:   []string{oldInstance(2)},
			wantTerminations: 1,
		},
		{
			name: "killed after the last batch: surplus returned by draining it, not left to the group",
			leave: func(t *testing.T, c *cluster) {
				surged(t, c, original, 1)
			},
			keep:             true,
			wantTerminations: 1,
			wantNoCall:       "sizes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stray := readyNode("stray", "i-0000000000000abcd")
			stray.Spec.Unschedulable = true
			stray.Annotations = map[string]string{AnnotationCordoned: "true", AnnotationPhase: string(PhaseDraining), AnnotationRun: "killed-run"}
			nodes := 2
			if tt.keep {
				nodes = 0
			}
			c := newCluster(t, "general", original, nodes, nil, stray)
			if tt.keep {
				c.cloud.mu.Lock()
				for i := 1; i <= 2; i++ {
					c.group.members = append(c.group.members, awscloud.GroupMember{InstanceID: oldInstance(i), LifecycleState: "InService"})
					_, _ = c.kube.CoreV1().Nodes().Create(context.Background(), readyNode(oldNode(i), oldInstance(i)), metav1.CreateOptions{})
				}
				c.cloud.mu.Unlock()
			}
			tt.leave(t, c)
			spec := groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 2, batch: 1, surge: 1}
			if tt.keep {
				spec.nodes, spec.keep = 0, true
			}
			res := runEngine(t, c, testPlan(spec), fastOptions(), nil)
			if res.err != nil {
				t.Fatalf("Run() error = %v", res.err)
			}
			calls := c.cloud.recorded()
			var terminated []string
			for _, call := range callsMatching(calls, "terminate") {
				if id := call[len("terminate "):][:19]; slices.Contains([]string{oldInstance(1), oldInstance(2)}, id) {
					terminated = append(terminated, id)
				}
			}
			if n := len(callsMatching(calls, "terminate")); n != tt.wantTerminations {
				t.Errorf("terminations = %d, want %d (calls %q)", n, tt.wantTerminations, calls)
			}
			if tt.wantTerminated != nil && !slices.Equal(terminated, tt.wantTerminated) {
				t.Errorf("old instances terminated = %v, want %v (calls %q)", terminated, tt.wantTerminated, calls)
			}
			if tt.wantNoCall != "" {
				if got := callsMatching(calls, tt.wantNoCall); len(got) > 0 {
					t.Errorf("calls %q, want no %q", got, tt.wantNoCall)
				}
			}
			for _, n := range res.report.Nodes {
				if n.Phase != PhaseDone {
					t.Errorf("node %s ended %s (%s), want done", n.Name, n.Phase, n.Reason)
				}
			}
			if n, err := c.kube.CoreV1().Nodes().Get(context.Background(), "stray", metav1.GetOptions{}); err != nil || n.Spec.Unschedulable || n.Annotations[AnnotationCordoned] != "" {
				t.Errorf("node stray left by the killed run: %v, want it uncordoned without the rotation's annotation", describeNode(n, err))
			}
			assertConverged(t, c, original)
		})
	}
}

func describeNode(n *corev1.Node, err error) any {
	if err != nil {
		return err
	}
	return map[string]any{"unschedulable": n.Spec.Unschedulable, "annotations": n.Annotations}
}
