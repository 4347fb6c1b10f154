package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
)

// scalingCloud is a hand-written Auto Scaling account. Raising a group's desired capacity
// launches instances whose nodes join the cluster Ready at once, unless the group launches
// broken instances (whose nodes never register); terminating an instance removes its node,
// as the cloud node controller does. Lowering the desired capacity below the instances makes
// the group pick victims by its own policy, which the engine must never cause: such victims
// are recorded as "scale-in-by-policy". Every mutating call is recorded in order.
type scalingCloud struct {
	kube *fake.Clientset
	// beforeSizes, when set, runs at the start of every size change, outside the lock.
	beforeSizes func()

	mu         sync.Mutex
	groups     map[string]*fakeGroup
	nodegroups map[string]string // cluster/nodegroup -> group
	terminated map[string]bool
	calls      []string
	next       int
}

// fakeGroup is one Auto Scaling group of the scalingCloud.
type fakeGroup struct {
	sizes   awscloud.GroupSizes
	members []awscloud.GroupMember
	tags    map[string]string
	broken  bool
}

var _ Cloud = (*scalingCloud)(nil)

func newScalingCloud(kube *fake.Clientset) *scalingCloud {
	return &scalingCloud{kube: kube, groups: map[string]*fakeGroup{}, nodegroups: map[string]string{}, terminated: map[string]bool{}, next: 100}
}

// addGroup adds a group whose members are the instances given.
func (c *scalingCloud) addGroup(name string, sizes awscloud.GroupSizes, instances ...string) *fakeGroup {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := &fakeGroup{sizes: sizes, tags: map[string]string{}}
	for _, id := range instances {
		g.members = append(g.members, awscloud.GroupMember{InstanceID: id, Zone: "us-east-1a", LifecycleState: "InService", HealthStatus: "Healthy"})
	}
	c.groups[name] = g
	return g
}

func (c *scalingCloud) record(format string, args ...any) {
	c.calls = append(c.calls, fmt.Sprintf(format, args...))
}

// recorded returns the calls so far.
func (c *scalingCloud) recorded() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func (c *scalingCloud) group(name string) (*fakeGroup, error) {
	g, ok := c.groups[name]
	if !ok {
		return nil, fmt.Errorf("auto scaling group %s does not exist", name)
	}
	return g, nil
}

func (c *scalingCloud) GroupState(_ context.Context, name string) (awscloud.GroupState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.group(name)
	if err != nil {
		return awscloud.GroupState{}, err
	}
	tags := map[string]string{}
	for k, v := range g.tags {
		tags[k] = v
	}
	return awscloud.GroupState{Name: name, Sizes: g.sizes, Members: slices.Clone(g.members), Tags: tags}, nil
}

func (c *scalingCloud) SetGroupSizes(_ context.Context, name string, s awscloud.GroupSizes) error {
	if c.beforeSizes != nil {
		c.beforeSizes()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.group(name)
	if err != nil {
		return err
	}
	if s.Min > s.Desired || s.Desired > s.Max {
		return fmt.Errorf("bad sizes %s", s)
	}
	c.record("sizes %s %d/%d/%d", name, s.Min, s.Desired, s.Max)
	g.sizes = s
	c.reconcileLocked(name, g)
	return nil
}

func (c *scalingCloud) SetNodegroupSizes(_ context.Context, cluster, nodegroup string, s awscloud.GroupSizes) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok := c.nodegroups[cluster+"/"+nodegroup]
	if !ok {
		return fmt.Errorf("node group %s of cluster %s does not exist", nodegroup, cluster)
	}
	c.record("nodegroup-sizes %s/%s %d/%d/%d", cluster, nodegroup, s.Min, s.Desired, s.Max)
	g := c.groups[name]
	g.sizes = s
	c.reconcileLocked(name, g)
	return nil
}

func (c *scalingCloud) TerminateInGroup(_ context.Context, id string, decrement bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, g := range c.groups {
		i := slices.IndexFunc(g.members, func(m awscloud.GroupMember) bool { return m.InstanceID == id })
		if i < 0 {
			continue
		}
		if decrement {
			if g.sizes.Desired <= g.sizes.Min {
				return fmt.Errorf("desired equals min size of %s", name)
			}
			g.sizes.Desired--
		}
		c.record("terminate %s decrement=%t", id, decrement)
		g.members = slices.Delete(g.members, i, i+1)
		c.terminated[id] = true
		c.removeNodeLocked(id)
		c.reconcileLocked(name, g)
		return nil
	}
	return &awscloud.NotInGroupError{InstanceID: id, Err: errors.New("no managed instance found")}
}

func (c *scalingCloud) TagGroup(_ context.Context, name string, tags map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.group(name)
	if err != nil {
		return err
	}
	c.record("tag %s %s=%s", name, TagOriginalSizes, tags[TagOriginalSizes])
	for k, v := range tags {
		g.tags[k] = v
	}
	return nil
}

