package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Annotations by which a pod or node opts out of voluntary disruption. The second is the
// name older Karpenter releases used.
const (
	// AnnotationDoNotDisrupt set to "true" asks that a pod or node not be disrupted.
	AnnotationDoNotDisrupt = "karpenter.sh/do-not-disrupt"
	// AnnotationDoNotEvict is the name of AnnotationDoNotDisrupt before Karpenter v1.
	AnnotationDoNotEvict = "karpenter.sh/do-not-evict"
)

// evictable reports whether a drain evicts p: DaemonSet, mirror and finished pods are not.
func evictable(p *PodFacts) bool {
	return !p.DaemonSet && !p.Mirror && !p.Finished
}

// evictee is a pod a drain evicts, with its namespace/name.
type evictee struct {
	ref string
	pod *PodFacts
}

// evictees returns the pods of n a drain evicts, sorted by namespace/name. Their names share
// one allocation.
func evictees(n *NodeFacts) []evictee {
	count, size := 0, 0
	for i := range n.Pods {
		if p := &n.Pods[i]; evictable(p) {
			count++
			size += len(p.Namespace) + 1 + len(p.Name)
		}
	}
	if count == 0 {
		return nil
	}
	var names strings.Builder
	names.Grow(size)
	out := make([]evictee, 0, count)
	for i := range n.Pods {
		if p := &n.Pods[i]; evictable(p) {
			names.WriteString(p.Namespace)
			names.WriteByte('/')
			names.WriteString(p.Name)
			out = append(out, evictee{pod: p})
		}
	}
	all, start := names.String(), 0
	for i := range out {
		end := start + len(out[i].pod.Namespace) + 1 + len(out[i].pod.Name)
		out[i].ref, start = all[start:end], end
	}
	byRef := func(a, b evictee) int { return strings.Compare(a.ref, b.ref) }
	if !slices.IsSortedFunc(out, byRef) {
		slices.SortFunc(out, byRef)
	}
	return out
}

// evictionNames lists the namespace/name of pods.
func evictionNames(pods []evictee) []string {
	if len(pods) == 0 {
		return nil
	}
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = p.ref
	}
	return names
}

// doNotDisrupt reports whether annotations opt out of disruption, and by which annotation.
func doNotDisrupt(annotations map[string]string) (string, bool) {
	for _, key := range []string{AnnotationDoNotDisrupt, AnnotationDoNotEvict} {
		if annotations[key] == "true" {
			return key, true
		}
	}
	return "", false
}

// budget is a PodDisruptionBudget that allows no disruption now.
type budget struct {
	facts *PDBFacts
	// ref is namespace/name; limit says what the budget requires, e.g. " (minAvailable 2)".
	ref   string
	limit string
}

// pdbIndex holds, per namespace, the budgets that allow no disruption now, sorted by name.
type pdbIndex map[string][]budget

// indexBlockingPDBs indexes the budgets of pdbs that allow no disruption and select pods.
func indexBlockingPDBs(pdbs []PDBFacts) pdbIndex {
	idx := make(pdbIndex)
	for i := range pdbs {
		p := &pdbs[i]
		if p.DisruptionsAllowed > 0 || p.Selector == nil {
			continue
		}
		b := budget{facts: p, ref: p.Namespace + "/" + p.Name}
		switch {
		case p.MinAvailable != "":
			b.limit = " (minAvailable " + p.MinAvailable + ")"
		case p.MaxUnavailable != "":
			b.limit = " (maxUnavailable " + p.MaxUnavailable + ")"
		}
		idx[p.Namespace] = append(idx[p.Namespace], b)
	}
	for _, list := range idx {
		slices.SortFunc(list, func(a, b budget) int { return cmp.Compare(a.facts.Name, b.facts.Name) })
	}
	return idx
}

// nodeBlockers appends to dst what would stall the drain of node n of group: an opt-out
// annotation on the node, and for each pod the drain evicts an opt-out annotation, budgets
// that allow no disruption, a missing controller and emptyDir data the policy may not delete.
// pods are the node's evictees, sorted.
func nodeBlockers(dst []Blocker, group string, n *NodeFacts, pods []evictee, idx pdbIndex,
	deleteEmptyDirData bool) []Blocker {
	if key, ok := doNotDisrupt(n.Annotations); ok {
		dst = append(dst, Blocker{
			Kind: BlockerDoNotDisrupt, Group: group, Node: n.Name,
			Message: "node " + n.Name + " is annotated " + key +
				`: "true"; remove the annotation or leave the node out of the selection`,
		})
	}
	var namespace string
	var budgets []budget
	for i, e := range pods {
		p, ref := e.pod, e.ref
		if i == 0 || p.Namespace != namespace {
			namespace, budgets = p.Namespace, idx[p.Namespace]
		}
		if key, ok := doNotDisrupt(p.Annotations); ok {
			dst = append(dst, Blocker{
				Kind: BlockerDoNotDisrupt, Group: group, Node: n.Name, Pod: ref,
				Message: "pod " + ref + " is annotated " + key +
					`: "true"; remove the annotation or leave node ` + n.Name + " out of the selection",
			})
		}
		for j := range budgets {
			if budgets[j].facts.Selector.Matches(labels.Set(p.Labels)) {
				dst = append(dst, pdbBlocker(group, n.Name, ref, &budgets[j]))
			}
		}
		if p.OwnerKind == "" {
			dst = append(dst, Blocker{
				Kind: BlockerNoController, Group: group, Node: n.Name, Pod: ref,
				Message: "pod " + ref + " has no controller, so drain refuses to evict it and nothing would recreate it; " +
					"delete it or run it under a controller such as a Deployment",
			})
		}
		if p.EmptyDir && !deleteEmptyDirData {
			dst = append(dst, Blocker{
				Kind: BlockerEmptyDir, Group: group, Node: n.Name, Pod: ref,
				Message: "pod " + ref + " keeps data in an emptyDir volume that a drain deletes; " +
					"pass --delete-emptydir-data to allow it",
			})
		}
	}
	return dst
}

// pdbBlocker says that budget b stops pod ref on node from being evicted now.
func pdbBlocker(group, node, ref string, b *budget) Blocker {
	return Blocker{
		Kind: BlockerPDB, Group: group, Node: node, Pod: ref, PDB: b.ref,
		Message: "PodDisruptionBudget " + b.ref + b.limit + " allows no disruption now, so the eviction of " + ref +
			" will wait until the budget allows it; scale up the workload or relax the budget",
	}
}

// capacityBlocker reports when surging a group by surge nodes needs more than its MaxSize.
func capacityBlocker(g *Group, surge int) (Blocker, bool) {
	if g.Kind == KindKarpenter || surge <= 0 || g.DesiredCapacity+surge <= g.MaxSize {
		return Blocker{}, false
	}
	return Blocker{
		Kind:  BlockerCapacity,
		Group: g.Name,
		Message: fmt.Sprintf("group %s has a desired capacity of %d and a MaxSize of %d, so the surge will raise MaxSize from %d to %d for the duration of each batch; lower --max-surge to avoid it",
			g.Name, g.DesiredCapacity, g.MaxSize, g.MaxSize, g.DesiredCapacity+surge),
	}, true
}
