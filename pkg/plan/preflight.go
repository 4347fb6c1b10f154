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

// drainSet is the pods a drain of one node evicts, sorted by namespace/name.
type drainSet struct {
	// names are the pods' namespace/name, parallel to pods.
	names []string
	pods  []*PodFacts
}

// evictee is a pod a drain evicts, with its namespace/name, while a drain set is sorted.
type evictee struct {
	ref string
	pod *PodFacts
}

// drainSetOf returns the pods of n a drain evicts. scratch is working space, returned for
// reuse by the next call; the names share one allocation.
func drainSetOf(n *NodeFacts, scratch []evictee) (drainSet, []evictee) {
	scratch = scratch[:0]
	size := 0
	for i := range n.Pods {
		if p := &n.Pods[i]; evictable(p) {
			scratch = append(scratch, evictee{pod: p})
			size += len(p.Namespace) + 1 + len(p.Name)
		}
	}
	if len(scratch) == 0 {
		return drainSet{}, scratch
	}
	var buf strings.Builder
	buf.Grow(size)
	for _, e := range scratch {
		buf.WriteString(e.pod.Namespace)
		buf.WriteByte('/')
		buf.WriteString(e.pod.Name)
	}
	all, start := buf.String(), 0
	for i := range scratch {
		end := start + len(scratch[i].pod.Namespace) + 1 + len(scratch[i].pod.Name)
		scratch[i].ref, start = all[start:end], end
	}
	byRef := func(a, b evictee) int { return strings.Compare(a.ref, b.ref) }
	if !slices.IsSortedFunc(scratch, byRef) {
		slices.SortFunc(scratch, byRef)
	}
	ds := drainSet{names: make([]string, len(scratch)), pods: make([]*PodFacts, len(scratch))}
	for i, e := range scratch {
		ds.names[i], ds.pods[i] = e.ref, e.pod
	}
	return ds, scratch
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
// drain is the node's drain set.
func nodeBlockers(dst []Blocker, group string, n *NodeFacts, drain drainSet, idx pdbIndex,
	deleteEmptyDirData bool) []Blocker {
	if free := cap(dst) - len(dst); free < len(drain.pods) {
		// Grow by doubling: blockers can run to tens of thousands of large entries.
		dst = slices.Grow(dst, max(len(dst), 2*len(drain.pods)))
	}
	if key, ok := doNotDisrupt(n.Annotations); ok {
		dst = append(dst, Blocker{
			Kind: BlockerDoNotDisrupt, Group: group, Node: n.Name,
			Message: "node " + n.Name + " is annotated " + key +
				`: "true"; remove the annotation or leave the node out of the selection`,
		})
	}
	var namespace string
	var budgets []budget
	for i, p := range drain.pods {
		// ref starts with the namespace: comparing that prefix reads the drain set's
		// freshly written names rather than each pod's own string.
		ref := drain.names[i]
		if ns := ref[:len(p.Namespace)]; i == 0 || ns != namespace {
			namespace, budgets = ns, idx[ns]
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
