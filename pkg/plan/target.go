package plan

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// ImageStateAvailable is the EC2 state of an image instances can launch from.
const ImageStateAvailable = "available"

// Sources of a node's target image, as Group.TargetSource shows them.
const (
	// SourceExplicit is the source of an image the user named with --ami ami-....
	SourceExplicit = "--ami"
	// SourceLatest is the source of images resolved per node for --ami latest.
	SourceLatest = "--ami latest"
)

// targetSource says where a node's target image comes from.
type targetSource int

const (
	sourceDrift    targetSource = iota // the group's launch template or release
	sourceExplicit                     // --ami ami-...
	sourcePerNode                      // --ami latest, resolved per node
)

// nodeTarget returns the image n should end on and where that choice comes from.
func nodeTarget(t *Target, n *NodeFacts, g *GroupFacts) (string, targetSource) {
	if t.AMI != "" {
		return t.AMI, sourceExplicit
	}
	if ami := t.PerNode[n.Name]; ami != "" {
		return ami, sourcePerNode
	}
	return g.TargetAMI, sourceDrift
}

// validateImages checks the explicit image and the per-node images against the facts: the
// explicit image must exist and be available, and no image may have another architecture
// than a selected node it is meant for.
func validateImages(f *Facts, t *Target, nodes []*NodeFacts) error {
	if t.AMI != "" {
		img, ok := f.Images[t.AMI]
		if !ok {
			return fmt.Errorf("image %s was not found in this region; check the ID and --region", t.AMI)
		}
		if img.State != ImageStateAvailable {
			return fmt.Errorf("image %s is %s, not %s; pick an available image",
				t.AMI, stateName(img.State), ImageStateAvailable)
		}
		if m, ok := archMismatch(img.Architecture, nodes); ok {
			return fmt.Errorf("image %s is %s but %s (e.g. %s); pick an %s image or narrow the selection with --nodegroup",
				t.AMI, img.Architecture, m.phrase(), m.example, m.arch)
		}
		return nil
	}
	if len(t.PerNode) == 0 {
		return nil
	}
	byImage := make(map[string][]*NodeFacts)
	for _, n := range nodes {
		if ami := t.PerNode[n.Name]; ami != "" {
			byImage[ami] = append(byImage[ami], n)
		}
	}
	images := make([]string, 0, len(byImage))
	for ami := range byImage {
		images = append(images, ami)
	}
	slices.Sort(images)
	for _, ami := range images {
		img, ok := f.Images[ami]
		if !ok {
			continue
		}
		if img.State != "" && img.State != ImageStateAvailable {
			return fmt.Errorf("image %s that %s resolved for node %s is %s, not %s; pass an explicit image with --ami",
				ami, SourceLatest, firstName(byImage[ami]), img.State, ImageStateAvailable)
		}
		if m, ok := archMismatch(img.Architecture, byImage[ami]); ok {
			return fmt.Errorf("image %s that %s resolved is %s but %s (e.g. %s); pass an explicit %s image with --ami or narrow the selection with --nodegroup",
				ami, SourceLatest, img.Architecture, m.phrase(), m.example, m.arch)
		}
	}
	return nil
}

// stateName names an image state in a message.
func stateName(state string) string {
	if state == "" {
		return "in an unknown state"
	}
	return state
}

// firstName returns the smallest node name of nodes.
func firstName(nodes []*NodeFacts) string {
	name := nodes[0].Name
	for _, n := range nodes[1:] {
		name = min(name, n.Name)
	}
	return name
}

// mismatch describes the selected nodes whose architecture differs from an image's.
type mismatch struct {
	arch    string
	count   int
	example string
}

// phrase writes "12 selected nodes are amd64" or "1 selected node is amd64".
func (m mismatch) phrase() string {
	if m.count == 1 {
		return "1 selected node is " + m.arch
	}
	return fmt.Sprintf("%d selected nodes are %s", m.count, m.arch)
}

// archMismatch finds the most common architecture among nodes that differs from arch, with
// how many nodes have it and the first of them by name. Unknown architectures match.
func archMismatch(arch string, nodes []*NodeFacts) (mismatch, bool) {
	if arch == "" {
		return mismatch{}, false
	}
	byArch := make(map[string]*mismatch)
	for _, n := range nodes {
		if n.Architecture == "" || n.Architecture == arch {
			continue
		}
		m := byArch[n.Architecture]
		if m == nil {
			m = &mismatch{arch: n.Architecture, example: n.Name}
			byArch[n.Architecture] = m
		}
		m.count++
		m.example = min(m.example, n.Name)
	}
	var worst *mismatch
	for _, m := range byArch {
		if worst == nil || m.count > worst.count || (m.count == worst.count && m.arch < worst.arch) {
			worst = m
		}
	}
	if worst == nil {
		return mismatch{}, false
	}
	return *worst, true
}

// decideAction says what the rotation does to node n of a group of the given kind, given its
// target image, where that came from, and its age.
func decideAction(n *NodeFacts, g *GroupFacts, kind Kind, target string, src targetSource,
	olderThan, age time.Duration) (Action, string) {
	if kind == KindKarpenter && src == sourceDrift {
		return ActionSkip, "Karpenter replaces drifted nodes itself; pass --ami to force a rotation"
	}
	if target == "" {
		if g.TargetSource != "" {
			return ActionSkip, "group has no target image (" + g.TargetSource + "); pass --ami"
		}
		return ActionSkip, "group has no target image; pass --ami"
	}
	if n.CurrentAMI != target {
		return ActionRotate, cmp.Or(n.CurrentAMI, "unknown image") + " -> " + target
	}
	if olderThan > 0 && age > olderThan {
		return ActionRotate, "age " + HumanDuration(age) + " exceeds --older-than " + HumanDuration(olderThan)
	}
	return ActionKeep, "already on target image"
}

// nodeAge is how old n was at now; 0 when its creation time is unknown.
func nodeAge(n *NodeFacts, now time.Time) time.Duration {
	if n.Created.IsZero() || now.Before(n.Created) {
		return 0
	}
	return now.Sub(n.Created)
}
