package tui

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/eventlog"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// headerHeight is the number of lines of the live screen's header.
const headerHeight = 4

// View draws the current screen on the alternate screen.
func (m *Model) View() tea.View {
	var content string
	switch m.screen {
	case screenPlan:
		content = m.planView()
	case screenSummary:
		content = m.summaryView()
	default:
		content = m.runView()
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = "kubectl rotate"
	return v
}

// logHeight is the number of event lines of the log pane; none on a short terminal.
func (m *Model) logHeight() int {
	if m.height < 20 {
		return 0
	}
	return min(8, (m.height-12)/3)
}

// footerHeight is the number of lines of the key help.
func (m *Model) footerHeight() int {
	if m.filtering || m.dialog != dialogNone || !m.help.ShowAll {
		return 1
	}
	h := 1
	for _, col := range m.currentHelp().full {
		h = max(h, len(col))
	}
	return h
}

// bodyHeight is the number of lines between the header and the footer.
func (m *Model) bodyHeight() int {
	return max(0, m.height-headerHeight-m.footerHeight())
}

// tableHeight is the number of table rows that fit.
func (m *Model) tableHeight() int {
	h := m.bodyHeight() - 2 // the table's title and column headers
	if l := m.logHeight(); l > 0 {
		h -= l + 1
	}
	return max(1, h)
}

// currentHelp returns the key help for what shows, with pause's label saying what it does.
func (m *Model) currentHelp() bindings {
	keys := m.keys
	if m.pause == pausePaused || m.pause == pauseRequested {
		keys.Pause.SetHelp("p", "resume")
	}
	switch {
	case m.screen == screenPlan:
		return keys.planHelp()
	case m.dialog != dialogNone:
		return keys.dialogHelp()
	case m.filtering:
		return keys.filterHelp()
	case m.detail:
		return keys.detailHelp()
	}
	return keys.runHelp()
}

// runView draws the live screen: header, table or node detail, log pane, footer, and the
// open confirmation on top.
func (m *Model) runView() string {
	w := m.width
	body := m.bodyHeight()
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header(w)...)
	if m.detail {
		lines = append(lines, m.detailLines(w, body)...)
	} else {
		lines = append(lines, m.tableLines(w)...)
		lines = append(lines, m.logLines(w)...)
	}
	for len(lines) < headerHeight+body {
		lines = append(lines, "")
	}
	lines = append(lines[:headerHeight+body], m.footer(w))
	if m.dialog != dialogNone {
		overlay(lines, m.dialogBox(w), headerHeight, w)
	}
	return strings.Join(lines, "\n")
}

// header draws the four header lines: who and what, policy and batch, progress, status.
func (m *Model) header(w int) []string {
	s := &m.styles
	badgeText, badgeStyle := m.badge()
	if s.bracketBadges {
		badgeText = "[" + badgeText + "]"
	}
	badge := badgeStyle.Render(badgeText)
	left := s.title.Render("kubectl rotate") + "  context " + s.bold.Render(orDash(m.cfg.Context)) +
		"  target " + s.bold.Render(orDash(m.cfg.Target))
	left = truncate(left, max(0, w-textWidth(badge)-1))
	first := left + strings.Repeat(" ", max(1, w-textWidth(left)-textWidth(badge))) + badge

	timing := "elapsed " + plan.HumanDuration(m.now.Sub(m.runStart)) + "  " + s.g.dot + "  ETA " + m.eta(m.now.Sub(m.runStart))
	if m.board.batches > 0 {
		timing = "batch " + strconv.Itoa(max(0, m.batch+1)) + "/" + strconv.Itoa(m.board.batches) + "  " + s.g.dot + "  " + timing
	}
	second := truncate("policy "+orDash(m.cfg.Policy), max(0, w-textWidth(timing)-2))
	second += strings.Repeat(" ", max(2, w-textWidth(second)-textWidth(timing))) + timing
	return []string{first, truncate(second, w), m.progressLine(w), m.statusLine(w)}
}

// badge is the run's state in a word or two, and its style.
func (m *Model) badge() (string, lipgloss.Style) {
	s := &m.styles
	switch {
	case m.finished && m.summary.Aborted:
		return "ABORTED", s.badgeStop
	case m.finished:
		return "FINISHED", s.badge
	case m.aborting:
		return "ABORTING", s.badgeStop
	case m.abortRequested:
		return "ABORT REQUESTED", s.badgeStop
	case m.pause == pausePaused:
		return "PAUSED", s.badgeWarn
	case m.pause == pauseRequested:
		return "PAUSE REQUESTED", s.badgeWarn
	case m.pause == pauseResumeRequested:
		return "RESUME REQUESTED", s.badgeWarn
	case len(m.board.log) == 0:
		return "STARTING", s.badge
	}
	return "RUNNING", s.badge
}

