// Package kube reads what a rotation plan needs from the Kubernetes API: the nodes, the pods
// bound to them and the PodDisruptionBudgets, each listed in pages.
package kube

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// DefaultPageSize is the number of objects asked for per list call.
const DefaultPageSize = 500

// Cluster is what the Kubernetes API says about the cluster's nodes.
type Cluster struct {
	// Nodes carry everything but the cloud side (Kind, Group, CurrentAMI) of plan.NodeFacts,
	// and the pods bound to them.
	Nodes []plan.NodeFacts
	// ProviderIDs maps node name to its spec.providerID, empty when unset.
	ProviderIDs map[string]string
	PDBs        []plan.PDBFacts
}

// Reader lists nodes, pods and PodDisruptionBudgets.
type Reader struct {
	Client kubernetes.Interface
	// PageSize is the list page size; zero means DefaultPageSize.
	PageSize int64
}

// Read lists every node, pod and PodDisruptionBudget of the cluster in pages.
func (r Reader) Read(ctx context.Context) (*Cluster, error) {
	c, err := r.ReadNodes(ctx)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(c.Nodes))
	for i := range c.Nodes {
		index[c.Nodes[i].Name] = i
	}
	err = pages(ctx, r.pageSize(), func(opts metav1.ListOptions) (string, error) {
		list, err := r.Client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, opts)
		if err != nil {
			return "", err
		}
		for i := range list.Items {
			p := &list.Items[i]
			if at, ok := index[p.Spec.NodeName]; ok {
				c.Nodes[at].Pods = append(c.Nodes[at].Pods, podFacts(p))
			}
		}
		return list.Continue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	err = pages(ctx, r.pageSize(), func(opts metav1.ListOptions) (string, error) {
		list, err := r.Client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).List(ctx, opts)
		if err != nil {
			return "", err
		}
		for i := range list.Items {
			pdb, err := pdbFacts(&list.Items[i])
			if err != nil {
				return "", err
			}
			c.PDBs = append(c.PDBs, pdb)
		}
		return list.Continue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pod disruption budgets: %w", err)
	}
	return c, nil
}

// ReadNodes lists every node of the cluster in pages, without their pods or any
// PodDisruptionBudget: enough to classify the nodes and name their groups.
func (r Reader) ReadNodes(ctx context.Context) (*Cluster, error) {
	c := &Cluster{ProviderIDs: map[string]string{}}
	err := pages(ctx, r.pageSize(), func(opts metav1.ListOptions) (string, error) {
		list, err := r.Client.CoreV1().Nodes().List(ctx, opts)
		if err != nil {
			return "", err
		}
		for i := range list.Items {
			n := &list.Items[i]
			c.Nodes = append(c.Nodes, nodeFacts(n))
			c.ProviderIDs[n.Name] = n.Spec.ProviderID
		}
		return list.Continue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return c, nil
}

func (r Reader) pageSize() int64 {
	if r.PageSize > 0 {
		return r.PageSize
	}
	return DefaultPageSize
}

// pages calls list with a continue token until the server returns none.
func pages(ctx context.Context, size int64, list func(metav1.ListOptions) (string, error)) error {
	opts := metav1.ListOptions{Limit: size}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		next, err := list(opts)
		if err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		opts.Continue = next
	}
}

func nodeFacts(n *corev1.Node) plan.NodeFacts {
	f := plan.NodeFacts{
		Name:           n.Name,
		Zone:           n.Labels[corev1.LabelTopologyZone],
		InstanceType:   n.Labels[corev1.LabelInstanceTypeStable],
		Architecture:   n.Labels[corev1.LabelArchStable],
		KubeletVersion: n.Status.NodeInfo.KubeletVersion,
		OSImage:        n.Status.NodeInfo.OSImage,
		Labels:         n.Labels,
		Annotations:    n.Annotations,
		Created:        n.CreationTimestamp.Time,
		Unschedulable:  n.Spec.Unschedulable,
	}
	if f.Architecture == "" {
		f.Architecture = n.Status.NodeInfo.Architecture
	}
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			f.Ready = cond.Status == corev1.ConditionTrue
		}
	}
	return f
}

func podFacts(p *corev1.Pod) plan.PodFacts {
	f := plan.PodFacts{
		Namespace:   p.Namespace,
		Name:        p.Name,
		Labels:      p.Labels,
		Annotations: p.Annotations,
		Finished:    p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed,
	}
	if owner := metav1.GetControllerOf(p); owner != nil {
		f.OwnerKind, f.OwnerName = owner.Kind, owner.Name
		f.DaemonSet = owner.Kind == "DaemonSet"
	}
	_, f.Mirror = p.Annotations[corev1.MirrorPodAnnotationKey]
	for _, v := range p.Spec.Volumes {
		if v.EmptyDir != nil {
			f.EmptyDir = true
		}
	}
	return f
}

func pdbFacts(p *policyv1.PodDisruptionBudget) (plan.PDBFacts, error) {
	f := plan.PDBFacts{
		Namespace:          p.Namespace,
		Name:               p.Name,
		DisruptionsAllowed: int(p.Status.DisruptionsAllowed),
	}
	if p.Spec.MinAvailable != nil {
		f.MinAvailable = p.Spec.MinAvailable.String()
	}
	if p.Spec.MaxUnavailable != nil {
		f.MaxUnavailable = p.Spec.MaxUnavailable.String()
	}
	// A nil selector selects nothing, an empty one every pod of the namespace (policy/v1).
	if p.Spec.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			return f, fmt.Errorf("pod disruption budget %s/%s has an invalid selector: %w", p.Namespace, p.Name, err)
		}
		f.Selector = sel
	} else {
		f.Selector = labels.Nothing()
	}
	return f, nil
}

// ParseProviderID splits an AWS provider ID, aws:///<zone>/<instance-id>, into zone and
// instance ID. ok is false for any other form.
func ParseProviderID(providerID string) (zone, instanceID string, ok bool) {
	rest, found := strings.CutPrefix(providerID, "aws://")
	if !found {
		return "", "", false
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	if len(parts) != 2 || !strings.HasPrefix(parts[1], "i-") {
		return "", "", false
	}
	return parts[0], parts[1], true
}
