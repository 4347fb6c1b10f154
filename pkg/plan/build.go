package plan

import (
	"cmp"
	"fmt"
	"slices"
)

// groupPlan is one group while it is being planned.
type groupPlan struct {
	facts *GroupFacts
	kind  Kind
	group Group
	// sources and drains run parallel to group.Nodes: each node's facts and the pods a
	// drain of it evicts.
	sources []*NodeFacts
	drains  []drainSet
	// scratch is working space for computing drain sets.
	scratch []evictee
}

// Build computes the rotation plan for the nodes s selects from f: each node's target image
// and action, the batches the nodes to rotate are replaced in under p, what would stall them,
// and how long it should take. It fails, with one sentence naming the fix, on a bad policy, an
// unknown group or node, a selected node that cannot be rotated, an explicit image that does
// not exist, is not available or has another architecture than a selected node, and a group
// whose nodes would need different images.
func Build(f Facts, t Target, s Selection, p Policy) (*Plan, error) {
	pol, err := parsePolicy(p)
	if err != nil {
		return nil, err
	}
	sel, err := selectNodes(&f, s)
	if err != nil {
		return nil, err
	}
	if err := validateImages(&f, &t, sel.managed); err != nil {
		return nil, err
	}
	sizes := groupSizes(&f)
	groups, err := planGroups(&f, &t, sel.managed, sizes)
	if err != nil {
		return nil, err
	}
	plan := &Plan{
		APIVersion: APIVersion,
		Kind:       KindRotationPlan,
		Generated:  f.Now,
		Policy:     pol.summary(t.OlderThan),
		Groups:     make([]Group, 0, len(groups)),
		Unmanaged:  sel.unmanaged,
		Batches:    []Batch{},
		Blockers:   []Blocker{},
	}
	pdbs := indexBlockingPDBs(f.PDBs)
	for _, gp := range groups {
		if err := gp.cut(pol, sizes[gp.group.Name], plan); err != nil {
			return nil, err
		}
		plan.Blockers = gp.blockers(plan.Blockers, plan.Batches, pdbs, pol.policy.DeleteEmptyDirData)
		plan.Groups = append(plan.Groups, gp.group)
	}
	plan.Estimate = Duration(estimate(plan.Batches, pol.policy))
	return plan, nil
}

// groupSizes counts the managed nodes of each group in the facts, selected or not.
func groupSizes(f *Facts) map[string]int {
	sizes := make(map[string]int, len(f.Groups))
	for i := range f.Nodes {
		if _, unmanaged := unmanagedReason(&f.Nodes[i]); !unmanaged {
			sizes[f.Nodes[i].Group]++
		}
	}
	return sizes
}

// planGroups decides the target and action of every selected node and gathers the nodes by
// group. Groups come control plane first, then by name; nodes by name. sizes counts the
// nodes of each group.
func planGroups(f *Facts, t *Target, nodes []*NodeFacts, sizes map[string]int) ([]*groupPlan, error) {
	known := make(map[string]*GroupFacts, len(f.Groups))
	for i := range f.Groups {
		known[f.Groups[i].Name] = &f.Groups[i]
	}
	nodes = slices.Clone(nodes)
	slices.SortFunc(nodes, func(a, b *NodeFacts) int { return cmp.Compare(a.Name, b.Name) })
	byName := make(map[string]*groupPlan)
	var groups []*groupPlan
	for _, n := range nodes {
		gp := byName[n.Group]
		if gp == nil {
			gp = newGroupPlan(known[n.Group], n, sizes[n.Group])
			byName[n.Group] = gp
			groups = append(groups, gp)
		}
		gp.add(f, t, n)
	}
	slices.SortFunc(groups, func(a, b *groupPlan) int {
		return cmp.Or(
			cmp.Compare(controlPlaneRank(a.kind), controlPlaneRank(b.kind)),
			cmp.Compare(a.facts.Name, b.facts.Name))
	})
	for _, gp := range groups {
		target, err := gp.target()
		if err != nil {
			return nil, err
		}
		gp.group.TargetAMI = target
	}
	return groups, nil
}

// controlPlaneRank sorts control-plane groups first.
func controlPlaneRank(k Kind) int {
	if k == KindControlPlane {
		return 0
	}
	return 1
}

// newGroupPlan starts the plan of the group g that node n belongs to. When discovery did not
// describe the group, it is known only by the node's group name and kind. The group has at
// most size nodes.
func newGroupPlan(g *GroupFacts, n *NodeFacts, size int) *groupPlan {
	if g == nil {
		g = &GroupFacts{Name: n.Group, Kind: n.Kind}
	}
	gp := &groupPlan{
		facts:   g,
		kind:    cmp.Or(g.Kind, n.Kind),
		sources: make([]*NodeFacts, 0, size),
		drains:  make([]drainSet, 0, size),
	}
	gp.group = Group{
		Name:             g.Name,
		Kind:             gp.kind,
		AutoScalingGroup: g.AutoScalingGroup,
		TargetSource:     g.TargetSource,
		MinSize:          g.MinSize,
		MaxSize:          g.MaxSize,
		DesiredCapacity:  g.DesiredCapacity,
		Nodes:            make([]Node, 0, size),
	}
	return gp
}

