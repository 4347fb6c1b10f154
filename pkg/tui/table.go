package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// column is one column of the node table.
type column int

// The columns, left to right.
const (
	colNode column = iota
	colZone
	colOldImage
	colNewImage
	colPhase
	colDrain
	colBlocker
	colReplacement
	colTime
)

// Column widths and spacing.
const (
	narrowWidth  = 80 // under this many columns the less important columns go
	markerWidth  = 2
	columnGap    = 2
	minNodeWidth = 12
	maxNodeWidth = 48
	phaseWidth   = 18
	drainWidth   = 7
	blockerWidth = 24
	timeWidth    = 8
)

// title is the column's header.
func (c column) title() string {
	switch c {
	case colNode:
		return "NODE"
	case colZone:
		return "ZONE"
	case colOldImage:
		return "OLD IMAGE"
	case colNewImage:
		return "NEW IMAGE"
	case colPhase:
		return "PHASE"
	case colDrain:
		return "PODS"
	case colBlocker:
		return "BLOCKED BY / REASON"
	case colReplacement:
		return "REPLACEMENT"
	case colTime:
		return "IN PHASE"
	}
	return ""
}

// cell is a column and its width.
type cell struct {
	col   column
	width int
}

// columns lays out the table for a terminal width: every column that fits, dropping the less
// important first, and all of images, replacement and zone under narrowWidth.
func (m *Model) columns(width int) []cell {
	b := m.board
	// The order columns are dropped in when the terminal is too narrow.
	dropOrder := [...]column{colOldImage, colNewImage, colReplacement, colZone, colTime, colDrain}
	natural := [colTime + 1]int{
		colNode:        max(minNodeWidth, min(maxNodeWidth, b.nameWidth)),
		colZone:        max(len(colZone.title()), b.zoneWidth),
		colOldImage:    max(len(colOldImage.title()), b.imageWidth),
		colNewImage:    max(len(colNewImage.title()), b.imageWidth),
		colPhase:       phaseWidth,
		colDrain:       drainWidth,
		colBlocker:     blockerWidth,
		colReplacement: max(len(colReplacement.title()), min(maxNodeWidth, b.nameWidth)),
		colTime:        timeWidth,
	}
	var dropped [colTime + 1]bool
	if width < narrowWidth {
		for _, c := range dropOrder[:4] {
			dropped[c] = true
		}
	}
	fixed := func() int {
		w := markerWidth
		for c, cw := range natural {
			if column(c) != colNode && !dropped[c] {
				w += cw + columnGap
			}
		}
		return w
	}
	for _, c := range dropOrder {
		if width-fixed() >= natural[colNode] {
			break
		}
		dropped[c] = true
	}
	nodeWidth := max(minNodeWidth, min(natural[colNode], width-fixed()))
	blocker := natural[colBlocker]
	if spare := width - fixed() - nodeWidth; spare > 0 {
		blocker += min(spare, 20) // longer PDB names and reasons when there is room
	} else if spare < 0 {
		blocker = max(10, blocker+spare)
	}
	out := make([]cell, 0, len(natural))
	for c := colNode; c <= colTime; c++ {
		switch {
		case dropped[c]:
		case c == colNode:
			out = append(out, cell{c, nodeWidth})
		case c == colBlocker:
			out = append(out, cell{c, blocker})
		default:
			out = append(out, cell{c, natural[c]})
		}
	}
	return out
}

// tableWidth is the width of a row laid out in cells.
func tableWidth(cells []cell) int {
	w := markerWidth
	for _, c := range cells {
		w += c.width + columnGap
	}
	return w - columnGap
}

// writeHeader writes the column titles.
func writeHeader(b *strings.Builder, cells []cell) {
	b.WriteString(strings.Repeat(" ", markerWidth))
	for i, c := range cells {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", columnGap))
		}
		writeCell(b, c.col.title(), c.width)
	}
}

// nodeRow renders one node's row, styled by its state and padded to width.
func (m *Model) nodeRow(n *nodeState, cells []cell, selected bool, width int) string {
	var b strings.Builder
	b.Grow(width + 16)
	if selected {
		b.WriteString(m.styles.g.cursor)
		b.WriteString(strings.Repeat(" ", markerWidth-ansi.StringWidth(m.styles.g.cursor)))
	} else {
		b.WriteString("  ")
	}
	for i, c := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		writeCell(&b, m.cellText(n, c.col), c.width)
	}
	line := b.String()
	if pad := width - tableWidth(cells); pad > 0 && selected {
		line += strings.Repeat(" ", pad)
	}
	st := m.rowStyle(n)
	if selected && m.styles.reverseSelected {
		st = st.Reverse(true)
	}
	return st.Render(line)
}