func (c *scalingCloud) UntagGroup(_ context.Context, name string, keys []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.group(name)
	if err != nil {
		return err
	}
	c.record("untag %s", name)
	for _, k := range keys {
		delete(g.tags, k)
	}
	return nil
}

func (c *scalingCloud) Instances(_ context.Context, ids []string) (map[string]awscloud.Instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]awscloud.Instance{}
	for _, id := range ids {
		state := "running"
		if c.terminated[id] {
			state = "terminated"
		}
		out[id] = awscloud.Instance{ID: id, State: state}
	}
	return out, nil
}

// reconcileLocked launches or, by policy, terminates instances to meet the desired capacity.
func (c *scalingCloud) reconcileLocked(name string, g *fakeGroup) {
	for len(g.members) < g.sizes.Desired {
		c.next++
		id := fmt.Sprintf("i-%017x", c.next)
		g.members = append(g.members, awscloud.GroupMember{InstanceID: id, Zone: "us-east-1a", LifecycleState: "InService", HealthStatus: "Healthy"})
		if !g.broken {
			if _, err := c.kube.CoreV1().Nodes().Create(context.Background(), readyNode("node-"+id, id), metav1.CreateOptions{}); err != nil {
				panic(err)
			}
		}
	}
	for len(g.members) > g.sizes.Desired {
		victim := g.members[0]
		c.record("scale-in-by-policy %s %s", name, victim.InstanceID)
		g.members = g.members[1:]
		c.terminated[victim.InstanceID] = true
		c.removeNodeLocked(victim.InstanceID)
	}
}

func (c *scalingCloud) removeNodeLocked(id string) {
	nodes, _ := c.kube.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	for _, n := range nodes.Items {
		if instanceIDOf(n.Spec.ProviderID) == id {
			_ = c.kube.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{})
		}
	}
}

// readyNode is a Ready node of an instance.
func readyNode(name, instanceID string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.NodeSpec{ProviderID: "aws:///us-east-1a/" + instanceID},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	}
}

// podOn is a pod of a ReplicaSet bound to node.
func podOn(node, name string, labels map[string]string) *corev1.Pod {
	controller := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: "rs-web-1", Controller: &controller}}},
		Spec:   corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

// newKube is a fake cluster that serves the Eviction API: an eviction deletes the pod, unless
// refuse says a PodDisruptionBudget refuses it.
func newKube(t *testing.T, refuse func(namespace, name string) bool, objects ...runtime.Object) *fake.Clientset {
	t.Helper()
	podsResource := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	c := fake.NewClientset(objects...)
	// The fake ignores field selectors; drain lists a node's pods with spec.nodeName.
	c.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		fs := a.(k8stesting.ListAction).GetListRestrictions().Fields
		node, ok := fs.RequiresExactMatch("spec.nodeName")
		if !ok {
			return false, nil, nil
		}
		obj, err := c.Tracker().List(podsResource, corev1.SchemeGroupVersion.WithKind("Pod"), a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		list := obj.(*corev1.PodList)
		kept := list.Items[:0]
		for _, p := range list.Items {
			if p.Spec.NodeName == node {
				kept = append(kept, p)
			}
		}
		list.Items = kept
		return true, list, nil
	})
	c.Resources = []*metav1.APIResourceList{{GroupVersion: "v1", APIResources: []metav1.APIResource{
		{Name: "pods/eviction", Kind: "Eviction", Group: "policy", Version: "v1"},
	}}}
	c.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "eviction" {
			return false, nil, nil
		}
		ev, ok := a.(k8stesting.CreateAction).GetObject().(*policyv1.Eviction)
		if !ok {
			return true, nil, errors.New("not an eviction")
		}
		if refuse != nil && refuse(a.GetNamespace(), ev.Name) {
			err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0)
			err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
				Type: policyv1.DisruptionBudgetCause, Message: "The disruption budget web needs 2 healthy pods and has 2 currently"})
			return true, nil, err
		}
		return true, nil, c.Tracker().Delete(podsResource, a.GetNamespace(), ev.Name)
	})
	return c
}

// phasesOf lists the phases node went through, from its events.
func phasesOf(events []Event, node string) []Phase {
	var out []Phase
	for _, ev := range events {
		if ev.Type == EventNodePhase && ev.Node == node {
			out = append(out, ev.Phase)
		}
	}
	return out
}

// ofType returns the events of type t.
func ofType(events []Event, t EventType) []Event {
	var out []Event
	for _, ev := range events {
		if ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

// cordonedNodes names the nodes that are unschedulable.
func cordonedNodes(t *testing.T, kube *fake.Clientset) []string {
	t.Helper()
	nodes, err := kube.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable {
			out = append(out, n.Name)
		}
	}
	return out
}

// callsMatching keeps the calls that start with prefix.
func callsMatching(calls []string, prefix string) []string {
	var out []string
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}
