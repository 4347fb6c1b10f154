package exec

import (
	"context"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// indexInstance indexes nodes by the EC2 instance ID of their provider ID.
const indexInstance = "instance"

// watcher keeps informers on the cluster's nodes and on its Pending pods, and tells
// subscribers whenever either changes, so that every wait of the engine is driven by watch
// events rather than polling the API server.
type watcher struct {
	nodes   corelisters.NodeLister
	nodeInf cache.SharedIndexInformer
	podInf  cache.SharedIndexInformer
	mu      sync.Mutex
	subs    map[int]chan struct{}
	nextSub int
}

// startWatcher starts the informers and waits for their caches; they stop with ctx.
func startWatcher(ctx context.Context, kube kubernetes.Interface) (*watcher, error) {
	w := &watcher{subs: map[int]chan struct{}{}}
	nodeFactory := informers.NewSharedInformerFactory(kube, 0)
	podFactory := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = "status.phase=" + string(corev1.PodPending)
	}))
	nodeInformer := nodeFactory.Core().V1().Nodes()
	w.nodeInf = nodeInformer.Informer()
	w.nodes = nodeInformer.Lister()
	if err := w.nodeInf.AddIndexers(cache.Indexers{indexInstance: func(obj any) ([]string, error) {
		n, ok := obj.(*corev1.Node)
		if !ok {
			return nil, nil
		}
		if id := instanceIDOf(n.Spec.ProviderID); id != "" {
			return []string{id}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, fmt.Errorf("index nodes: %w", err)
	}
	w.podInf = podFactory.Core().V1().Pods().Informer()
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.notify() },
		UpdateFunc: func(any, any) { w.notify() },
		DeleteFunc: func(any) { w.notify() },
	}
	if _, err := w.nodeInf.AddEventHandler(handler); err != nil {
		return nil, fmt.Errorf("watch nodes: %w", err)
	}
	if _, err := w.podInf.AddEventHandler(handler); err != nil {
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	nodeFactory.Start(ctx.Done())
	podFactory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), w.nodeInf.HasSynced, w.podInf.HasSynced) {
		return nil, fmt.Errorf("watch nodes and pods: caches did not sync: %w", context.Cause(ctx))
	}
	return w, nil
}

// subscribe returns a channel that receives a signal after every change (changes coalesce
// while a signal is unread) and a function that ends the subscription.
func (w *watcher) subscribe() (<-chan struct{}, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{}, 1)
	id := w.nextSub
	w.nextSub++
	w.subs[id] = ch
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.subs, id)
	}
}

func (w *watcher) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// node returns the node named name, or nil.
func (w *watcher) node(name string) *corev1.Node {
	n, err := w.nodes.Get(name)
	if err != nil {
		return nil
	}
	return n
}

// nodeOfInstance returns the node of the EC2 instance id, or nil.
func (w *watcher) nodeOfInstance(id string) *corev1.Node {
	objs, err := w.nodeInf.GetIndexer().ByIndex(indexInstance, id)
	if err != nil || len(objs) == 0 {
		return nil
	}
	n, _ := objs[0].(*corev1.Node)
	return n
}

// allNodes lists every node.
func (w *watcher) allNodes() []*corev1.Node {
	nodes, _ := w.nodes.List(labels.Everything())
	return nodes
}

// readyInstances returns the instance IDs of the nodes that are Ready.
func (w *watcher) readyInstances() map[string]bool {
	out := map[string]bool{}
	for _, n := range w.allNodes() {
		if id := instanceIDOf(n.Spec.ProviderID); id != "" && nodeReady(n) {
			out[id] = true
		}
	}
	return out
}

// pendingPods lists the pods that are Pending.
func (w *watcher) pendingPods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, obj := range w.podInf.GetStore().List() {
		if p, ok := obj.(*corev1.Pod); ok && p.Status.Phase == corev1.PodPending && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// nodeReady reports whether a node is Ready and free of the not-ready and unreachable taints
// that keep pods off it.
func nodeReady(n *corev1.Node) bool {
	ready := false
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = c.Status == corev1.ConditionTrue
		}
	}
	if !ready {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false
		}
	}
	return true
}

// instanceIDOf reads the instance ID from a provider ID aws:///<zone>/<instance-id>.
func instanceIDOf(providerID string) string {
	if !strings.HasPrefix(providerID, "aws://") {
		return ""
	}
	i := strings.LastIndex(providerID, "/")
	id := providerID[i+1:]
	if !strings.HasPrefix(id, "i-") {
		return ""
	}
	return id
}
