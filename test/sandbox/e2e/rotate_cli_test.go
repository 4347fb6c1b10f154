package e2e

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestRotateSmallWithYes rotates the whole small scenario through the real binary, as a
// pipeline would, and checks that nothing was lost on the way.
func TestRotateSmallWithYes(t *testing.T) {
	e := freshSandbox(t, "small", nil)
	w := watchSafety(t, e)
	report := filepath.Join(t.TempDir(), "report.md")
	begin := time.Now()
	r := e.kubectl(t, "rotate", "--yes", "--delete-emptydir-data", "--report", report)
	t.Logf("rotation took %s", time.Since(begin).Round(time.Second))
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	checkNoPodLost(t, e, w)
	checkConverged(t, e)
	data, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(data), "12 rotated, 0 skipped, 0 failed") {
		t.Errorf("report %s: %v\n%s", report, err, data)
	}
	if !strings.Contains(r.out, "rotation finished: 12 rotated") {
		t.Errorf("plain output lacks the summary line:\n%s", r.out)
	}
}

// TestRotateKilledAtRandomMomentsConverges kills the rotation with SIGKILL at ten random
// moments, runs it again each time, and checks the last run converges with nothing lost.
func TestRotateKilledAtRandomMomentsConverges(t *testing.T) {
	e := freshSandbox(t, "small", nil)
	w := watchSafety(t, e)
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments drawn with seed %d", seed)
	moments := rand.New(rand.NewPCG(seed, 11))
	for i := 0; i < 10; i++ {
		e.waitForLockFree(t)
		after := time.Duration(500+moments.IntN(9000)) * time.Millisecond
		killed, out := e.rotateKilledAfter(t, after)
		t.Logf("run %d killed after %s (%v); its last lines:\n%s", i+1, after, killed, lastLines(out, 3))
	}
	e.waitForLockFree(t)
	r := e.kubectl(t, "rotate", "--yes", "--delete-emptydir-data", "--lock-ttl", lockTTL.String())
	if r.code != 0 {
		t.Fatalf("final run: exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	checkNoPodLost(t, e, w)
	checkConverged(t, e)
}

// lockTTL keeps the lock of a killed run short, so that the next run can take it over soon.
const lockTTL = 4 * time.Second

// waitForLockFree waits until no run holds the cluster's lock: the Lease is gone or has not
// been renewed for its duration, as happens after a kill.
func (e *env) waitForLockFree(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	waitFor(ctx, t, "the cluster lock to be free", func() bool {
		lease, err := e.stack.Client.CoordinationV1().Leases("kube-system").Get(ctx, "kubectl-rotate", metav1.GetOptions{})
		if err != nil {
			return apierrors.IsNotFound(err)
		}
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" || lease.Spec.RenewTime == nil || lease.Spec.LeaseDurationSeconds == nil {
			return true
		}
		expiry := lease.Spec.RenewTime.Add(time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second)
		return time.Now().After(expiry.Add(500 * time.Millisecond))
	})
}

// rotateKilledAfter starts "kubectl rotate --yes" and kills the plugin process with SIGKILL
// after d, or lets it finish if it is faster. It reports whether it killed it.
func (e *env) rotateKilledAfter(t *testing.T, d time.Duration) (bool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// The plugin itself, not kubectl, so that the kill hits the process doing the work.
	cmd := exec.CommandContext(ctx, e.plugin, "--yes", "--delete-emptydir-data", "--lock-ttl", lockTTL.String())
	cmd.Env = append(cleanEnviron(), e.stack.Environ()...)
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
		return false, out.String()
	case <-time.After(d):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		return true, out.String()
	}
}

// checkConverged checks the end state of a complete rotation: every node on the new image,
// every group at its original sizes with no leftover bookkeeping, nothing cordoned, every
// workload fully available.
func checkConverged(t *testing.T, e *env) {
	t.Helper()
	ctx := t.Context()
	sc := e.stack.Scenario
	nodes, err := e.stack.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != sc.Nodes() {
		t.Errorf("%d nodes, want %d", len(nodes.Items), sc.Nodes())
	}
	for _, n := range nodes.Items {
		id := n.Spec.ProviderID[strings.LastIndex(n.Spec.ProviderID, "/")+1:]
		inst, ok := e.stack.Cloud.Instance(id)
		if !ok || inst.ImageID != sc.Images.New.ID {
			t.Errorf("node %s runs %s, want the new image %s", n.Name, inst.ImageID, sc.Images.New.ID)
		}
		if n.Spec.Unschedulable {
			t.Errorf("node %s is still cordoned", n.Name)
		}
		for k := range n.Annotations {
			if strings.HasPrefix(k, "rotate.kubectl.io/") {
				t.Errorf("node %s keeps annotation %s", n.Name, k)
			}
		}
	}
	for _, g := range sc.Groups {
		asg, ok := e.stack.Cloud.AutoScalingGroup(sc.AutoScalingGroupName(g))
		if !ok {
			t.Fatalf("group %s is gone", g.Name)
		}
		if asg.MinSize != g.Size || asg.DesiredCapacity != g.Size || asg.MaxSize != g.MaxSize {
			t.Errorf("group %s sizes min/desired/max %d/%d/%d, want %d/%d/%d", g.Name, asg.MinSize, asg.DesiredCapacity, asg.MaxSize, g.Size, g.Size, g.MaxSize)
		}
		for k := range asg.Tags {
			if strings.HasPrefix(k, "rotate.kubectl.io/") {
				t.Errorf("group %s keeps tag %s", g.Name, k)
			}
		}
	}
	// The last evicted pods may still be starting when the run ends.
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var short []string
	waitFor(wait, t, "every Deployment to be fully available", func() bool {
		deployments, err := e.stack.Client.AppsV1().Deployments(metav1.NamespaceAll).List(wait, metav1.ListOptions{})
		if err != nil {
			return false
		}
		short = short[:0]
		for _, d := range deployments.Items {
			if d.Status.AvailableReplicas != ptr.Deref(d.Spec.Replicas, 1) {
				short = append(short, d.Namespace+"/"+d.Name)
			}
		}
		return len(short) == 0
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
