package cluster

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// pollInterval is how often start-up conditions are checked.
const pollInterval = 200 * time.Millisecond

// poll calls check until it reports done, the process it depends on exits,
// or ctx ends. The last check error explains a timeout.
func poll(ctx context.Context, what string, p *process, check func(context.Context) (bool, error)) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var last error
	for {
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := check(callCtx)
		cancel()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-p.exited:
			return fmt.Errorf("waiting for %s: %w", what, p.exitError())
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (last error: %v; see %s): %w", what, last, p.logPath, ctx.Err())
		case <-ticker.C:
		}
	}
}

// waitAPIServerReady waits until /readyz answers ok.
func waitAPIServerReady(ctx context.Context, client kubernetes.Interface, p *process) error {
	return poll(ctx, "kube-apiserver /readyz", p, func(ctx context.Context) (bool, error) {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return false, err
		}
		return string(body) == "ok", nil
	})
}

// waitDefaultServiceAccount waits until the controller manager's service
// account controller has created default/default: the controllers are
// running and can write to the API.
func waitDefaultServiceAccount(ctx context.Context, client kubernetes.Interface, p *process) error {
	return poll(ctx, "the default service account", p, func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}