// progressLine draws the overall progress bar and counts, elapsed time and ETA.
func (m *Model) progressLine(w int) string {
	s := &m.styles
	b := m.board
	total, finished := b.total(), b.finished()
	barWidth, sep, finishedWord := max(10, min(30, w/4)), "  "+s.g.dot+"  ", " nodes finished"
	if w < narrowWidth {
		barWidth, sep, finishedWord = max(5, w/6), " "+s.g.dot+" ", " finished"
	}
	filled := 0
	if total > 0 {
		filled = finished * barWidth / total
	}
	bar := s.barFull.Render(strings.Repeat(string(s.g.barFull), filled)) +
		s.barEmpty.Render(strings.Repeat(string(s.g.barEmpty), barWidth-filled))
	failed := strconv.Itoa(b.failed) + " failed"
	if b.failed > 0 {
		failed = s.failed.Render(failed)
	}
	text := " " + strconv.Itoa(finished) + "/" + strconv.Itoa(total) + finishedWord + sep +
		strconv.Itoa(b.done) + " rotated" + sep + strconv.Itoa(b.skipped) + " skipped" + sep + failed +
		sep + strconv.Itoa(b.active) + " in flight"
	return truncate(bar+text, w)
}

// eta estimates the time left: from the pace so far once a node has finished, else from the
// plan's estimate.
func (m *Model) eta(elapsed time.Duration) string {
	b := m.board
	total, finished := b.total(), b.finished()
	switch {
	case total == 0 || finished >= total:
		return "0s"
	case m.pause == pausePaused:
		return "paused"
	case finished > 0 && elapsed > 0:
		return "~" + plan.HumanDuration(elapsed/time.Duration(finished)*time.Duration(total-finished))
	case m.cfg.Plan != nil && time.Duration(m.cfg.Plan.Estimate) > elapsed:
		return "~" + plan.HumanDuration(time.Duration(m.cfg.Plan.Estimate)-elapsed)
	}
	return "unknown"
}

// statusLine says what a pending request waits for, and shows notes.
func (m *Model) statusLine(w int) string {
	var parts []string
	switch {
	case m.aborting:
		parts = append(parts, "Aborting: nodes in flight are brought to a safe point and group sizes restored; the summary follows.")
	case m.abortRequested:
		parts = append(parts, "Abort requested: waiting for the engine to stop at a safe point.")
	case m.pause == pauseRequested:
		detail := "the steps in flight finish, then nothing new starts"
		if m.pauseDetail != "" {
			detail = m.pauseDetail
		}
		parts = append(parts, "Pause requested: "+detail+".")
	case m.pause == pausePaused:
		parts = append(parts, "Paused at a safe point: nothing is in flight. p resumes.")
	case m.pause == pauseResumeRequested:
		parts = append(parts, "Resume requested: waiting for the engine.")
	}
	if len(m.outbox) > 0 {
		names := make([]string, len(m.outbox))
		for i, c := range m.outbox {
			names[i] = string(c.Type)
		}
		parts = append(parts, "engine busy, will send: "+strings.Join(names, ", "))
	}
	if n := m.currentNote(); n != "" {
		parts = append(parts, n)
	}
	if len(parts) == 0 {
		return ""
	}
	return m.styles.note.Render(truncate(strings.Join(parts, "  "+m.styles.g.dot+"  "), w))
}

