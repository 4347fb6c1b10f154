package tui

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// planView draws the plan screen: the plan, scrollable, and the question whether to start.
func (m *Model) planView() string {
	s := &m.styles
	w := m.width
	header := s.title.Render("kubectl rotate") + "  context " + s.bold.Render(orDash(m.cfg.Context)) +
		"  target " + s.bold.Render(orDash(m.cfg.Target))
	lines := make([]string, 0, m.height)
	lines = append(lines, truncate(header, w), truncate("policy "+orDash(m.cfg.Policy), w), "")
	content := m.planContent()
	h := m.planHeight()
	start := max(0, min(m.planOffset, len(content)-h))
	end := min(len(content), start+h)
	lines = append(lines, content[start:end]...)
	for len(lines) < 3+h {
		lines = append(lines, "")
	}
	prompt := m.planPrompt()
	if len(content) > h {
		where := "  " + s.g.dot + "  lines " + strconv.Itoa(start+1) + "-" + strconv.Itoa(end) + " of " + strconv.Itoa(len(content)) + ", ↑/↓ scroll"
		prompt += s.dim.Render(where)
	}
	lines = append(lines, truncate(prompt, w))
	if n := m.currentNote(); n != "" {
		lines[len(lines)-1] = s.note.Render(truncate(n, w))
	}
	h2 := m.help
	h2.SetWidth(w)
	lines = append(lines, h2.View(m.currentHelp()))
	return strings.Join(lines, "\n")
}

// planHeight is the number of plan lines that fit.
func (m *Model) planHeight() int {
	return max(1, m.height-4-m.footerHeight())
}

// planPrompt asks whether to start, or says that there is nothing to do.
func (m *Model) planPrompt() string {
	s := &m.styles
	total := m.board.total()
	if total == 0 {
		return s.prompt.Render("Nothing to rotate: every selected node already runs its target image.") + "  q/esc: leave"
	}
	q := "Rotate " + plural(total, "node") + " in " + plural(m.board.batches, "batch") + "?"
	if p := m.cfg.Plan; p != nil && len(p.Blockers) > 0 {
		q += " (" + plural(len(p.Blockers), "blocker") + " listed)"
	}
	return s.prompt.Render(q + "  enter/y: start rotation  " + s.g.dot + "  q/esc: cancel")
}

// planContent is the plan as lines cut to the terminal's width, built once per width.
func (m *Model) planContent() []string {
	if m.planLines != nil && m.planWidth == m.width {
		return m.planLines
	}
	m.planWidth = m.width
	m.planLines = m.buildPlanLines()
	return m.planLines
}

// buildPlanLines lays out the plan: totals, groups, blockers, batches, nodes, unmanaged nodes.
func (m *Model) buildPlanLines() []string {
	s := &m.styles
	p := m.cfg.Plan
	if p == nil {
		return []string{"no plan"}
	}
	var out []string
	section := func(title string) {
		out = append(out, "", s.section.Render(title))
	}
	table := func(rows [][]string) {
		var buf bytes.Buffer
		tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
		}
		_ = tw.Flush() // a bytes.Buffer does not fail
		for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
			out = append(out, truncate(l, m.width))
		}
	}
	var total plan.Counts
	for _, g := range p.Groups {
		total.Rotate += g.Counts.Rotate
		total.Keep += g.Counts.Keep
		total.Skip += g.Counts.Skip
	}
	out = append(out, s.bold.Render(truncate(fmt.Sprintf("Rotation plan: %d to rotate, %d to keep, %d to skip in %s; %s; estimated %s.",
		total.Rotate, total.Keep, total.Skip, plural(len(p.Groups), "group"), plural(len(p.Batches), "batch"),
		plan.HumanDuration(time.Duration(p.Estimate))), m.width)))

	section("GROUPS")
	rows := [][]string{{"GROUP", "KIND", "NODES", "ROTATE", "KEEP", "SKIP", "SURGE", "TARGET IMAGE", "SOURCE"}}
	for _, g := range p.Groups {
		rows = append(rows, []string{g.Name, string(g.Kind), strconv.Itoa(len(g.Nodes)), strconv.Itoa(g.Counts.Rotate),
			strconv.Itoa(g.Counts.Keep), strconv.Itoa(g.Counts.Skip), strconv.Itoa(g.Surge), orDash(g.TargetAMI), orDash(g.TargetSource)})
	}
	table(rows)

	if len(p.Blockers) > 0 {
		section("BLOCKERS (" + strconv.Itoa(len(p.Blockers)) + "): these would stall or slow the rotation")
		rows = [][]string{{"", "KIND", "GROUP", "NODE", "MESSAGE"}}
		for _, b := range p.Blockers {
			rows = append(rows, []string{s.g.blocked, string(b.Kind), orDash(b.Group), orDash(b.Node), b.Message})
		}
		table(rows)
	}

	if len(p.Batches) > 0 {
		section("BATCHES (" + strconv.Itoa(len(p.Batches)) + ")")
		rows = [][]string{{"BATCH", "GROUP", "SURGE", "ZONES", "NODES"}}
		for _, b := range p.Batches {
			rows = append(rows, []string{strconv.Itoa(b.Index + 1), b.Group, strconv.Itoa(b.Surge),
				strings.Join(b.Zones, ","), strings.Join(b.Nodes, ",")})
		}
		table(rows)
	}

	section("NODES")
	for _, g := range p.Groups {
		out = append(out, truncate("  "+g.Name+" ("+string(g.Kind)+")", m.width))
		rows = [][]string{{"  NODE", "ZONE", "CURRENT IMAGE", "TARGET IMAGE", "ACTION", "BATCH", "REASON"}}
		for _, n := range g.Nodes {
			batch := "-"
			if n.Batch >= 0 {
				batch = strconv.Itoa(n.Batch + 1)
			}
			rows = append(rows, []string{"  " + n.Name, orDash(n.Zone), orDash(n.CurrentAMI), orDash(n.TargetAMI),
				string(n.Action), batch, n.Reason})
		}
		table(rows)
	}

	if len(p.Unmanaged) > 0 {
		section("NOT MANAGED (" + strconv.Itoa(len(p.Unmanaged)) + "): never rotated")
		rows = [][]string{{"NODE", "INSTANCE", "REASON"}}
		for _, u := range p.Unmanaged {
			rows = append(rows, []string{u.Name, orDash(u.InstanceID), u.Reason})
		}
		table(rows)
	}
	return out
}

// plural writes n and the noun, with an s or es when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") {
		return strconv.Itoa(n) + " " + noun + "es"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
