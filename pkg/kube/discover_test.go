package kube

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestParseProviderID(t *testing.T) {
	tests := []struct {
		name, in, zone, id string
		ok                 bool
	}{
		{name: "aws", in: "aws:///us-east-1a/i-0123456789abcdef0", zone: "us-east-1a", id: "i-0123456789abcdef0", ok: true},
		{name: "empty", in: ""},
		{name: "gce", in: "gce://project/us-central1-a/node-1"},
		{name: "fargate", in: "aws:///us-east-1a/abc123/fargate-ip-10-0-0-1.ec2.internal"},
		{name: "not an instance", in: "aws:///us-east-1a/node-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zone, id, ok := ParseProviderID(tt.in)
			if zone != tt.zone || id != tt.id || ok != tt.ok {
				t.Fatalf("ParseProviderID(%q) = %q, %q, %v; want %q, %q, %v", tt.in, zone, id, ok, tt.zone, tt.id, tt.ok)
			}
		})
	}
}

func TestReadGroupsPodsByNodeAndPages(t *testing.T) {
	isController := true
	objs := []runtime.Object{
		&corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{corev1.LabelArchStable: "arm64", corev1.LabelTopologyZone: "us-east-1a"}},
			Spec:       corev1.NodeSpec{ProviderID: "aws:///us-east-1a/i-1", Unschedulable: true},
			Status: corev1.NodeStatus{
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
				NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.36.2", OSImage: "Amazon Linux 2023"},
			},
		},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "web-1", Labels: map[string]string{"app": "web"},
				OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-rs", Controller: &isController}}},
			Spec: corev1.PodSpec{NodeName: "n1", Volumes: []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}},
		},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "agent-x",
				OwnerReferences: []metav1.OwnerReference{{Kind: "DaemonSet", Name: "agent", Controller: &isController}}},
			Spec: corev1.PodSpec{NodeName: "n1"},
		},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "done"},
			Spec:       corev1.PodSpec{NodeName: "n2"},
			Status:     corev1.PodStatus{Phase: corev1.PodSucceeded},
		},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "unscheduled"}},
		&policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "web"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: &intstr.IntOrString{Type: intstr.String, StrVal: "50%"},
				Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			},
			Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1},
		},
		&policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "nil-selector"}},
	}
	client := fake.NewClientset(objs...)
	var limits []int64
	client.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		limits = append(limits, a.(k8stesting.ListActionImpl).ListOptions.Limit)
		return false, nil, nil
	})

	c, err := Reader{Client: client, PageSize: 7}.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(limits) != 3 || limits[0] != 7 || limits[1] != 7 || limits[2] != 7 {
		t.Errorf("list limits = %v, want three lists of 7", limits)
	}
	if len(c.Nodes) != 2 {
		t.Fatalf("got %d nodes, want 2", len(c.Nodes))
	}
	n1 := c.Nodes[0]
	if n1.Name != "n1" || !n1.Ready || !n1.Unschedulable || n1.Architecture != "arm64" || n1.Zone != "us-east-1a" || n1.KubeletVersion != "v1.36.2" {
		t.Errorf("n1 facts = %+v", n1)
	}
	if c.ProviderIDs["n1"] != "aws:///us-east-1a/i-1" || c.ProviderIDs["n2"] != "" {
		t.Errorf("provider IDs = %v", c.ProviderIDs)
	}
	if len(n1.Pods) != 2 {
		t.Fatalf("n1 has %d pods, want 2", len(n1.Pods))
	}
	for _, p := range n1.Pods {
		switch p.Name {
		case "web-1":
			if p.OwnerKind != "ReplicaSet" || !p.EmptyDir || p.DaemonSet {
				t.Errorf("web-1 facts = %+v", p)
			}
		case "agent-x":
			if !p.DaemonSet {
				t.Errorf("agent-x should be a DaemonSet pod: %+v", p)
			}
		}
	}
	if len(c.Nodes[1].Pods) != 1 || !c.Nodes[1].Pods[0].Finished {
		t.Errorf("n2 pods = %+v, want one finished pod", c.Nodes[1].Pods)
	}
	if len(c.PDBs) != 2 {
		t.Fatalf("got %d PDBs, want 2", len(c.PDBs))
	}
	for _, p := range c.PDBs {
		web := labels.Set{"app": "web"}
		switch p.Name {
		case "web":
			if !p.Selector.Matches(web) || p.DisruptionsAllowed != 1 || p.MinAvailable != "50%" {
				t.Errorf("web PDB = %+v", p)
			}
		case "nil-selector":
			if p.Selector.Matches(web) {
				t.Errorf("a PDB without selector must select nothing")
			}
		}
	}
}

func TestReadFollowsContinueTokens(t *testing.T) {
	client := fake.NewClientset()
	var seen []string
	client.PrependReactor("list", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		opts := a.(k8stesting.ListActionImpl).ListOptions
		seen = append(seen, opts.Continue)
		page := map[string]struct{ name, next string }{"": {"a", "t1"}, "t1": {"b", "t2"}, "t2": {"c", ""}}[opts.Continue]
		list := &corev1.NodeList{Items: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: page.name}}}}
		list.Continue = page.next
		return true, list, nil
	})
	c, err := Reader{Client: client}.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 3 || c.Nodes[2].Name != "c" {
		t.Fatalf("nodes = %+v, want a, b, c", c.Nodes)
	}
	if len(seen) != 3 || seen[1] != "t1" || seen[2] != "t2" {
		t.Errorf("continue tokens sent = %q", seen)
	}
}

func TestReadNodesListsNodesOnlyInPages(t *testing.T) {
	client := fake.NewClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{ProviderID: "aws:///us-east-1a/i-1"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p"}, Spec: corev1.PodSpec{NodeName: "n1"}},
	)
	var listed []string
	client.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		listed = append(listed, fmt.Sprintf("%s limit=%d", a.GetResource().Resource, a.(k8stesting.ListActionImpl).ListOptions.Limit))
		return false, nil, nil
	})
	c, err := Reader{Client: client, PageSize: 3}.ReadNodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 1 || c.Nodes[0].Name != "n1" || len(c.Nodes[0].Pods) != 0 || c.ProviderIDs["n1"] != "aws:///us-east-1a/i-1" {
		t.Errorf("cluster = %+v", c)
	}
	if len(listed) != 1 || listed[0] != "nodes limit=3" {
		t.Errorf("lists = %q, want nodes only, in pages of 3", listed)
	}
}