// cellText is the text of one cell of a node's row.
func (m *Model) cellText(n *nodeState, c column) string {
	switch c {
	case colNode:
		return m.board.short(n.name)
	case colZone:
		return n.zone
	case colOldImage:
		return n.oldImage
	case colNewImage:
		return n.newImage
	case colPhase:
		return m.phaseText(n)
	case colDrain:
		if n.total == 0 && n.evicted == 0 {
			return ""
		}
		return strconv.Itoa(n.evicted) + "/" + strconv.Itoa(n.total)
	case colBlocker:
		text := ""
		if n.skipRequested {
			text = "skip requested "
		}
		switch {
		case n.blocked():
			return text + "PDB " + n.blockedPDB + " " + plan.HumanDuration(m.now.Sub(n.blockedSince))
		case n.skipRequested:
			return text
		case n.phase == exec.PhaseFailed || n.phase == exec.PhaseSkipped:
			return n.reason
		}
		return ""
	case colReplacement:
		return m.board.short(n.replacement)
	case colTime:
		if !n.active() || n.since.IsZero() {
			return ""
		}
		return plan.HumanDuration(m.now.Sub(n.since))
	}
	return ""
}

// phaseText is a node's phase with the glyph that says how it stands: a spinner while active.
func (m *Model) phaseText(n *nodeState) string {
	g := m.styles.g
	label := phaseLabel(n.phase)
	switch {
	case n.phase == exec.PhaseDone:
		return g.done + " " + label
	case n.phase == exec.PhaseFailed:
		return g.failed + " " + label
	case n.phase == exec.PhaseSkipped:
		return g.skipped + " " + label
	case n.phase == exec.PhasePending:
		return g.pending + " " + label
	case n.blocked():
		return g.blocked + " " + label
	}
	return m.spinnerFrame() + " " + label
}

// phaseLabel is how a phase reads in the table.
func phaseLabel(p exec.Phase) string {
	if p == exec.PhaseWaitingForReplacement {
		return "waiting for node"
	}
	return string(p)
}

// spinnerFrame is the spinner's frame for the current time, so that every active row turns
// together and a fixed clock gives a fixed frame.
func (m *Model) spinnerFrame() string {
	frames := m.styles.g.spinner
	i := int(m.now.UnixMilli()/frameInterval.Milliseconds()) % len(frames)
	return frames[max(0, i)]
}

// rowStyle is a node row's style: its color says done, active, blocked, failed or skipped.
func (m *Model) rowStyle(n *nodeState) lipgloss.Style {
	s := &m.styles
	switch {
	case n.phase == exec.PhaseFailed:
		return s.failed
	case n.blocked():
		return s.blocked
	case n.phase == exec.PhaseSkipped:
		return s.skipped
	case n.phase == exec.PhaseDone:
		return s.done
	case n.active():
		return s.active
	}
	return s.pending
}

// groupRow renders a group's header row.
func (m *Model) groupRow(g *groupState, width int) string {
	var b strings.Builder
	b.WriteString(g.name)
	if g.kind != "" {
		b.WriteString(" (" + string(g.kind) + ")")
	}
	if g.oldImage != "" || g.newImage != "" {
		b.WriteString("  " + orDash(g.oldImage) + " " + m.styles.g.arrow + " " + orDash(g.newImage))
	}
	b.WriteString("  " + strconv.Itoa(g.finished) + "/" + strconv.Itoa(len(g.nodes)) + " finished")
	return m.styles.section.Render(truncate(b.String(), width))
}

// writeCell writes s cut or padded to exactly w columns.
func writeCell(b *strings.Builder, s string, w int) {
	sw := textWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = textWidth(s)
	}
	b.WriteString(s)
	for ; sw < w; sw++ {
		b.WriteByte(' ')
	}
}

// textWidth is the width of s on screen, quickly for plain ASCII.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1b {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// truncate cuts s to w columns with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if textWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
