package exec

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// The lock is a coordination.k8s.io/v1 Lease. Its holder renews it every third of its duration
// and deletes it on exit. A run killed without deleting it leaves a lease whose renewTime stops
// moving; once renewTime plus the lease duration has passed, the next run takes it over (an
// update conditioned on the resourceVersion it read, so two runs racing for it cannot both
// win).
const (
	// LockNamespace and LockName name the Lease.
	LockNamespace = "kube-system"
	LockName      = "kubectl-rotate"

	annotationLockContext = "rotate.kubectl.io/context"
)

// LockHeldError says that another run holds the cluster's lock.
type LockHeldError struct {
	// Holder is the other run's identity, e.g. "alice@laptop (pid 4242)".
	Holder string
	// Since is when it took the lock; Renewed when it last renewed it.
	Since   time.Time
	Renewed time.Time
	// Expires is when the lock is free to take if it is not renewed again.
	Expires time.Time
}

// Error names the holder and since when, in one sentence.
func (e *LockHeldError) Error() string {
	return fmt.Sprintf("another kubectl rotate holds this cluster's lock (Lease %s/%s): %s since %s, last renewed %s; wait for it to finish, or if it was killed, run again after %s when its lock expires",
		LockNamespace, LockName, e.Holder, stamp(e.Since), stamp(e.Renewed), stamp(e.Expires))
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// lease is a held lock.
type lease struct {
	client   kubernetes.Interface
	clock    clock.WithTicker
	duration time.Duration

	mu      sync.Mutex
	current *coordinationv1.Lease
	// lost is closed when the lock could not be renewed in time or was taken.
	lost     chan struct{}
	lostOnce sync.Once
	lostErr  error
}

// acquireLease takes the lock for identity, or fails with *LockHeldError.
func acquireLease(ctx context.Context, client kubernetes.Interface, c clock.WithTicker, d time.Duration, identity, runID, kubeContext string) (*lease, error) {
	leases := client.CoordinationV1().Leases(LockNamespace)
	now := metav1.NewMicroTime(c.Now())
	want := coordinationv1.LeaseSpec{
		HolderIdentity:       ptr.To(identity),
		LeaseDurationSeconds: ptr.To(int32(max(1, d/time.Second))),
		AcquireTime:          &now,
		RenewTime:            &now,
	}
	annotations := map[string]string{annotationRun: runID, annotationLockContext: kubeContext}
	l := &lease{client: client, clock: c, duration: d, lost: make(chan struct{})}
	created, err := leases.Create(ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: LockName, Namespace: LockNamespace, Annotations: annotations},
		Spec:       want,
	}, metav1.CreateOptions{})
	if err == nil {
		l.current = created
		return l, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("take the lock (Lease %s/%s): %w", LockNamespace, LockName, err)
	}
	existing, err := leases.Get(ctx, LockName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the lock (Lease %s/%s): %w", LockNamespace, LockName, err)
	}
	if held := heldBy(existing, c.Now()); held != nil {
		return nil, held
	}
	existing = existing.DeepCopy()
	existing.Spec = want
	existing.Annotations = annotations
	updated, err := leases.Update(ctx, existing, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		if fresh, gerr := leases.Get(ctx, LockName, metav1.GetOptions{}); gerr == nil {
			if held := heldBy(fresh, c.Now()); held != nil {
				return nil, held
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("take over the expired lock (Lease %s/%s): %w", LockNamespace, LockName, err)
	}
	l.current = updated
	return l, nil
}

// heldBy returns the error naming the holder of a lease that has not expired at now, or nil.
func heldBy(l *coordinationv1.Lease, now time.Time) *LockHeldError {
	holder := ptr.Deref(l.Spec.HolderIdentity, "")
	if holder == "" || l.Spec.RenewTime == nil {
		return nil
	}
	duration := time.Duration(ptr.Deref(l.Spec.LeaseDurationSeconds, 0)) * time.Second
	expires := l.Spec.RenewTime.Add(duration)
	if !now.Before(expires) {
		return nil
	}
	held := &LockHeldError{Holder: holder, Renewed: l.Spec.RenewTime.Time, Expires: expires}
	if l.Spec.AcquireTime != nil {
		held.Since = l.Spec.AcquireTime.Time
	}
	return held
}

// keep renews the lease every third of its duration until ctx ends. When renewal fails for
// longer than the duration, or another run took the lease, it closes lost.
func (l *lease) keep(ctx context.Context) {
	t := l.clock.NewTicker(l.duration / 3)
	defer t.Stop()
	lastRenewed := l.clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		err := l.renew(ctx)
		switch {
		case err == nil:
			lastRenewed = l.clock.Now()
		case ctx.Err() != nil:
			return
		case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
			l.lose(fmt.Errorf("the lock (Lease %s/%s) was taken by another run: %w", LockNamespace, LockName, err))
			return
		case l.clock.Since(lastRenewed) >= l.duration:
			l.lose(fmt.Errorf("the lock (Lease %s/%s) could not be renewed for %s: %w", LockNamespace, LockName, l.duration, err))
			return
		}
	}
}

func (l *lease) lose(err error) {
	l.lostOnce.Do(func() {
		l.lostErr = err
		close(l.lost)
	})
}

// lostError is why the lock was lost, nil while it is held.
func (l *lease) lostError() error {
	select {
	case <-l.lost:
		return l.lostErr
	default:
		return nil
	}
}

// renew moves renewTime to now, conditioned on the lease being the one last written.
func (l *lease) renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := l.current.DeepCopy()
	now := metav1.NewMicroTime(l.clock.Now())
	next.Spec.RenewTime = &now
	updated, err := l.client.CoordinationV1().Leases(LockNamespace).Update(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	l.current = updated
	return nil
}

// release deletes the lease if it is still the one this run wrote.
func (l *lease) release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	uid, rv := l.current.UID, l.current.ResourceVersion
	err := l.client.CoordinationV1().Leases(LockNamespace).Delete(ctx, LockName, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("release the lock (Lease %s/%s): %w", LockNamespace, LockName, err)
}

// LockLostError is Run's error when the run lost its lock mid-way (it could not renew it, or
// another run took it over) and therefore aborted.
type LockLostError struct{ Err error }

// Error says why.
func (e *LockLostError) Error() string { return "aborted: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *LockLostError) Unwrap() error { return e.Err }