// tableLines draws the table's title, column headers and the rows that fit.
func (m *Model) tableLines(w int) []string {
	s := &m.styles
	h := m.tableHeight()
	title := "NODES  " + strconv.Itoa(m.board.total()) + " to rotate in " + plural(len(m.board.groups), "group")
	if m.board.suffix != "" {
		title += " (names end in " + m.board.suffix + ")"
	}
	if m.filter != "" {
		title += "  " + s.g.dot + "  filter \"" + m.filter + "\": " + strconv.Itoa(len(m.rows)-m.groupRows()) + " shown"
		if !m.filtering {
			title += " (/ edits, esc clears)"
		}
	}
	start := m.visibleStart(h)
	if len(m.rows) > h {
		title += "  " + s.g.dot + "  rows " + strconv.Itoa(start+1) + "-" + strconv.Itoa(min(len(m.rows), start+h)) + " of " + strconv.Itoa(len(m.rows))
	}
	cells := m.columns(w)
	var hb strings.Builder
	writeHeader(&hb, cells)
	lines := make([]string, 0, h+2)
	lines = append(lines, s.section.Render(truncate(title, w)), s.dim.Render(truncate(hb.String(), w)))
	if len(m.rows) == 0 {
		if m.filter != "" {
			return append(lines, "  no node matches the filter")
		}
		return append(lines, "  no node to rotate")
	}
	for i := start; i < len(m.rows) && i < start+h; i++ {
		r := m.rows[i]
		if r.node < 0 {
			lines = append(lines, m.groupRow(&m.board.groups[r.group], w))
			continue
		}
		lines = append(lines, m.nodeRow(&m.board.nodes[r.node], cells, i == m.cursor, w))
	}
	for len(lines) < h+2 {
		lines = append(lines, "")
	}
	return lines
}

// visibleStart is the first row to draw so that the selected row shows.
func (m *Model) visibleStart(h int) int {
	start := m.offset
	if m.cursor >= start+h {
		start = m.cursor - h + 1
	}
	if m.cursor < start {
		start = m.cursor
	}
	return max(0, min(start, len(m.rows)-h))
}

// groupRows counts the group headers among the rows.
func (m *Model) groupRows() int {
	n := 0
	for _, r := range m.rows {
		if r.node < 0 {
			n++
		}
	}
	return n
}

// logLines draws the log pane: the most recent events, newest last.
func (m *Model) logLines(w int) []string {
	l := m.logHeight()
	if l == 0 {
		return nil
	}
	s := &m.styles
	lines := make([]string, 0, l+1)
	lines = append(lines, s.section.Render("EVENTS"))
	log := m.board.log[max(0, len(m.board.log)-l):]
	for _, e := range log {
		lines = append(lines, m.eventStyle(e).Render(truncate(m.describe(e), w)))
	}
	return lines
}

// describe renders an event as a log line.
func (m *Model) describe(e exec.Event) string {
	var b strings.Builder
	b.WriteString(e.Time.Format(time.TimeOnly))
	b.WriteString(" ")
	if e.Batch >= 0 && m.board.batches > 0 {
		b.WriteString("[batch " + strconv.Itoa(e.Batch+1) + "/" + strconv.Itoa(m.board.batches) + "] ")
	}
	desc := eventlog.Describe(e)
	switch e.Type {
	case exec.EventPauseRequested, exec.EventPaused, exec.EventResumed, exec.EventAborting:
		if e.Message != "" {
			desc = e.Message // the engine's own sentence says it all
		}
	}
	if m.board.suffix != "" {
		desc = strings.ReplaceAll(desc, m.board.suffix, "")
	}
	b.WriteString(desc)
	return b.String()
}

// eventStyle colors a log line by what it tells.
func (m *Model) eventStyle(e exec.Event) lipgloss.Style {
	s := &m.styles
	switch {
	case e.Type == exec.EventWarning:
		return s.note
	case e.Type == exec.EventEvictionBlocked:
		return s.blocked
	case e.Type == exec.EventNodePhase && e.Phase == exec.PhaseFailed,
		e.Type == exec.EventAborting:
		return s.failed
	case e.Type == exec.EventNodePhase && e.Phase == exec.PhaseDone:
		return s.done
	case e.Type == exec.EventNodePhase && e.Phase == exec.PhaseSkipped:
		return s.skipped
	}
	return s.pending
}

// footer draws the key help, or the filter being typed.
func (m *Model) footer(w int) string {
	h := m.help
	h.SetWidth(w)
	if m.filtering {
		input := "/" + m.filter + m.styles.g.caret + "  "
		h.SetWidth(max(0, w-textWidth(input)))
		return m.styles.prompt.Render(input) + h.ShortHelpView(m.currentHelp().short)
	}
	return h.View(m.currentHelp())
}

// overlay replaces lines from top with box, centered, so that a question stands out.
func overlay(lines []string, box string, top, w int) {
	boxLines := strings.Split(box, "\n")
	start := top + max(0, (len(lines)-top-len(boxLines))/2)
	for i, bl := range boxLines {
		if start+i >= len(lines) {
			return
		}
		pad := max(0, (w-textWidth(bl))/2)
		lines[start+i] = strings.Repeat(" ", pad) + bl
	}
}
