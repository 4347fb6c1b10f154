package tui

import (
	"slices"
	"strings"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// Bounds of what the board remembers.
const (
	nodeEventsKept = 24  // events kept per node for its detail view
	logEventsKept  = 200 // events kept for the log pane
)

// podEviction is what the events tell of one pod of a draining node.
type podEviction int

// The eviction states of a pod, as far as events tell.
const (
	podUnknown podEviction = iota // not evicted as far as the events tell
	podBlocked                    // an eviction was refused by a PodDisruptionBudget
	podEvicted                    // evicted
)

// podState is one pod of a node and its eviction state.
type podState struct {
	state        podEviction
	pdb          string
	blockedSince time.Time
}

// nodeState is what the dashboard knows of one node being rotated.
type nodeState struct {
	name       string
	group      int
	zone       string
	instanceID string
	oldImage   string
	newImage   string
	batch      int
	phase      exec.Phase
	since      time.Time // when the current phase began
	evicted    int
	total      int
	// blockedPod and blockedPDB name the eviction a PDB refuses; blockedSince is when the
	// refusals began. They are cleared when the drain makes progress or the phase changes.
	blockedPod   string
	blockedPDB   string
	blockedSince time.Time
	replacement  string
	reason       string
	// skipRequested is set when the operator asked to skip the node and it is not skipped yet.
	skipRequested bool
	// planPods are the pods the plan expects the drain to evict; pods adds those events named
	// and holds the state of every pod an event told something about.
	planPods  []string
	extraPods []string
	pods      map[string]podState
	events    []exec.Event
}

// active reports whether the node is somewhere between pending and a terminal phase.
func (n *nodeState) active() bool {
	return n.phase != exec.PhasePending && !n.phase.Terminal()
}

// blocked reports whether an eviction on the node is refused by a PDB right now.
func (n *nodeState) blocked() bool {
	return n.blockedPDB != "" && n.phase == exec.PhaseDraining
}

// groupState is one node group of the table.
type groupState struct {
	name     string
	kind     plan.Kind
	oldImage string // the nodes' common current image, "mixed" when they differ
	newImage string
	nodes    []int
	finished int // nodes in a terminal phase
}

// board is what the dashboard knows of the rotation: every node to rotate, by group, with
// counters kept up to date as events arrive so that a frame never walks all the nodes.
type board struct {
	nodes   []nodeState
	byName  map[string]int
	groups  []groupState
	byGroup map[string]int
	batches int
	// version changes when nodes or groups are added, so the table knows to rebuild its rows.
	version int

	done, skipped, failed, active int

	// suffix is the domain every node name ends in, such as ".eu-west-1.compute.internal";
	// the table leaves it out.
	suffix string
	// Widest values, for column widths; nameWidth leaves the suffix out.
	nameWidth, zoneWidth, imageWidth int

	log []exec.Event
}

// newBoard lays out the nodes the plan rotates, by group, all pending.
func newBoard(p *plan.Plan) *board {
	b := &board{byName: map[string]int{}, byGroup: map[string]int{}}
	if p == nil {
		return b
	}
	b.batches = len(p.Batches)
	for _, g := range p.Groups {
		gi := b.group(g.Name, g.Kind, g.TargetAMI)
		for _, n := range g.Nodes {
			if n.Action != plan.ActionRotate {
				continue
			}
			b.addNode(nodeState{
				name: n.Name, group: gi, zone: n.Zone, instanceID: n.InstanceID,
				oldImage: n.CurrentAMI, newImage: n.TargetAMI, batch: n.Batch,
				phase: exec.PhasePending, planPods: n.Evictions,
			})
		}
	}
	return b
}

// group returns the index of the named group, adding it if it is new.
func (b *board) group(name string, kind plan.Kind, target string) int {
	if gi, ok := b.byGroup[name]; ok {
		return gi
	}
	b.groups = append(b.groups, groupState{name: name, kind: kind, newImage: target})
	b.byGroup[name] = len(b.groups) - 1
	b.version++
	return len(b.groups) - 1
}

// addNode appends n to the board and to its group.
func (b *board) addNode(n nodeState) int {
	i := len(b.nodes)
	b.nodes = append(b.nodes, n)
	b.byName[n.name] = i
	g := &b.groups[n.group]
	g.nodes = append(g.nodes, i)
	switch {
	case len(g.nodes) == 1:
		g.oldImage = n.oldImage
	case g.oldImage != n.oldImage:
		g.oldImage = "mixed"
	}
	b.commonSuffix(n.name)
	b.zoneWidth = max(b.zoneWidth, len(n.zone))
	b.imageWidth = max(b.imageWidth, len(n.oldImage), len(n.newImage))
	b.count(n.phase, n.group, 1)
	b.version++
	return i
}

// commonSuffix narrows the suffix shared by every node name to one name more, and keeps
// nameWidth up to date.
func (b *board) commonSuffix(name string) {
	dot := strings.IndexByte(name, '.')
	switch {
	case len(b.nodes) == 1 && dot > 0:
		b.suffix = name[dot:]
	case b.suffix != "" && !strings.HasSuffix(name, b.suffix):
		// Keep the longest domain suffix both share; every name is measured again.
		s := b.suffix
		for s != "" && !strings.HasSuffix(name, s) {
			i := strings.IndexByte(s[1:], '.')
			if i < 0 {
				s = ""
				break
			}
			s = s[i+1:]
		}
		b.suffix = s
		b.nameWidth = 0
		for i := range b.nodes[:len(b.nodes)-1] {
			b.nameWidth = max(b.nameWidth, len(b.short(b.nodes[i].name)))
		}
	}
	b.nameWidth = max(b.nameWidth, len(b.short(name)))
}

// short is a node name without the suffix every node name shares.
func (b *board) short(name string) string {
	if s := strings.TrimSuffix(name, b.suffix); s != "" {
		return s
	}
	return name
}

// total is the number of nodes to rotate.
func (b *board) total() int { return len(b.nodes) }

// finished is the number of nodes in a terminal phase.
func (b *board) finished() int { return b.done + b.skipped + b.failed }

// count adds d to the counters of phase in group gi.
func (b *board) count(phase exec.Phase, gi, d int) {
	switch phase {
	case exec.PhaseDone:
		b.done += d
	case exec.PhaseSkipped:
		b.skipped += d
	case exec.PhaseFailed:
		b.failed += d
	case exec.PhasePending:
	default:
		b.active += d
	}
	if phase.Terminal() {
		b.groups[gi].finished += d
	}
}

// node returns the node an event concerns, adding it when the plan did not know it.
func (b *board) node(e exec.Event) *nodeState {
	if e.Node == "" {
		return nil
	}
	if i, ok := b.byName[e.Node]; ok {
		return &b.nodes[i]
	}
	gi := b.group(e.Group, "", "")
	i := b.addNode(nodeState{name: e.Node, group: gi, batch: e.Batch, phase: exec.PhasePending})
	return &b.nodes[i]
}

// apply records one event.
func (b *board) apply(e exec.Event) {
	b.remember(e)
	switch e.Type {
	case exec.EventNodePhase:
		n := b.node(e)
		if n == nil || e.Phase == "" {
			return
		}
		n.record(e)
		if n.phase != e.Phase {
			b.count(n.phase, n.group, -1)
			b.count(e.Phase, n.group, 1)
			n.phase, n.since = e.Phase, e.Time
		}
		if e.Phase != exec.PhaseDraining {
			n.blockedPod, n.blockedPDB = "", ""
		}
		if e.Phase.Terminal() {
			n.skipRequested = false
			n.reason = e.Message
		}
	case exec.EventDrainProgress:
		if n := b.node(e); n != nil {
			n.record(e)
			n.drained(e)
		}
	case exec.EventEvictionBlocked:
		if n := b.node(e); n != nil {
			n.record(e)
			n.blockedPod, n.blockedPDB = e.Pod, e.PDB
			n.blockedSince = e.Time.Add(-e.BlockedFor)
			if e.Pod != "" {
				n.setPod(e.Pod, podState{state: podBlocked, pdb: e.PDB, blockedSince: n.blockedSince})
			}
		}
	case exec.EventReplacement:
		b.replacement(e)
	default:
		if n := b.node(e); n != nil {
			n.record(e)
		}
	}
}

// drained records a drain-progress event: counts, and the pod it names as evicted.
func (n *nodeState) drained(e exec.Event) {
	if e.Evicted > n.evicted {
		// Progress: whatever was blocked may have gone; a new refusal says so again.
		n.blockedPod, n.blockedPDB = "", ""
	}
	n.evicted, n.total = e.Evicted, e.Total
	if e.Pod != "" {
		n.setPod(e.Pod, podState{state: podEvicted})
		if e.Pod == n.blockedPod {
			n.blockedPod, n.blockedPDB = "", ""
		}
	}
}

// replacement records a new node that joined for a batch: on the node the event names, or
// else on the first node of the batch that has no replacement yet.
func (b *board) replacement(e exec.Event) {
	if n := b.node(e); n != nil {
		n.record(e)
		n.replacement = e.Replacement
		return
	}
	gi, ok := b.byGroup[e.Group]
	if !ok {
		return
	}
	for _, i := range b.groups[gi].nodes {
		n := &b.nodes[i]
		if n.batch == e.Batch && n.replacement == "" {
			n.record(e)
			n.replacement = e.Replacement
			return
		}
	}
}

// setPod records the state of one pod.
func (n *nodeState) setPod(pod string, s podState) {
	if n.pods == nil {
		n.pods = map[string]podState{}
	}
	if _, known := n.pods[pod]; !known && !slices.Contains(n.planPods, pod) {
		n.extraPods = append(n.extraPods, pod)
	}
	n.pods[pod] = s
}

// podList returns the node's pods: those the plan expected, then those only events named.
func (n *nodeState) podList() []string {
	out := make([]string, 0, len(n.planPods)+len(n.extraPods))
	out = append(out, n.planPods...)
	return append(out, n.extraPods...)
}

// podState returns what is known of one pod: once the drain is complete, every pod is evicted.
func (n *nodeState) podState(pod string) podState {
	s := n.pods[pod]
	if s.state != podEvicted && n.drainComplete() {
		return podState{state: podEvicted}
	}
	return s
}

// drainComplete reports whether every pod of the node has been evicted.
func (n *nodeState) drainComplete() bool {
	switch n.phase {
	case exec.PhaseTerminating, exec.PhaseDone:
		return true
	}
	return n.total > 0 && n.evicted >= n.total
}

// record keeps e among the node's recent events (see keepRecent).
func (n *nodeState) record(e exec.Event) {
	n.events = keepRecent(n.events, e, nodeEventsKept)
}

// remember keeps e for the log pane (see keepRecent).
func (b *board) remember(e exec.Event) {
	b.log = keepRecent(b.log, e, logEventsKept)
}

// coalesceLookback is how far back keepRecent looks for an event that a new one updates.
const coalesceLookback = 8

// keepRecent appends e to events, keeping at most limit. An event that only updates a recent
// one (more progress of the same drain, the same eviction refused again) replaces it, so that
// long drains, even several at once, do not push the rest of the story out.
func keepRecent(events []exec.Event, e exec.Event, limit int) []exec.Event {
	for i := len(events) - 1; i >= 0 && i >= len(events)-coalesceLookback; i-- {
		if updates(events[i], e) {
			copy(events[i:], events[i+1:])
			events[len(events)-1] = e
			return events
		}
	}
	if len(events) >= limit {
		copy(events, events[len(events)-limit+1:])
		events = events[:limit-1]
	}
	return append(events, e)
}

// updates reports whether next only updates prev: more progress of the same drain, or the
// same eviction refused again.
func updates(prev, next exec.Event) bool {
	if prev.Type != next.Type || prev.Node != next.Node {
		return false
	}
	switch next.Type {
	case exec.EventDrainProgress:
		return true
	case exec.EventEvictionBlocked:
		return prev.Pod == next.Pod && prev.PDB == next.PDB
	}
	return false
}
