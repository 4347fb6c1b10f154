package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// updateKey handles a key on whichever screen shows.
func (m *Model) updateKey(k tea.KeyPressMsg) tea.Cmd {
	switch m.screen {
	case screenPlan:
		return m.updatePlanKey(k)
	case screenSummary:
		return tea.Quit
	}
	switch {
	case m.dialog != dialogNone:
		m.updateDialogKey(k)
		return nil
	case m.filtering:
		return m.updateFilterKey(k)
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.keepCursorVisible()
		return nil
	case m.detail && key.Matches(k, m.keys.Back):
		m.detail = false
		return nil
	case m.filter != "" && key.Matches(k, m.keys.ClearFilter):
		m.filter = ""
		m.rebuildRows()
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.moveCursor(-1)
	case key.Matches(k, m.keys.Down):
		m.moveCursor(1)
	case key.Matches(k, m.keys.PageUp):
		m.moveCursor(-m.tableHeight())
	case key.Matches(k, m.keys.PageDown):
		m.moveCursor(m.tableHeight())
	case key.Matches(k, m.keys.Top):
		m.moveCursor(-len(m.rows))
	case key.Matches(k, m.keys.Bottom):
		m.moveCursor(len(m.rows))
	case key.Matches(k, m.keys.Pause):
		m.togglePause()
	case key.Matches(k, m.keys.Skip):
		m.askSkip()
	case key.Matches(k, m.keys.Abort):
		m.ask(dialogAbort)
	case key.Matches(k, m.keys.Quit):
		m.ask(dialogQuit)
	case !m.detail && key.Matches(k, m.keys.Filter):
		m.filtering = true
	case !m.detail && key.Matches(k, m.keys.Detail):
		if m.selected() != nil {
			m.detail = true
		}
	}
	return nil
}

// updatePlanKey handles a key on the plan screen: confirm, cancel or scroll.
func (m *Model) updatePlanKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Start):
		if m.board.total() == 0 {
			m.setNote("nothing to rotate: q leaves")
			return nil
		}
		return m.begin()
	case key.Matches(k, m.keys.Cancel):
		return tea.Quit
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(k, m.keys.Up):
		m.planOffset--
	case key.Matches(k, m.keys.Down):
		m.planOffset++
	case key.Matches(k, m.keys.PageUp):
		m.planOffset -= m.planHeight()
	case key.Matches(k, m.keys.PageDown):
		m.planOffset += m.planHeight()
	case key.Matches(k, m.keys.Top):
		m.planOffset = 0
	case key.Matches(k, m.keys.Bottom):
		m.planOffset = len(m.planContent())
	}
	m.planOffset = max(0, min(m.planOffset, len(m.planContent())-m.planHeight()))
	return nil
}

// updateDialogKey answers the open confirmation.
func (m *Model) updateDialogKey(k tea.KeyPressMsg) {
	yes := key.Matches(k, m.keys.Yes) || (m.dialog == dialogQuit && k.String() == "ctrl+c")
	if !yes {
		if key.Matches(k, m.keys.No) {
			m.dialog = dialogNone
		}
		return
	}
	d := m.dialog
	m.dialog = dialogNone
	switch d {
	case dialogSkip:
		n := &m.board.nodes[m.dialogNode]
		if n.phase.Terminal() {
			m.setNote(n.name + " is already " + string(n.phase))
			return
		}
		n.skipRequested = true
		m.send(exec.Control{Type: exec.ControlSkip, Node: n.name})
		m.setNote("skip of " + n.name + " requested")
	case dialogAbort, dialogQuit:
		m.requestAbort()
	}
}

// updateFilterKey edits the filter as it is typed; enter keeps it, esc clears it.
func (m *Model) updateFilterKey(k tea.KeyPressMsg) tea.Cmd {
	before := m.filter
	switch {
	case key.Matches(k, m.keys.ApplyFilter):
		m.filtering = false
	case key.Matches(k, m.keys.ClearFilter):
		m.filtering = false
		m.filter = ""
	case k.Code == tea.KeyBackspace:
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	case k.String() == "ctrl+u":
		m.filter = ""
	case k.Text != "" && k.Mod&^tea.ModShift == 0:
		m.filter += k.Text
	}
	if m.filter != before {
		m.rebuildRows()
	}
	return nil
}

