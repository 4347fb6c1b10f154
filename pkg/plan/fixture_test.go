package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// testNow is the moment the test facts were gathered.
func testNow() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// nodeOption changes a test node.
type nodeOption func(*NodeFacts)

// newNode returns a ready amd64 node of group in zone on ami, ten days old.
func newNode(name, group, zone, ami string, opts ...nodeOption) NodeFacts {
	n := NodeFacts{
		Name:         name,
		InstanceID:   "i-" + name,
		Zone:         zone,
		InstanceType: "m6i.large",
		Kind:         KindASG,
		Group:        group,
		CurrentAMI:   ami,
		Architecture: "amd64",
		Labels:       map[string]string{"kubernetes.io/hostname": name},
		Created:      testNow().Add(-10 * day),
		Ready:        true,
	}
	for _, o := range opts {
		o(&n)
	}
	return n
}

// withKind sets the node's kind.
func withKind(k Kind) nodeOption { return func(n *NodeFacts) { n.Kind = k } }

// withArch sets the node's architecture.
func withArch(a string) nodeOption { return func(n *NodeFacts) { n.Architecture = a } }

// withLabel adds a label to the node.
func withLabel(k, v string) nodeOption { return func(n *NodeFacts) { n.Labels[k] = v } }

// withAge sets the node's age.
func withAge(d time.Duration) nodeOption { return func(n *NodeFacts) { n.Created = testNow().Add(-d) } }

// withPods puts pods on the node.
func withPods(pods ...PodFacts) nodeOption {
	return func(n *NodeFacts) { n.Pods = append(n.Pods, pods...) }
}

// withAnnotation annotates the node.
func withAnnotation(k, v string) nodeOption {
	return func(n *NodeFacts) {
		if n.Annotations == nil {
			n.Annotations = map[string]string{}
		}
		n.Annotations[k] = v
	}
}

// unmanagedNode returns a node the tool cannot rotate.
func unmanagedNode(name, reason string) NodeFacts {
	return newNode(name, "", "us-east-1a", "ami-old", withKind(KindUnmanaged), func(n *NodeFacts) {
		n.UnmanagedReason = reason
	})
}

// newGroup returns an Auto Scaling group launching ami with room for two more nodes.
func newGroup(name string, kind Kind, ami string, nodes int) GroupFacts {
	return GroupFacts{
		Name:             name,
		Kind:             kind,
		AutoScalingGroup: name + "-asg",
		MinSize:          1,
		MaxSize:          nodes + 2,
		DesiredCapacity:  nodes,
		TargetAMI:        ami,
		TargetSource:     "launch template lt-1 version 2",
	}
}

// deploymentPod returns a pod of a ReplicaSet labelled app=<app>.
func deploymentPod(ns, name, app string) PodFacts {
	return PodFacts{
		Namespace: ns, Name: name,
		Labels:    map[string]string{"app": app},
		OwnerKind: "ReplicaSet", OwnerName: app + "-5d9f",
	}
}

// testImages returns available amd64 images ami-old and ami-new and an arm64 image ami-arm.
func testImages() map[string]ImageFacts {
	return map[string]ImageFacts{
		"ami-old": {ID: "ami-old", State: ImageStateAvailable, Architecture: "amd64"},
		"ami-new": {ID: "ami-new", State: ImageStateAvailable, Architecture: "amd64"},
		"ami-arm": {ID: "ami-arm", State: ImageStateAvailable, Architecture: "arm64"},
	}
}

// zonedNodes returns nodes of group on ami-old, count per zone, named <zone letter><i>.
func zonedNodes(group string, perZone map[string]int) []NodeFacts {
	var nodes []NodeFacts
	for zone, count := range perZone {
		letter := zone[len(zone)-1:]
		for i := 1; i <= count; i++ {
			nodes = append(nodes, newNode(fmt.Sprintf("%s%02d", letter, i), group, zone, "ami-old"))
		}
	}
	return nodes
}

// mustBuild builds a plan and fails the test on an error.
func mustBuild(t *testing.T, f Facts, tg Target, s Selection, p Policy) *Plan {
	t.Helper()
	p2, err := Build(f, tg, s, p)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p2
}

// findNode returns the plan's node called name, failing the test when there is none.
func findNode(t *testing.T, p *Plan, name string) Node {
	t.Helper()
	for _, g := range p.Groups {
		for _, n := range g.Nodes {
			if n.Name == name {
				return n
			}
		}
	}
	t.Fatalf("node %s not in plan", name)
	return Node{}
}

// batchNodes renders the plan's batches as "group:node,node|..." for comparison.
func batchNodes(p *Plan) string {
	parts := make([]string, len(p.Batches))
	for i, b := range p.Batches {
		parts[i] = fmt.Sprintf("%s:%s", b.Group, strings.Join(b.Nodes, ","))
	}
	return strings.Join(parts, "|")
}

// wantError checks that err is nil when want is empty and otherwise contains want.
func wantError(t *testing.T, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("got no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
	return err != nil
}
