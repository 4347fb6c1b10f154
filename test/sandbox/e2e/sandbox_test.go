package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestSandboxNodesAreAWSNodes checks what "kubectl get nodes" shows a user: Ready nodes with
// AWS provider IDs, zones and the labels of their groups.
func TestSandboxNodesAreAWSNodes(t *testing.T) {
	nodes, err := sandbox.stack.Client.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != sandbox.stack.Scenario.Nodes() {
		t.Fatalf("%d nodes, want %d", len(nodes.Items), sandbox.stack.Scenario.Nodes())
	}
	groups := map[string]int{}
	for _, n := range nodes.Items {
		if !strings.HasPrefix(n.Spec.ProviderID, "aws:///us-east-1") || !ready(&n) {
			t.Errorf("node %s: providerID %q, ready %v", n.Name, n.Spec.ProviderID, ready(&n))
		}
		groups[n.Labels["eks.amazonaws.com/nodegroup"]+n.Labels["kops.k8s.io/instancegroup"]]++
	}
	if groups["apps"] != 3 || groups["nodes-us-east-1"] != 3 || groups[""] != 6 {
		t.Errorf("nodes per group label = %v", groups)
	}
	r := sandbox.kubectl(t, "get", "nodes", "-o", "wide")
	if r.code != 0 || strings.Count(r.out, " Ready ") != sandbox.stack.Scenario.Nodes() {
		t.Errorf("kubectl get nodes (exit %d):\n%s%s", r.code, r.out, r.errOut)
	}
}

// TestPlanAgainstSandbox runs "kubectl rotate plan" as a user would.
func TestPlanAgainstSandbox(t *testing.T) {
	r := sandbox.kubectl(t, "rotate", "plan", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var p struct {
		Kind   string `json:"kind"`
		Groups []struct {
			Name   string `json:"name"`
			Kind   string `json:"kind"`
			Counts struct {
				Rotate int `json:"rotate"`
			} `json:"counts"`
			TargetAMI string `json:"targetAMI"`
		} `json:"groups"`
		Blockers []struct {
			Kind string `json:"kind"`
		} `json:"blockers"`
	}
	if err := json.Unmarshal([]byte(r.out), &p); err != nil {
		t.Fatalf("plan is not JSON: %v\n%s", err, r.out)
	}
	kinds := map[string]string{}
	rotate := 0
	for _, g := range p.Groups {
		kinds[g.Name] = g.Kind
		rotate += g.Counts.Rotate
		if g.TargetAMI != sandbox.stack.Scenario.Images.New.ID {
			t.Errorf("group %s targets %s, want the new image", g.Name, g.TargetAMI)
		}
	}
	if kinds["general"] != "asg" || kinds["apps"] != "eks-managed" || kinds["nodes-us-east-1"] != "kops" {
		t.Errorf("group kinds = %v", kinds)
	}
	if rotate != sandbox.stack.Scenario.Nodes() {
		t.Errorf("%d nodes to rotate, want all %d", rotate, sandbox.stack.Scenario.Nodes())
	}
	emptyDir := false
	for _, b := range p.Blockers {
		emptyDir = emptyDir || b.Kind == "emptydir"
	}
	if !emptyDir {
		t.Errorf("the emptyDir pod of the scenario is not reported as a blocker: %+v", p.Blockers)
	}

	bad := sandbox.kubectl(t, "rotate", "plan", "--nodegroup", "nope")
	if bad.code != 1 || !strings.Contains(bad.errOut, `node group "nope" not found`) || bad.out != "" {
		t.Errorf("unknown node group: exit %d, stderr %q", bad.code, bad.errOut)
	}
}

// TestScaleUpAddsNodeTerminateRemovesIt raises a group's desired capacity through the AWS
// API and terminates the new instance again, watching the nodes follow.
func TestScaleUpAddsNodeTerminateRemovesIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	asg := autoscaling.NewFromConfig(sandbox.stack.Server.AWSConfig())
	before := nodeNames(ctx, t)
	if _, err := asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("general"), DesiredCapacity: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	var added *corev1.Node
	waitFor(ctx, t, "a new Ready node", func() bool {
		nodes, err := sandbox.stack.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for i := range nodes.Items {
			if !before[nodes.Items[i].Name] && ready(&nodes.Items[i]) {
				added = &nodes.Items[i]
				return true
			}
		}
		return false
	})
	instanceID := added.Spec.ProviderID[strings.LastIndex(added.Spec.ProviderID, "/")+1:]
	inst, ok := sandbox.stack.Cloud.Instance(instanceID)
	if !ok || inst.ImageID != sandbox.stack.Scenario.Images.New.ID || inst.AutoScalingGroup != "general" {
		t.Errorf("new node's instance %s = %+v, want one of group general on the new image", instanceID, inst)
	}
	_, err := asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: aws.String(instanceID), ShouldDecrementDesiredCapacity: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the terminated instance's node to leave", func() bool {
		_, err := sandbox.stack.Client.CoreV1().Nodes().Get(ctx, added.Name, metav1.GetOptions{})
		return err != nil
	})
	if got := len(nodeNames(ctx, t)); got != len(before) {
		t.Errorf("%d nodes after terminating, want %d", got, len(before))
	}
}

// TestDrainEvictsUnderPDB drains a node with kubectl: its pods are evicted under their
// budgets and run again elsewhere.
func TestDrainEvictsUnderPDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	pods, err := sandbox.stack.Client.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("web pods: %v (%d)", err, len(pods.Items))
	}
	node := pods.Items[0].Spec.NodeName
	defer sandbox.kubectl(t, "uncordon", node)
	r := sandbox.kubectl(t, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=2m")
	if r.code != 0 {
		t.Fatalf("drain %s: exit %d: %s", node, r.code, r.errOut)
	}
	if !strings.Contains(r.out, "evicting pod shop/web") && !strings.Contains(r.errOut, "evicting pod shop/web") {
		t.Errorf("drain did not evict a web pod:\n%s%s", r.out, r.errOut)
	}
	waitFor(ctx, t, "web to be fully available again", func() bool {
		d, err := sandbox.stack.Client.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == *d.Spec.Replicas
	})
	left, err := sandbox.stack.Client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range left.Items {
		if owner := metav1.GetControllerOf(&p); owner == nil || owner.Kind != "DaemonSet" {
			t.Errorf("pod %s/%s is still on the drained node", p.Namespace, p.Name)
		}
	}
}

func nodeNames(ctx context.Context, t *testing.T) map[string]bool {
	t.Helper()
	nodes, err := sandbox.stack.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, n := range nodes.Items {
		names[n.Name] = true
	}
	return names
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
