package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/discover"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
)

// engineUserAgent is the user agent of the engine's Kubernetes client; the audit checks
// attribute direct pod deletions to it.
const engineUserAgent = "kubectl-rotate-engine-e2e"

// engineEnv runs the rotation engine in process against a sandbox, with the clients
// kubectl rotate would build.
type engineEnv struct {
	*env
	kube  kubernetes.Interface
	cloud *awscloud.Clients
}

func newEngineEnv(t testing.TB, e *env) *engineEnv {
	t.Helper()
	rc := e.stack.Cluster.RESTConfig()
	rc.UserAgent = engineUserAgent
	rc.QPS, rc.Burst = 50, 100
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	return &engineEnv{env: e, kube: client, cloud: awscloud.NewClients(e.stack.Server.AWSConfig())}
}

// plan discovers the sandbox and cuts the plan, as kubectl rotate plan does.
func (e *engineEnv) plan(t testing.TB, sel plan.Selection, pol plan.Policy) *plan.Plan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := discover.Discoverer{Cluster: kube.Reader{Client: e.kube}, Cloud: e.cloud}
	facts, err := d.Discover(ctx, discover.Options{ClusterName: e.stack.Scenario.Cluster, Now: time.Now()})
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	p, err := plan.Build(*facts, plan.Target{}, sel, pol)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// engineRun is what one run of the engine produced.
type engineRun struct {
	report *exec.Report
	err    error
	events []exec.Event
	wall   time.Duration
}

// run executes p with opts; react sees every event as it arrives and may send controls or
// cancel the run.
func (e *engineEnv) run(t testing.TB, identity string, p *plan.Plan, opts exec.Options, react func(exec.Event, chan<- exec.Control, context.CancelFunc)) engineRun {
	t.Helper()
	eng, err := exec.New(exec.Config{Plan: p, Options: opts, Kube: e.kube, Cloud: e.cloud, Identity: identity, Context: "sandbox"})
	if err != nil {
		t.Errorf("exec.New: %v", err)
		return engineRun{err: err}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	controls := make(chan exec.Control, 16)
	done := make(chan []exec.Event, 1)
	go func() {
		var all []exec.Event
		for ev := range eng.Events() {
			all = append(all, ev)
			if react != nil {
				react(ev, controls, cancel)
			}
		}
		done <- all
	}()
	begin := time.Now()
	report, err := eng.Run(ctx, controls)
	return engineRun{report: report, err: err, events: <-done, wall: time.Since(begin)}
}

// defaultOptions are the execution policies of the tests: the command's defaults with
// shorter retries.
func defaultOptions() exec.Options {
	return exec.Options{
		DrainTimeout: 3 * time.Minute, OnDrainTimeout: exec.OnDrainTimeoutFail, NodeReadyTimeout: 2 * time.Minute,
		GracePeriod: -1, DeleteEmptyDirData: true, EvictionRetryDelay: time.Second, NodeDeleteGrace: 30 * time.Second,
		PendingPodsTimeout: time.Minute, LockDuration: 15 * time.Second,
	}
}

// checkGroupsRestored fails the test unless every group of the scenario has its original
// sizes (and, for EKS, its node group too) and carries no rotation tag.
func checkGroupsRestored(t *testing.T, e *engineEnv) {
	t.Helper()
	sc := e.stack.Scenario
	for _, g := range sc.Groups {
		name := sc.AutoScalingGroupName(g)
		asg, ok := e.stack.Cloud.AutoScalingGroup(name)
		if !ok {
			t.Errorf("group %s is gone", name)
			continue
		}
		if asg.MinSize != g.Size || asg.DesiredCapacity != g.Size || asg.MaxSize != g.MaxSize {
			t.Errorf("group %s sizes %d/%d/%d, want the original %d/%d/%d", g.Name, asg.MinSize, asg.DesiredCapacity, asg.MaxSize, g.Size, g.Size, g.MaxSize)
		}
		for _, k := range []string{exec.TagOriginalSizes, exec.TagRun} {
			if _, ok := asg.Tags[k]; ok {
				t.Errorf("group %s still carries tag %s", g.Name, k)
			}
		}
		if g.Kind == scenario.KindEKSManaged {
			ng, _ := e.stack.Cloud.Nodegroup(sc.Cluster, g.Name)
			if ng.MinSize != g.Size || ng.DesiredSize != g.Size || ng.MaxSize != g.MaxSize {
				t.Errorf("node group %s sizes %d/%d/%d, want %d/%d/%d", g.Name, ng.MinSize, ng.DesiredSize, ng.MaxSize, g.Size, g.Size, g.MaxSize)
			}
		}
	}
}

// checkNothingCordoned fails the test if a node is unschedulable or marked as cordoned by the
// rotation, or the lock is still held.
func checkNothingCordoned(t *testing.T, e *engineEnv) {
	t.Helper()
	ctx := context.Background()
	nodes, err := e.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable || n.Annotations[exec.AnnotationCordoned] != "" {
			t.Errorf("node %s left cordoned (unschedulable %t, annotations %v)", n.Name, n.Spec.Unschedulable, n.Annotations)
		}
	}
	if _, err := e.kube.CoordinationV1().Leases(exec.LockNamespace).Get(ctx, exec.LockName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("lock still present (err %v)", err)
	}
}

