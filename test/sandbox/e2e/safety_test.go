package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// safetyWatcher watches PodDisruptionBudgets and pods while a rotation runs and records
// every moment a budget had fewer healthy pods than it requires, and every pod that went
// away.
type safetyWatcher struct {
	mu         sync.Mutex
	violations []string
	deleted    map[string]bool // namespace/name of non-DaemonSet pods that were deleted
	cancel     context.CancelFunc
	done       sync.WaitGroup
}

// watchSafety starts watching e's cluster until stop is called.
func watchSafety(t *testing.T, e *env) *safetyWatcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &safetyWatcher{deleted: map[string]bool{}, cancel: cancel}
	pdbs, err := e.stack.Client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := e.stack.Client.CoreV1().Pods(metav1.NamespaceAll).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.done.Add(2)
	go w.follow(pdbs, w.checkPDB)
	go w.follow(pods, w.checkPod)
	return w
}

func (w *safetyWatcher) follow(events watch.Interface, check func(watch.Event)) {
	defer w.done.Done()
	defer events.Stop()
	for ev := range events.ResultChan() {
		check(ev)
	}
}

func (w *safetyWatcher) checkPDB(ev watch.Event) {
	pdb, ok := ev.Object.(*policyv1.PodDisruptionBudget)
	if !ok || ev.Type == watch.Deleted {
		return
	}
	st := pdb.Status
	// A budget whose controller has not observed its spec yet says nothing.
	if st.ObservedGeneration < pdb.Generation || st.ExpectedPods == 0 {
		return
	}
	if st.CurrentHealthy < st.DesiredHealthy {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.violations = append(w.violations, fmt.Sprintf("PDB %s/%s had %d healthy pods, below its minimum %d", pdb.Namespace, pdb.Name, st.CurrentHealthy, st.DesiredHealthy))
	}
}

func (w *safetyWatcher) checkPod(ev watch.Event) {
	pod, ok := ev.Object.(*corev1.Pod)
	if !ok || ev.Type != watch.Deleted {
		return
	}
	if owner := metav1.GetControllerOf(pod); owner != nil && owner.Kind == "DaemonSet" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deleted[pod.Namespace+"/"+pod.Name] = true
}

// stop ends the watch and returns the budget violations and the deleted pods.
func (w *safetyWatcher) stop() (violations []string, deleted map[string]bool) {
	w.cancel()
	w.done.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.violations, w.deleted
}

// auditRecord is the part of an API server audit event the checks read.
type auditRecord struct {
	Verb      string `json:"verb"`
	UserAgent string `json:"userAgent"`
	Stage     string `json:"stage"`
	User      struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef struct {
		APIGroup    string `json:"apiGroup"`
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// podAudit reads the API server's audit log: the pods evicted successfully, and the pods
// kubectl-rotate deleted directly.
func podAudit(t *testing.T, e *env) (evicted, deletedByTool map[string]bool) {
	t.Helper()
	f, err := os.Open(e.stack.Cluster.AuditLog())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evicted, deletedByTool = map[string]bool{}, map[string]bool{}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var r auditRecord
		if err := json.Unmarshal(scanner.Bytes(), &r); err != nil || r.Stage != "ResponseComplete" || r.ObjectRef.Resource != "pods" {
			continue
		}
		key := r.ObjectRef.Namespace + "/" + r.ObjectRef.Name
		switch {
		case r.Verb == "create" && r.ObjectRef.Subresource == "eviction" && r.ResponseStatus.Code < 300:
			evicted[key] = true
		case r.Verb == "delete" && r.ObjectRef.Subresource == "" && strings.HasPrefix(r.UserAgent, "kubectl-rotate"):
			deletedByTool[key] = true
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return evicted, deletedByTool
}

// checkNoPodLost fails the test if a budget went below its minimum, kubectl-rotate deleted
// a pod instead of evicting it, a pod went away without an eviction, or nothing was evicted.
func checkNoPodLost(t *testing.T, e *env, w *safetyWatcher) {
	t.Helper()
	if evicted := checkNoPodLostAnyEvictions(t, e, w); len(evicted) == 0 {
		t.Error("the audit log records no eviction at all")
	}
}

// checkNoPodLostAnyEvictions is checkNoPodLost for a run that may have evicted nothing. It
// returns the pods evicted.
func checkNoPodLostAnyEvictions(t *testing.T, e *env, w *safetyWatcher) map[string]bool {
	t.Helper()
	violations, deleted := w.stop()
	for _, v := range violations {
		t.Error(v)
	}
	evicted, byTool := podAudit(t, e)
	for pod := range byTool {
		t.Errorf("kubectl-rotate deleted pod %s instead of evicting it", pod)
	}
	for pod := range deleted {
		if !evicted[pod] {
			t.Errorf("pod %s was deleted without an eviction", pod)
		}
	}
	return evicted
}
