package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	policyv1client "k8s.io/client-go/kubernetes/typed/policy/v1"
	"k8s.io/kubectl/pkg/drain"
)

// drainResult is how a drain ended.
type drainResult struct {
	err      error
	timedOut bool
	// blocked describes the last eviction a PodDisruptionBudget refused, "" if none.
	blocked string
}

// drainTarget is what a drain reports progress for: a node of the plan, or (nil) a node
// drained to return surplus capacity.
type drainTarget struct {
	name  string
	batch int
	group string
	node  *nodeRun
}

// drainNode evicts the pods of a node through the Eviction API with kubectl's drain helper,
// within DrainTimeout, emitting progress and eviction-blocked events.
func (r *run) drainNode(ctx context.Context, t drainTarget) drainResult {
	tr := &evictionTracker{r: r, t: t, ctx: ctx, since: map[string]time.Time{}, pdbs: map[string]string{}, pods: map[string]*corev1.Pod{}}
	dctx := ctx
	if r.opts.DrainTimeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, r.opts.DrainTimeout)
		defer cancel()
	}
	h := r.drainHelper(dctx, t.name, tr)
	list, errs := h.GetPodsForDeletion(t.name)
	if len(errs) > 0 {
		return drainResult{err: fmt.Errorf("cannot drain node %s: %w", t.name, errors.Join(errs...))}
	}
	pods := list.Pods()
	tr.mu.Lock()
	tr.total = len(pods)
	for i := range pods {
		tr.pods[pods[i].Namespace+"/"+pods[i].Name] = &pods[i]
	}
	tr.mu.Unlock()
	r.emit(Event{Type: EventDrainProgress, Batch: t.batch, Group: t.group, Node: t.name, Evicted: 0, Total: len(pods)})
	err := h.DeleteOrEvictPods(pods)
	res := drainResult{err: err, blocked: tr.lastBlocked()}
	if err != nil && ctx.Err() == nil && (dctx.Err() != nil || strings.Contains(err.Error(), "global timeout reached")) {
		res.timedOut = true
	}
	if err != nil && ctx.Err() != nil {
		res.err = ctx.Err()
	}
	return res
}

// forceDrain deletes the pods left on a node without eviction, for OnDrainTimeoutForce.
func (r *run) forceDrain(ctx context.Context, t drainTarget) error {
	tr := &evictionTracker{r: r, t: t, ctx: ctx, since: map[string]time.Time{}, pdbs: map[string]string{}, pods: map[string]*corev1.Pod{}}
	h := r.drainHelper(ctx, t.name, tr)
	h.DisableEviction = true
	list, errs := h.GetPodsForDeletion(t.name)
	if len(errs) > 0 {
		return fmt.Errorf("cannot drain node %s: %w", t.name, errors.Join(errs...))
	}
	tr.total = len(list.Pods())
	return h.DeleteOrEvictPods(list.Pods())
}

// drainHelper configures kubectl's drain for one node.
func (r *run) drainHelper(ctx context.Context, node string, tr *evictionTracker) *drain.Helper {
	grace := -1
	if r.opts.GracePeriod >= 0 {
		grace = int(r.opts.GracePeriod / time.Second)
	}
	out := r.e.log.writer(node)
	return &drain.Helper{
		Ctx:                             ctx,
		Client:                          evictionClient{Interface: r.kube, observe: tr.observe},
		GracePeriodSeconds:              grace,
		IgnoreAllDaemonSets:             true,
		DeleteEmptyDirData:              r.opts.DeleteEmptyDirData || r.plan.Policy.DeleteEmptyDirData,
		Timeout:                         r.opts.DrainTimeout,
		EvictErrorRetryDelay:            r.opts.EvictionRetryDelay,
		Out:                             out,
		ErrOut:                          out,
		OnPodDeletionOrEvictionStarted:  tr.started,
		OnPodDeletionOrEvictionFinished: tr.finished,
	}
}

// evictionTracker turns the drain's callbacks and eviction answers into events and report
// counts.
type evictionTracker struct {
	r   *run
	t   drainTarget
	ctx context.Context

	mu      sync.Mutex
	total   int
	evicted int
	pods    map[string]*corev1.Pod
	since   map[string]time.Time // first refusal of each pod's eviction
	pdbs    map[string]string    // the budget that refused each pod
	blocked string
}

func (tr *evictionTracker) started(pod *corev1.Pod, _ bool) {
	if tr.t.node != nil {
		tr.t.node.evictionStarted(pod.Namespace + "/" + pod.Name)
	}
}