// nodeImages maps each node to the image of its instance.
func nodeImages(t testing.TB, e *engineEnv) map[string]string {
	t.Helper()
	images := map[string]string{}
	for _, inst := range e.stack.Cloud.Instances() {
		images[inst.ID] = inst.ImageID
	}
	nodes, err := e.kube.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range nodes.Items {
		id := n.Spec.ProviderID[strings.LastIndex(n.Spec.ProviderID, "/")+1:]
		out[n.Name] = images[id]
	}
	return out
}

// waitWorkloadsAvailable waits until every Deployment and StatefulSet is fully available.
func waitWorkloadsAvailable(t *testing.T, e *engineEnv) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitFor(ctx, t, "every Deployment and StatefulSet to be available", func() bool {
		deps, err := e.kube.AppsV1().Deployments(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, d := range deps.Items {
			if d.Status.AvailableReplicas != ptr.Deref(d.Spec.Replicas, 1) || d.Status.UpdatedReplicas != ptr.Deref(d.Spec.Replicas, 1) {
				return false
			}
		}
		sets, err := e.kube.AppsV1().StatefulSets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, s := range sets.Items {
			if s.Status.ReadyReplicas != ptr.Deref(s.Spec.Replicas, 1) {
				return false
			}
		}
		return true
	})
}

// eventsOf keeps the events of type typ, and of node when it is not empty.
func eventsOf(events []exec.Event, typ exec.EventType, node string) []exec.Event {
	var out []exec.Event
	for _, ev := range events {
		if ev.Type == typ && (node == "" || ev.Node == node) {
			out = append(out, ev)
		}
	}
	return out
}

// logEvents writes the events to the test log, for failures.
func logEvents(t *testing.T, events []exec.Event) {
	t.Helper()
	var b strings.Builder
	for _, ev := range events {
		fmt.Fprintf(&b, "%s %-16s b%-3d %-16s %-24s %s %s\n", ev.Time.Format("15:04:05.000"), ev.Type, ev.Batch, ev.Group, ev.Node, ev.Phase, ev.Message)
	}
	t.Log("events:\n" + b.String())
}

// nodeOfPod names the node running the first pod with the label selector.
func nodeOfPod(t *testing.T, e *engineEnv, namespace, selector string) string {
	t.Helper()
	pods, err := e.kube.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("pods %s in %s: %v (%d)", selector, namespace, err, len(pods.Items))
	}
	i := slices.IndexFunc(pods.Items, func(p corev1.Pod) bool { return p.Spec.NodeName != "" })
	if i < 0 {
		t.Fatalf("no pod %s is scheduled", selector)
	}
	return pods.Items[i].Spec.NodeName
}
