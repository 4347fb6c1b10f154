package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// glyphs are the symbols that carry a node's state in text, so that the screen reads the same
// without colors.
type glyphs struct {
	done, failed, skipped, blocked, pending, cursor, arrow, dot, caret string
	spinner                                                            []string
	barFull, barEmpty                                                  rune
	border                                                             lipgloss.Border
}

// styles are the dashboard's styles for one color profile. Colors carry meaning (done, active,
// blocked, failed, skipped); without colors the glyphs and words carry it alone.
type styles struct {
	g glyphs

	title, bold, dim, section lipgloss.Style
	done, active, blocked     lipgloss.Style
	failed, skipped, pending  lipgloss.Style
	badge, badgeWarn          lipgloss.Style
	badgeStop                 lipgloss.Style
	prompt, note              lipgloss.Style
	dialog                    lipgloss.Style

	help help.Styles
	// barFull and barEmpty style the filled and empty parts of the progress bar.
	barFull, barEmpty lipgloss.Style
	// reverseSelected shows the selected row in reverse video; without it only the cursor
	// glyph marks it.
	reverseSelected bool
	// bracketBadges wraps badges in brackets where no background color sets them apart.
	bracketBadges bool
}

// newStyles returns the styles for a color profile: colors from ANSI up, text decoration
// only for Ascii (NO_COLOR), and plain ASCII text for NoTTY (a dumb terminal).
func newStyles(p colorprofile.Profile) styles {
	s := styles{g: glyphs{
		done: "✓", failed: "✗", skipped: "↷", blocked: "!", pending: "·", cursor: "›", arrow: "→", dot: "·", caret: "█",
		spinner: spinner.MiniDot.Frames, barFull: '█', barEmpty: '░', border: lipgloss.RoundedBorder(),
	}}
	if p <= colorprofile.NoTTY {
		s.g = glyphs{
			done: "+", failed: "x", skipped: "~", blocked: "!", pending: ".", cursor: ">", arrow: "->", dot: "-", caret: "_",
			spinner: spinner.Line.Frames, barFull: '#', barEmpty: '.', border: lipgloss.ASCIIBorder(),
		}
	}
	plain := lipgloss.NewStyle()
	s.title, s.bold, s.dim, s.section = plain, plain, plain, plain
	s.done, s.active, s.blocked, s.failed, s.skipped, s.pending = plain, plain, plain, plain, plain, plain
	s.badge, s.badgeWarn, s.badgeStop, s.prompt, s.note = plain, plain, plain, plain, plain
	s.dialog = plain.Border(s.g.border).Padding(0, 1)
	s.help = help.Styles{
		Ellipsis: plain, ShortKey: plain, ShortDesc: plain, ShortSeparator: plain,
		FullKey: plain, FullDesc: plain, FullSeparator: plain,
	}
	s.barFull, s.barEmpty = plain, plain
	s.bracketBadges = true

	switch {
	case p <= colorprofile.NoTTY:
		return s
	case p == colorprofile.ASCII:
		s.reverseSelected = true
		s.title = plain.Bold(true)
		s.bold = plain.Bold(true)
		s.section = plain.Bold(true)
		s.badge = plain.Bold(true)
		s.badgeWarn = plain.Bold(true).Reverse(true)
		s.badgeStop = plain.Bold(true).Reverse(true)
		s.prompt = plain.Bold(true)
		s.failed = plain.Bold(true)
		s.blocked = plain.Bold(true)
		s.dialog = s.dialog.Bold(true)
		s.help.ShortKey, s.help.FullKey = plain.Bold(true), plain.Bold(true)
		return s
	}
	var (
		green   = lipgloss.Color("2")
		yellow  = lipgloss.Color("3")
		red     = lipgloss.Color("1")
		cyan    = lipgloss.Color("6")
		magenta = lipgloss.Color("5")
		gray    = lipgloss.Color("8")
		black   = lipgloss.Color("0")
	)
	s.title = plain.Bold(true).Foreground(cyan)
	s.bold = plain.Bold(true)
	s.dim = plain.Foreground(gray)
	s.section = plain.Bold(true).Foreground(cyan)
	s.done = plain.Foreground(green)
	s.active = plain.Foreground(cyan)
	s.blocked = plain.Foreground(yellow).Bold(true)
	s.failed = plain.Foreground(red).Bold(true)
	s.skipped = plain.Foreground(magenta)
	s.pending = plain
	s.badge = plain.Bold(true).Foreground(black).Background(green).Padding(0, 1)
	s.badgeWarn = plain.Bold(true).Foreground(black).Background(yellow).Padding(0, 1)
	s.badgeStop = plain.Bold(true).Foreground(black).Background(red).Padding(0, 1)
	s.prompt = plain.Bold(true).Foreground(yellow)
	s.note = plain.Foreground(yellow)
	s.dialog = s.dialog.BorderForeground(yellow)
	s.help = help.Styles{
		Ellipsis:       plain.Foreground(gray),
		ShortKey:       plain.Bold(true),
		ShortDesc:      plain.Foreground(gray),
		ShortSeparator: plain.Foreground(gray),
		FullKey:        plain.Bold(true),
		FullDesc:       plain.Foreground(gray),
		FullSeparator:  plain.Foreground(gray),
	}
	s.barFull, s.barEmpty = plain.Foreground(green), plain.Foreground(gray)
	s.bracketBadges = false
	s.reverseSelected = true
	return s
}