func (tr *evictionTracker) finished(pod *corev1.Pod, _ bool, err error) {
	if err != nil {
		return
	}
	tr.r.recordEviction(pod)
	tr.mu.Lock()
	tr.evicted++
	evicted, total := tr.evicted, tr.total
	delete(tr.since, pod.Namespace+"/"+pod.Name)
	tr.mu.Unlock()
	if tr.t.node != nil {
		tr.t.node.evicted()
		if p, _ := tr.t.node.blocked(); p == pod.Namespace+"/"+pod.Name {
			tr.t.node.setBlocked("", "")
		}
	}
	tr.r.emit(Event{Type: EventDrainProgress, Batch: tr.t.batch, Group: tr.t.group, Node: tr.t.name, Evicted: evicted, Total: total, Pod: pod.Namespace + "/" + pod.Name})
}

// observe sees the answer to every eviction request; a 429 is a PodDisruptionBudget saying no.
func (tr *evictionTracker) observe(namespace, name string, err error) {
	if !apierrors.IsTooManyRequests(err) {
		return
	}
	key := namespace + "/" + name
	now := tr.r.clock.Now()
	tr.mu.Lock()
	first, ok := tr.since[key]
	if !ok {
		first = now
		tr.since[key] = now
	}
	pdb, known := tr.pdbs[key]
	pod := tr.pods[key]
	tr.mu.Unlock()
	if !known {
		pdb = tr.r.budgetOf(tr.ctx, namespace, pod, err)
		tr.mu.Lock()
		tr.pdbs[key] = pdb
		tr.mu.Unlock()
	}
	blockedFor := now.Sub(first)
	msg := fmt.Sprintf("eviction of pod %s blocked by PodDisruptionBudget %s for %s", key, pdb, blockedFor.Round(time.Second))
	if pdb == "" {
		msg = fmt.Sprintf("eviction of pod %s refused for %s: %s", key, blockedFor.Round(time.Second), firstSentence(err))
	}
	tr.mu.Lock()
	tr.blocked = msg
	tr.mu.Unlock()
	if tr.t.node != nil {
		tr.t.node.setBlocked(key, pdb)
	}
	tr.r.emit(Event{Type: EventEvictionBlocked, Batch: tr.t.batch, Group: tr.t.group, Node: tr.t.name, Pod: key, PDB: pdb, BlockedFor: blockedFor, Message: msg})
}

func (tr *evictionTracker) lastBlocked() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.blocked
}

// budgetOf names, as namespace/name, the PodDisruptionBudget that covers pod: the one whose
// selector matches its labels, or the one the refusal names.
func (r *run) budgetOf(ctx context.Context, namespace string, pod *corev1.Pod, refusal error) string {
	if pod != nil {
		list, err := r.kube.PolicyV1().PodDisruptionBudgets(namespace).List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, pdb := range list.Items {
				sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
				if err != nil || sel.Empty() {
					continue
				}
				if sel.Matches(labels.Set(pod.Labels)) {
					return namespace + "/" + pdb.Name
				}
			}
		}
	}
	var status apierrors.APIStatus
	if errors.As(refusal, &status) && status.Status().Details != nil {
		for _, c := range status.Status().Details.Causes {
			if name := budgetInCause(c.Message); name != "" {
				return namespace + "/" + name
			}
		}
	}
	return ""
}

// recordEviction remembers the controller of an evicted pod, whose new pods must not stay
// Pending.
func (r *run) recordEviction(pod *corev1.Pod) {
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evicted[owner.UID] = pod.Namespace + "/" + owner.Kind + "/" + owner.Name
}

// budgetInCause reads the budget's name from the cause the API server gives a refused
// eviction: "The disruption budget web needs 5 healthy pods and has 5 currently".
func budgetInCause(msg string) string {
	_, rest, ok := strings.Cut(msg, "The disruption budget ")
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, " needs")
	if !ok || strings.ContainsAny(name, " \t") {
		return ""
	}
	return name
}

// firstSentence is the first line of err's text.
func firstSentence(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

// evictionClient is the Kubernetes client the drain helper uses: it passes every eviction
// answer to observe before the helper sees it.
type evictionClient struct {
	kubernetes.Interface
	observe func(namespace, name string, err error)
}

// PolicyV1 returns the policy client with evictions observed.
func (c evictionClient) PolicyV1() policyv1client.PolicyV1Interface {
	return evictionPolicy{PolicyV1Interface: c.Interface.PolicyV1(), observe: c.observe}
}

type evictionPolicy struct {
	policyv1client.PolicyV1Interface
	observe func(namespace, name string, err error)
}

// Evictions returns the observed eviction client of a namespace.
func (p evictionPolicy) Evictions(namespace string) policyv1client.EvictionInterface {
	return observedEvictions{EvictionInterface: p.PolicyV1Interface.Evictions(namespace), namespace: namespace, observe: p.observe}
}

type observedEvictions struct {
	policyv1client.EvictionInterface
	namespace string
	observe   func(namespace, name string, err error)
}

// Evict evicts and reports the answer.
func (o observedEvictions) Evict(ctx context.Context, eviction *policyv1.Eviction) error {
	err := o.EvictionInterface.Evict(ctx, eviction)
	o.observe(o.namespace, eviction.Name, err)
	return err
}
