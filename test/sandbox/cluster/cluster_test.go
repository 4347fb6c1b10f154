package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/binaries"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/cluster"
)

// TestClusterEvictionAndDrainUnderPDB starts a cluster with three nodes,
// runs a Deployment of three replicas under a PodDisruptionBudget of
// minAvailable 2, evicts a pod through the Eviction API, drains a node with
// kubectl, and checks that Stop leaves no process behind.
//
// The first run builds the binaries into <repo>/.sandbox/bin, which takes
// several minutes: give go test a longer -timeout (30m) then.
func TestClusterEvictionAndDrainUnderPDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 25*time.Minute)
	defer cancel()

	built, err := binaries.Ensure(ctx, binaries.Options{Progress: testLog{t}, Interval: time.Minute})
	if err != nil {
		t.Fatalf("build binaries: %v", err)
	}

	dir := t.TempDir()
	startCtx, startCancel := context.WithTimeout(ctx, 2*time.Minute)
	begin := time.Now()
	c, err := cluster.Start(startCtx, cluster.Options{Dir: dir, BinDir: built.BinDir, Progress: testLog{t}})
	startCancel()
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Logf("cluster %s ready in %s", c.Version(), time.Since(begin).Round(10*time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()

	ctx, cancel = context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	client, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := c.AddNodes(ctx, cluster.DemoNodes(3)...)
	if err != nil {
		t.Fatalf("add nodes: %v", err)
	}
	for _, n := range nodes {
		if !strings.HasPrefix(n.Spec.ProviderID, "aws:///us-east-1") || n.Spec.PodCIDR == "" {
			t.Errorf("node %s: providerID %q, podCIDR %q", n.Name, n.Spec.ProviderID, n.Spec.PodCIDR)
		}
	}
	t.Logf("%d nodes Ready %s after start", len(nodes), time.Since(begin).Round(10*time.Millisecond))

	const ns = metav1.NamespaceDefault
	const grace = 3
	createWorkload(ctx, t, client, ns, "web", 3, 2, grace)
	createWorkload(ctx, t, client, ns, "solo", 1, 1, grace)
	waitFor(ctx, t, "web and solo available", func() (bool, error) {
		return available(ctx, client, ns, "web", 3, 1) && available(ctx, client, ns, "solo", 1, 0), nil
	})

	// A PDB that allows no disruption blocks the eviction.
	solo := podsOf(ctx, t, client, ns, "solo")[0]
	if err := evict(ctx, client, solo); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("evicting %s under a PDB allowing no disruption: got %v, want 429 Too Many Requests", solo.Name, err)
	}
	deleteWorkload(ctx, t, client, ns, "solo")

	// Watch the number of ready web pods through the evictions below.
	var minReady atomic.Int64
	minReady.Store(3)
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watching sync.WaitGroup
	watching.Go(func() { trackMinReady(watchCtx, client, ns, "web", &minReady) })

	// Evict one pod from a cordoned node: it terminates after its grace
	// period, and its replacement runs Ready on another node.
	victim := podsOf(ctx, t, client, ns, "web")[0]
	cordon(ctx, t, client, victim.Spec.NodeName)
	evicted := time.Now()
	if err := evict(ctx, client, victim); err != nil {
		t.Fatalf("evict %s: %v", victim.Name, err)
	}
	waitFor(ctx, t, "a replacement Ready on another node", func() (bool, error) {
		ready := 0
		for _, p := range podsOf(ctx, t, client, ns, "web") {
			if p.UID != victim.UID && p.Spec.NodeName != victim.Spec.NodeName && podReady(&p) {
				ready++
			}
		}
		return ready == 3, nil
	})
	waitFor(ctx, t, "the evicted pod gone", func() (bool, error) {
		_, err := client.CoreV1().Pods(ns).Get(ctx, victim.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if took := time.Since(evicted); took < (grace-1)*time.Second {
		t.Errorf("evicted pod was gone after %s, before its %ds grace period", took, grace)
	}

	// kubectl drain evicts through the same API, under the PDB.
	var target string
	for _, p := range podsOf(ctx, t, client, ns, "web") {
		if p.Spec.NodeName != victim.Spec.NodeName {
			target = p.Spec.NodeName
			break
		}
	}
	kubectl := exec.CommandContext(ctx, filepath.Join(built.BinDir, binaries.Kubectl), "--kubeconfig", c.Kubeconfig(),
		"drain", target, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=3m")
	out, err := kubectl.CombinedOutput()
	t.Logf("kubectl drain %s:\n%s", target, out)
	if err != nil {
		t.Fatalf("kubectl drain: %v", err)
	}
	waitFor(ctx, t, "web available again", func() (bool, error) {
		return available(ctx, client, ns, "web", 3, 1), nil
	})
	for _, p := range podsOf(ctx, t, client, ns, "web") {
		if p.DeletionTimestamp == nil && (p.Spec.NodeName == target || p.Spec.NodeName == victim.Spec.NodeName) {
			t.Errorf("pod %s still on drained node %s", p.Name, p.Spec.NodeName)
		}
	}
	stopWatch()
	watching.Wait()
	if m := minReady.Load(); m < 2 {
		t.Errorf("ready web pods fell to %d during the evictions; the PDB asks for 2", m)
	}

	checkRotatorIdentity(ctx, t, c)

	stopBegin := time.Now()
	if err := c.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	stopped = true
	t.Logf("stopped in %s", time.Since(stopBegin).Round(10*time.Millisecond))
	if err := c.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if left := processesMentioning(t, dir); len(left) > 0 {
		t.Errorf("processes left after Stop: %v", left)
	}
	for _, path := range []string{c.Kubeconfig(), c.RotatorKubeconfig()} {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("kubeconfig %s left after Stop: %v", filepath.Base(path), err)
		}
	}
}

// checkRotatorIdentity checks that the rotator's kubeconfig authenticates as RotatorUser in
// RotatorGroup, and that the identity, bound to nothing, may not list nodes.
func checkRotatorIdentity(ctx context.Context, t *testing.T, c *cluster.Cluster) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.RotatorKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	rotator, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	review, err := rotator.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("who is the rotator: %v", err)
	}
	user := review.Status.UserInfo
	if user.Username != cluster.RotatorUser || !slices.Contains(user.Groups, cluster.RotatorGroup) || slices.Contains(user.Groups, "system:masters") {
		t.Errorf("rotator kubeconfig authenticates as %s in %v, want %s in %s and not in system:masters", user.Username, user.Groups, cluster.RotatorUser, cluster.RotatorGroup)
	}
	if _, err := rotator.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the rotator listed nodes with no role bound (err %v), want Forbidden", err)
	}
}

