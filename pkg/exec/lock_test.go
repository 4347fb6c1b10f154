package exec

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// heldLease is a lease held by bob, acquired at since and renewed at renewed.
func heldLease(since, renewed time.Time) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: LockName, Namespace: LockNamespace},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To("bob@ci (pid 7)"),
			LeaseDurationSeconds: ptr.To(int32(30)),
			AcquireTime:          &metav1.MicroTime{Time: since},
			RenewTime:            &metav1.MicroTime{Time: renewed},
		},
	}
}

func TestLock(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		// lease is what the cluster holds before the run; nil for none.
		lease *coordinationv1.Lease
		// wantHeld is set when the run must refuse.
		wantHeld bool
	}{
		{name: "free lock is taken and released"},
		{name: "lock renewed by a live run refuses", lease: heldLease(now.Add(-time.Hour), now.Add(-2*time.Second)), wantHeld: true},
		{name: "lock of a killed run is taken over once expired", lease: heldLease(now.Add(-time.Hour), now.Add(-time.Minute))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
			c := newCluster(t, "general", sizes, 1, nil)
			if tt.lease != nil {
				if _, err := c.kube.CoordinationV1().Leases(LockNamespace).Create(context.Background(), tt.lease, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
			res := runEngine(t, c, p, fastOptions(), nil)
			var held *LockHeldError
			if !tt.wantHeld {
				if res.err != nil {
					t.Fatalf("Run() error = %v", res.err)
				}
				assertConverged(t, c, sizes)
				return
			}
			if !errors.As(res.err, &held) {
				t.Fatalf("Run() error = %v, want *LockHeldError", res.err)
			}
			if held.Holder != "bob@ci (pid 7)" || !held.Since.Equal(tt.lease.Spec.AcquireTime.Time) {
				t.Errorf("LockHeldError = %+v, want bob since %s", held, tt.lease.Spec.AcquireTime.Time)
			}
			msg := held.Error()
			if !strings.Contains(msg, "bob@ci (pid 7)") || !strings.Contains(msg, stamp(held.Since)) || strings.Count(msg, ".") > 2 {
				t.Errorf("Error() = %q, want one sentence naming holder and since", msg)
			}
			if calls := c.cloud.recorded(); len(calls) != 0 {
				t.Errorf("a refused run changed the cloud: %q", calls)
			}
			if l, err := c.kube.CoordinationV1().Leases(LockNamespace).Get(context.Background(), LockName, metav1.GetOptions{}); err != nil || *l.Spec.HolderIdentity != "bob@ci (pid 7)" {
				t.Errorf("lease after the refused run: %v %v, want bob's untouched", l, err)
			}
		})
	}
}

func TestLockRenewedWhileRunning(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
	c := newCluster(t, "general", sizes, 1, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
	opts := fastOptions()
	opts.LockDuration = 300 * time.Millisecond
	var renewed time.Time
	c.cloud.beforeSizes = func() {
		// Hold the run inside its first step until the lease has been renewed.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			l, err := c.kube.CoordinationV1().Leases(LockNamespace).Get(context.Background(), LockName, metav1.GetOptions{})
			if err == nil && l.Spec.RenewTime.After(l.Spec.AcquireTime.Time) {
				renewed = l.Spec.RenewTime.Time
				break
			}
			time.Sleep(20 * time.Millisecond) // a short poll interval within the deadline above
		}
	}
	res := runEngine(t, c, p, opts, nil)
	if res.err != nil {
		t.Fatalf("Run() error = %v", res.err)
	}
	if renewed.IsZero() {
		t.Errorf("the lease was not renewed while the run held it")
	}
	assertConverged(t, c, sizes)
}

func TestLockLostAbortsTheRun(t *testing.T) {
	sizes := awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2}
	c := newCluster(t, "general", sizes, 1, nil)
	p := testPlan(groupSpec{name: "general", asg: "general", kind: plan.KindASG, nodes: 1, batch: 1, surge: 1})
	opts := fastOptions()
	opts.LockDuration = 300 * time.Millisecond
	aborting := make(chan struct{})
	first := true
	c.cloud.beforeSizes = func() {
		if !first {
			return
		}
		first = false
		// Another party removes the lock while the run is inside its first step.
		if err := c.kube.CoordinationV1().Leases(LockNamespace).Delete(context.Background(), LockName, metav1.DeleteOptions{}); err != nil {
			t.Error(err)
		}
		select {
		case <-aborting:
		case <-time.After(10 * time.Second):
			t.Error("the run did not abort after losing its lock")
		}
	}
	res := runEngine(t, c, p, opts, func(ev Event, _ chan<- Control, _ context.CancelFunc) {
		if ev.Type == EventAborting {
			close(aborting)
		}
	})
	var lost *LockLostError
	if !errors.As(res.err, &lost) || res.report == nil || !res.report.Summary.Aborted {
		t.Fatalf("Run() = %v, report %+v; want a LockLostError and an aborted summary", res.err, res.report)
	}
	assertConverged(t, c, sizes)
}
