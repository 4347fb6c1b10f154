package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Reasons given for nodes the tool never rotates when discovery gave none.
const (
	reasonNoManager = "no node group, instance group or node pool manages this node"
	reasonNoGroup   = "its node group is not known"
)

// selectedNodes is the outcome of applying a Selection to the facts.
type selectedNodes struct {
	// managed are the selected nodes the tool can rotate, in the order of the facts.
	managed []*NodeFacts
	// unmanaged are the nodes it never rotates that match the node filters, sorted by name.
	unmanaged []UnmanagedNode
}

// unmanagedReason says why n cannot be rotated, or false when it can.
func unmanagedReason(n *NodeFacts) (string, bool) {
	if n.Kind == KindUnmanaged || n.Kind == "" {
		if n.UnmanagedReason != "" {
			return n.UnmanagedReason, true
		}
		return reasonNoManager, true
	}
	if n.Group == "" {
		return reasonNoGroup, true
	}
	return "", false
}

// knownGroups lists the names of the groups in the facts and of the groups managed nodes
// belong to, sorted and without duplicates.
func knownGroups(f *Facts) []string {
	names := make([]string, 0, len(f.Groups))
	for i := range f.Groups {
		names = append(names, f.Groups[i].Name)
	}
	for i := range f.Nodes {
		if _, unmanaged := unmanagedReason(&f.Nodes[i]); !unmanaged {
			names = append(names, f.Nodes[i].Group)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// selectNodes applies s to the nodes of f. Group, node and label filters combine.
func selectNodes(f *Facts, s Selection) (selectedNodes, error) {
	owners, err := groupsOf(f, s.GroupsOf)
	if err != nil {
		return selectedNodes{}, err
	}
	groupSet, err := groupFilter(f, append(slices.Clone(s.Groups), owners...))
	if err != nil {
		return selectedNodes{}, err
	}
	nodeSet, err := nodeFilter(f, s.Nodes)
	if err != nil {
		return selectedNodes{}, err
	}
	var out selectedNodes
	for i := range f.Nodes {
		n := &f.Nodes[i]
		if nodeSet != nil && !nodeSet[n.Name] {
			continue
		}
		reason, unmanaged := unmanagedReason(n)
		if unmanaged && nodeSet != nil {
			return selectedNodes{}, fmt.Errorf("node %q cannot be rotated: %s", n.Name, reason)
		}
		if s.Selector != nil && !s.Selector.Matches(labels.Set(n.Labels)) {
			continue
		}
		if unmanaged {
			out.unmanaged = append(out.unmanaged, UnmanagedNode{Name: n.Name, InstanceID: n.InstanceID, Reason: reason})
			continue
		}
		if groupSet != nil && !groupSet[n.Group] {
			continue
		}
		out.managed = append(out.managed, n)
	}
	slices.SortFunc(out.unmanaged, func(a, b UnmanagedNode) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// groupFilter returns the set of requested groups, nil when none is requested, or an error
// naming the first unknown group and the known ones.
func groupFilter(f *Facts, groups []string) (map[string]bool, error) {
	if len(groups) == 0 {
		return nil, nil
	}
	known := knownGroups(f)
	set := make(map[string]bool, len(groups))
	for _, g := range groups {
		if _, found := slices.BinarySearch(known, g); !found {
			if len(known) == 0 {
				return nil, fmt.Errorf("node group %q not found; the cluster has no managed node groups", g)
			}
			return nil, fmt.Errorf("node group %q not found; known groups: %s", g, strings.Join(known, ", "))
		}
		set[g] = true
	}
	return set, nil
}

// groupsOf names the groups of the given nodes, or an error naming the first node the cluster
// does not have or that belongs to no group the tool can rotate.
func groupsOf(f *Facts, nodes []string) ([]string, error) {
	groups := make([]string, 0, len(nodes))
	for _, name := range nodes {
		i := slices.IndexFunc(f.Nodes, func(n NodeFacts) bool { return n.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("node %q not found in the cluster; check the name with kubectl get nodes", name)
		}
		if reason, unmanaged := unmanagedReason(&f.Nodes[i]); unmanaged {
			return nil, fmt.Errorf("node %q belongs to no group that can be rotated: %s", name, reason)
		}
		groups = append(groups, f.Nodes[i].Group)
	}
	return groups, nil
}

// nodeFilter returns the set of requested nodes, nil when none is requested, or an error
// naming the first node the cluster does not have.
func nodeFilter(f *Facts, nodes []string) (map[string]bool, error) {
	if len(nodes) == 0 {
		return nil, nil
	}
	set := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		set[n] = false
	}
	for i := range f.Nodes {
		if _, ok := set[f.Nodes[i].Name]; ok {
			set[f.Nodes[i].Name] = true
		}
	}
	for _, n := range nodes {
		if !set[n] {
			return nil, fmt.Errorf("node %q not found in the cluster; check the name with kubectl get nodes", n)
		}
	}
	return set, nil
}