func createWorkload(ctx context.Context, t *testing.T, client kubernetes.Interface, ns, name string, replicas int32, minAvailable int, grace int64) {
	t.Helper()
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: &grace,
					Containers:                    []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew: 1, TopologyKey: corev1.LabelHostname,
						WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector:     &metav1.LabelSelector{MatchLabels: labels},
					}},
				},
			},
		},
	}
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment %s: %v", name, err)
	}
	minAvail := intstr.FromInt(minAvailable)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvail,
			Selector:     &metav1.LabelSelector{MatchLabels: labels},
		},
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create PDB %s: %v", name, err)
	}
}

func deleteWorkload(ctx context.Context, t *testing.T, client kubernetes.Interface, ns, name string) {
	t.Helper()
	if err := client.PolicyV1().PodDisruptionBudgets(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete PDB %s: %v", name, err)
	}
	if err := client.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete deployment %s: %v", name, err)
	}
}

// available reports whether the Deployment has the replicas available and
// its PDB, as seen by the disruption controller, allows the disruptions.
func available(ctx context.Context, client kubernetes.Interface, ns, name string, replicas, disruptions int32) bool {
	dep, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil || dep.Status.AvailableReplicas != replicas || dep.Status.UpdatedReplicas != replicas {
		return false
	}
	pdb, err := client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
	return err == nil && pdb.Status.ObservedGeneration == pdb.Generation &&
		pdb.Status.CurrentHealthy == replicas && pdb.Status.DisruptionsAllowed == disruptions
}

func podsOf(ctx context.Context, t *testing.T, client kubernetes.Interface, ns, app string) []corev1.Pod {
	t.Helper()
	list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatalf("list pods of %s: %v", app, err)
	}
	return list.Items
}

func podReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func evict(ctx context.Context, client kubernetes.Interface, p corev1.Pod) error {
	return client.PolicyV1().Evictions(p.Namespace).Evict(ctx, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
	})
}

func cordon(ctx context.Context, t *testing.T, client kubernetes.Interface, node string) {
	t.Helper()
	patch := []byte(`{"spec":{"unschedulable":true}}`)
	if _, err := client.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("cordon %s: %v", node, err)
	}
}

// trackMinReady records the lowest number of ready web pods seen, polling
// every 50ms until ctx ends.
func trackMinReady(ctx context.Context, client kubernetes.Interface, ns, app string, minReady *atomic.Int64) {
	for ctx.Err() == nil {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err == nil {
			ready := int64(0)
			for i := range list.Items {
				if podReady(&list.Items[i]) {
					ready++
				}
			}
			if ready < minReady.Load() {
				minReady.Store(ready)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	begin := time.Now()
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			t.Logf("%s after %s", what, time.Since(begin).Round(10*time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// processesMentioning lists the live processes, other than this one, whose
// command line contains s (every child of the cluster names its state
// directory), or whose parent is this process.
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	self := strconv.Itoa(os.Getpid())
	var found []string
	for _, e := range entries {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		// stat: pid (comm) state ppid ...; comm may hold spaces, so split after ')'.
		var ppid string
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 2 && f[0] != "Z" {
				ppid = f[1]
			}
		}
		if bytes.Contains(cmdline, []byte(s)) || ppid == self {
			found = append(found, pid+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}

// testLog writes progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
