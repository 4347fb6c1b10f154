package tui

import (
	"strconv"

	"charm.land/lipgloss/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// detailLines draws the selected node's detail in h lines: where it stands, its pods and
// their eviction state as far as the events tell, and its recent events.
func (m *Model) detailLines(w, h int) []string {
	n := m.selected()
	if n == nil {
		return []string{"no node selected"}
	}
	s := &m.styles
	g := &m.board.groups[n.group]
	dot := "  " + s.g.dot + "  "

	where := "group " + orDash(g.name)
	if g.kind != "" {
		where += " (" + string(g.kind) + ")"
	}
	where += dot + "zone " + orDash(n.zone)
	if n.batch >= 0 {
		where += dot + "batch " + strconv.Itoa(n.batch+1) + "/" + strconv.Itoa(m.board.batches)
	}
	if n.instanceID != "" {
		where += dot + "instance " + n.instanceID
	}
	phase := "phase " + m.phaseText(n)
	if n.active() && !n.since.IsZero() {
		phase += " for " + plan.HumanDuration(m.now.Sub(n.since))
	}
	if n.total > 0 || n.evicted > 0 {
		phase += dot + strconv.Itoa(n.evicted) + "/" + strconv.Itoa(n.total) + " pods evicted"
	}
	lines := []string{
		s.section.Render(truncate("NODE "+n.name, w)),
		truncate(where, w),
		truncate("image "+orDash(n.oldImage)+" "+s.g.arrow+" "+orDash(n.newImage), w),
		m.rowStyle(n).Render(truncate(phase, w)),
	}
	if n.blocked() {
		lines = append(lines, s.blocked.Render(truncate("blocked: PodDisruptionBudget "+n.blockedPDB+" refuses the eviction of "+
			orDash(n.blockedPod)+" for "+plan.HumanDuration(m.now.Sub(n.blockedSince)), w)))
	}
	if n.skipRequested {
		lines = append(lines, s.note.Render("skip requested: waiting for the engine"))
	}
	if n.replacement != "" {
		lines = append(lines, truncate("replacement "+n.replacement, w))
	}
	if n.reason != "" {
		lines = append(lines, m.rowStyle(n).Render(truncate("reason: "+n.reason, w)))
	}

	// The rest is shared by pods and events; events get what pods leave, at least a third.
	pods := n.podList()
	events := n.events
	rest := h - len(lines) - 4 // a blank line and a title before each list
	podRoom := max(1, min(len(pods), rest-max(min(len(events), rest/3), 1)))
	eventRoom := max(0, rest-min(len(pods), podRoom))

	lines = append(lines, "", s.section.Render("PODS ("+strconv.Itoa(len(pods))+")"))
	if len(pods) == 0 {
		lines = append(lines, s.dim.Render("  no pod to evict is known"))
	}
	for i, p := range pods {
		if i == podRoom-1 && len(pods) > podRoom {
			lines = append(lines, s.dim.Render("  … and "+strconv.Itoa(len(pods)-i)+" more"))
			break
		}
		lines = append(lines, m.podLine(n, p, w))
	}
	lines = append(lines, "", s.section.Render("EVENTS"))
	if len(events) == 0 {
		lines = append(lines, s.dim.Render("  none yet"))
	}
	for _, e := range events[max(0, len(events)-eventRoom):] {
		lines = append(lines, m.eventStyle(e).Render(truncate("  "+m.describe(e), w)))
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return lines
}

// podLine draws one pod of a node with its eviction state.
func (m *Model) podLine(n *nodeState, pod string, w int) string {
	s := &m.styles
	st := n.podState(pod)
	var text string
	var style lipgloss.Style
	switch st.state {
	case podEvicted:
		text, style = s.g.done+" "+pod+"  evicted", s.done
	case podBlocked:
		text, style = s.g.blocked+" "+pod+"  eviction refused by PodDisruptionBudget "+st.pdb+
			" for "+plan.HumanDuration(m.now.Sub(st.blockedSince)), s.blocked
	default:
		state := "not evicted yet"
		switch n.phase {
		case exec.PhasePending, exec.PhaseSurging, exec.PhaseWaitingForReplacement, exec.PhaseCordoned:
			state = "waiting for the drain"
		}
		text, style = s.g.pending+" "+pod+"  "+state, s.pending
	}
	return style.Render(truncate("  "+text, w))
}

// dialogBox draws the open confirmation.
func (m *Model) dialogBox(w int) string {
	s := &m.styles
	abort := "Nothing new starts; nodes in flight are brought to a safe point (uncordoned if not drained) and group sizes are restored."
	var title, body, keys string
	switch m.dialog {
	case dialogSkip:
		name := m.board.nodes[m.dialogNode].name
		title = "Skip node " + name + "?"
		body = "It stays on its old image, uncordoned, and surplus capacity is returned."
		keys = "y: skip it  " + s.g.dot + "  n/esc: keep rotating it"
	case dialogAbort:
		title = "Abort the rotation?"
		body = abort
		keys = "y: abort  " + s.g.dot + "  n/esc: keep going"
	case dialogQuit:
		title = "The rotation is still running. Abort it and quit?"
		body = abort + " The summary shows once it is safe."
		keys = "y: abort  " + s.g.dot + "  n/esc: keep going"
	}
	inner := max(20, min(72, w-6))
	text := s.prompt.Render(title) + "\n\n" + lipgloss.NewStyle().Width(inner).Render(body) + "\n\n" + s.bold.Render(keys)
	return s.dialog.Width(inner + 4).Render(text)
}