// add decides the target image and action of node n and adds it to the group.
func (gp *groupPlan) add(f *Facts, t *Target, n *NodeFacts) {
	target, src := nodeTarget(t, n, gp.facts)
	age := nodeAge(n, f.Now)
	action, reason := decideAction(n, gp.facts, gp.kind, target, src, t.OlderThan, age)
	var drain drainSet
	drain, gp.scratch = drainSetOf(n, gp.scratch)
	gp.group.Nodes = append(gp.group.Nodes, Node{
		Name:         n.Name,
		InstanceID:   n.InstanceID,
		InstanceType: n.InstanceType,
		Zone:         n.Zone,
		CurrentAMI:   n.CurrentAMI,
		TargetAMI:    target,
		Action:       action,
		Reason:       reason,
		Age:          Duration(age),
		Batch:        -1,
		Evictions:    drain.names,
	})
	gp.sources = append(gp.sources, n)
	gp.drains = append(gp.drains, drain)
	switch action {
	case ActionRotate:
		gp.group.Counts.Rotate++
	case ActionKeep:
		gp.group.Counts.Keep++
	case ActionSkip:
		gp.group.Counts.Skip++
	}
	switch src {
	case sourceExplicit:
		gp.group.TargetSource = SourceExplicit
	case sourcePerNode:
		gp.group.TargetSource = SourceLatest
	}
}

// target is the one image the group's nodes move to: that of the nodes to rotate, else that
// of the nodes kept, else the group's own. Nodes to rotate that need different images are an
// error, except in a Karpenter node pool, which launches each node from its own image; its
// target is then empty and each node carries its own.
func (gp *groupPlan) target() (string, error) {
	nodes := gp.group.Nodes
	var first *Node
	for i := range nodes {
		n := &nodes[i]
		if n.Action != ActionRotate {
			continue
		}
		if first == nil {
			first = n
			continue
		}
		if n.TargetAMI == first.TargetAMI {
			continue
		}
		if gp.kind == KindKarpenter {
			return "", nil
		}
		return "", fmt.Errorf("nodes of group %q need different images, %s (e.g. %s) and %s (e.g. %s), but the group launches one; pass one image with --ami",
			gp.facts.Name, first.TargetAMI, first.Name, n.TargetAMI, n.Name)
	}
	if first != nil {
		return first.TargetAMI, nil
	}
	for i := range nodes {
		if n := &nodes[i]; n.Action == ActionKeep && n.TargetAMI != "" {
			return n.TargetAMI, nil
		}
	}
	return gp.facts.TargetAMI, nil
}

// launchBlocker reports a group that would not launch its target image. Replacements come
// from the group's own launch template, launch configuration or node group release, so a
// rotation towards another image would only bring up new nodes on the image the group
// launches. Karpenter node pools launch each node from its own image and are not checked.
func (gp *groupPlan) launchBlocker() (Blocker, bool) {
	g := &gp.group
	launches := gp.facts.TargetAMI
	if gp.kind == KindKarpenter || g.Counts.Rotate == 0 || g.TargetAMI == "" || launches == "" || g.TargetAMI == launches {
		return Blocker{}, false
	}
	source := gp.facts.TargetSource
	if source == "" {
		source = "its launch configuration"
	}
	return Blocker{
		Kind:  BlockerLaunchImage,
		Group: g.Name,
		Message: fmt.Sprintf("group %s launches %s (%s), not the target %s, so its replacements would not run the target; publish %s in the group's launch template or node group first",
			g.Name, launches, source, g.TargetAMI, g.TargetAMI),
	}, true
}

// cut resolves the policy for the group, whose size counts all its nodes, cuts its nodes to
// rotate into batches and appends them to the plan, numbering them on from the plan's last.
// Control-plane groups go one node per batch without surge.
func (gp *groupPlan) cut(pol policyValues, size int, plan *Plan) error {
	g := &gp.group
	if gp.kind == KindControlPlane {
		g.Surge, g.Unavailable = 0, 1
	} else {
		surge, unavailable, err := pol.resolve(g.Name, size)
		if err != nil && g.Counts.Rotate > 0 {
			return err
		}
		g.Surge, g.Unavailable = surge, unavailable
	}
	rotate := make([]*Node, 0, g.Counts.Rotate)
	for i := range g.Nodes {
		if g.Nodes[i].Action == ActionRotate {
			rotate = append(rotate, &g.Nodes[i])
		}
	}
	for _, nodes := range cutBatches(rotate, g.Surge+g.Unavailable) {
		b := Batch{
			Index: len(plan.Batches),
			Group: g.Name,
			Surge: min(g.Surge, len(nodes)),
			Nodes: make([]string, len(nodes)),
			Zones: batchZones(nodes),
		}
		for i, n := range nodes {
			n.Batch = b.Index
			b.Nodes[i] = n.Name
		}
		plan.Batches = append(plan.Batches, b)
	}
	return nil
}

// blockers appends to dst what would stall the rotation of the group: a target it does not
// launch, a surge beyond its MaxSize, then per node to rotate, by name, what would stall its drain. batches are the
// plan's batches so far, the group's among them.
func (gp *groupPlan) blockers(dst []Blocker, batches []Batch, pdbs pdbIndex, deleteEmptyDirData bool) []Blocker {
	surge := 0
	for i := len(batches) - 1; i >= 0 && batches[i].Group == gp.group.Name; i-- {
		surge = max(surge, batches[i].Surge)
	}
	if b, ok := gp.launchBlocker(); ok {
		dst = append(dst, b)
	}
	if b, ok := capacityBlocker(&gp.group, surge); ok {
		dst = append(dst, b)
	}
	for i := range gp.group.Nodes {
		if gp.group.Nodes[i].Action == ActionRotate {
			dst = nodeBlockers(dst, gp.group.Name, gp.sources[i], gp.drains[i], pdbs, deleteEmptyDirData)
		}
	}
	return dst
}