// togglePause asks the engine to pause, or to resume, and shows the request as pending until
// the engine's event confirms it.
func (m *Model) togglePause() {
	if m.abortRequested {
		m.setNote("aborting: pause is not available")
		return
	}
	switch m.pause {
	case pauseNone, pauseResumeRequested:
		m.pause = pauseRequested
		m.send(exec.Control{Type: exec.ControlPause})
	case pauseRequested, pausePaused:
		m.pause = pauseResumeRequested
		m.send(exec.Control{Type: exec.ControlResume})
	}
}

// requestAbort sends the abort and shows it as pending until the engine reports it.
func (m *Model) requestAbort() {
	m.abortRequested = true
	m.send(exec.Control{Type: exec.ControlAbort})
}

// askSkip asks to confirm skipping the selected node, if it can still be skipped.
func (m *Model) askSkip() {
	n := m.selected()
	switch {
	case n == nil:
		m.setNote("no node selected")
	case n.phase.Terminal():
		m.setNote(n.name + " is already " + string(n.phase))
	case n.skipRequested:
		m.setNote("skip of " + n.name + " already requested")
	case m.abortRequested:
		m.setNote("aborting: every node in flight is brought to a safe point")
	default:
		m.dialogNode = m.rows[m.cursor].node
		m.dialog = dialogSkip
	}
}

// ask opens the abort or quit confirmation, unless an abort is already under way.
func (m *Model) ask(d dialog) {
	if m.abortRequested {
		m.setNote("abort under way: the summary shows once nodes in flight are safe")
		return
	}
	m.dialog = d
}

// selected returns the node under the cursor, or nil.
func (m *Model) selected() *nodeState {
	if m.cursor < 0 || m.cursor >= len(m.rows) || m.rows[m.cursor].node < 0 {
		return nil
	}
	return &m.board.nodes[m.rows[m.cursor].node]
}

// moveCursor moves the selection by delta rows, landing on a node row, not a group header.
func (m *Model) moveCursor(delta int) {
	if len(m.rows) == 0 {
		return
	}
	target := max(0, min(len(m.rows)-1, m.cursor+delta))
	step := 1
	if delta < 0 {
		step = -1
	}
	c := m.firstNodeRow(target, step)
	if c < 0 {
		c = m.firstNodeRow(target, -step)
	}
	if c >= 0 {
		m.cursor = c
	}
	m.keepCursorVisible()
}

// firstNodeRow returns the first node row from i going in direction step, or -1.
func (m *Model) firstNodeRow(i, step int) int {
	for ; i >= 0 && i < len(m.rows); i += step {
		if m.rows[i].node >= 0 {
			return i
		}
	}
	return -1
}

// keepCursorVisible scrolls the table so the selected row shows, with its group header when
// it is the group's first node.
func (m *Model) keepCursorVisible() {
	h := m.tableHeight()
	if h <= 0 {
		return
	}
	top := m.cursor
	if top > 0 && m.rows[top-1].node < 0 {
		top--
	}
	if top < m.offset {
		m.offset = top
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.rows)-h))
}

// rebuildRows lays out the table for the current filter, keeping the selected node selected
// when it still shows.
func (m *Model) rebuildRows() {
	selected := -1
	if n := m.selected(); n != nil {
		selected = m.rows[m.cursor].node
	}
	q := strings.ToLower(strings.TrimSpace(m.filter))
	m.rows = m.rows[:0]
	for gi := range m.board.groups {
		g := &m.board.groups[gi]
		header := false
		for _, ni := range g.nodes {
			if q != "" && !m.board.nodes[ni].matches(q, g.name) {
				continue
			}
			if !header {
				m.rows = append(m.rows, row{group: gi, node: -1})
				header = true
			}
			m.rows = append(m.rows, row{group: gi, node: ni})
		}
	}
	m.rowsVersion = m.board.version
	m.cursor = m.firstNodeRow(0, 1)
	for i, r := range m.rows {
		if r.node == selected && selected >= 0 {
			m.cursor = i
			break
		}
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	m.keepCursorVisible()
}

// matches reports whether a node matches a lower-case filter: by name, group, zone, phase, or
// "blocked" and the PDB name while a PDB blocks it.
func (n *nodeState) matches(q, group string) bool {
	if strings.Contains(n.name, q) || strings.Contains(strings.ToLower(group), q) ||
		strings.Contains(n.zone, q) || strings.Contains(string(n.phase), q) {
		return true
	}
	if n.blocked() && (strings.Contains("blocked", q) || strings.Contains(n.blockedPDB, q)) {
		return true
	}
	return n.skipRequested && strings.Contains("skip requested", q)
}
