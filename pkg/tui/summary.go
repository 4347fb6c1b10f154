package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// maxListedNodes bounds the failed and skipped nodes the summary names.
const maxListedNodes = 10

// summaryTitle says how the run ended.
func (m *Model) summaryTitle() string {
	s := m.summary
	switch {
	case !m.finished:
		return "The dashboard closed while the rotation was running"
	case s.Aborted:
		return "Rotation aborted"
	case s.Failed > 0:
		return "Rotation finished with failures"
	}
	return "Rotation finished"
}

// summaryLines is the outcome, one fact per line, without styles: the summary screen and the
// text printed after exit both show it.
func (m *Model) summaryLines() []string {
	s := m.summary
	if !m.finished {
		s = exec.Summary{Rotated: m.board.done, Skipped: m.board.skipped, Failed: m.board.failed,
			Aborted: m.abortRequested, Duration: m.now.Sub(m.runStart)}
	}
	lines := []string{
		"rotated   " + strconv.Itoa(s.Rotated),
		"skipped   " + strconv.Itoa(s.Skipped),
		"failed    " + strconv.Itoa(s.Failed),
	}
	if left := m.board.total() - s.Rotated - s.Skipped - s.Failed; left > 0 {
		lines = append(lines, "untouched "+strconv.Itoa(left)+" (still on the old image)")
	}
	lines = append(lines, "duration  "+plan.HumanDuration(s.Duration.Round(time.Second)))
	if m.cfg.ReportPath != "" {
		lines = append(lines, "report    "+m.cfg.ReportPath)
	}
	if m.finished && m.guessedSummary {
		lines = append(lines, "", "The engine stopped without reporting a summary; the counts are what its events told.")
	}
	lines = append(lines, m.listNodes(exec.PhaseFailed, "Failed")...)
	return append(lines, m.listNodes(exec.PhaseSkipped, "Skipped")...)
}

// listNodes names the nodes that ended in phase, with their reasons.
func (m *Model) listNodes(phase exec.Phase, title string) []string {
	var out []string
	count := 0
	for i := range m.board.nodes {
		n := &m.board.nodes[i]
		if n.phase != phase {
			continue
		}
		count++
		if count <= maxListedNodes {
			line := "  " + n.name
			if n.reason != "" {
				line += ": " + n.reason
			}
			out = append(out, line)
		}
	}
	if count == 0 {
		return nil
	}
	if count > maxListedNodes {
		out = append(out, "  … and "+strconv.Itoa(count-maxListedNodes)+" more")
	}
	return append([]string{"", title + ":"}, out...)
}

// summaryText is the outcome in plain text, printed after the dashboard exits.
func (m *Model) summaryText() string {
	var b strings.Builder
	b.WriteString(m.summaryTitle() + ".\n")
	for _, l := range m.summaryLines() {
		if l != "" {
			b.WriteString("  " + l)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// summaryView draws the summary screen: the outcome in a box, until a key is pressed.
func (m *Model) summaryView() string {
	s := &m.styles
	title := m.summaryTitle()
	titleStyle := s.done.Bold(true)
	switch {
	case m.summary.Aborted || !m.finished:
		titleStyle = s.failed
	case m.summary.Failed > 0:
		titleStyle = s.failed
	}
	body := m.summaryLines()
	inner := 0
	for _, l := range body {
		inner = max(inner, textWidth(l))
	}
	inner = max(textWidth(title), min(inner, max(20, m.width-8)))
	for i, l := range body {
		body[i] = truncate(l, inner)
	}
	text := titleStyle.Render(title) + "\n\n" + strings.Join(body, "\n") + "\n\n" + s.dim.Render("press any key to exit")
	box := s.dialog.Render(text)
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, box)
}
