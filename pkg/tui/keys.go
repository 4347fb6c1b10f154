package tui

import (
	"charm.land/bubbles/v2/key"
)

// keyMap holds every key binding of the dashboard; the help footer is built from it.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding

	// Plan screen.
	Start, Cancel key.Binding

	// Live screen.
	Pause, Skip, Abort, Filter, Detail, Back, Help, Quit key.Binding

	// Filter input.
	ApplyFilter, ClearFilter key.Binding

	// Confirmation dialogs.
	Yes, No key.Binding
}

// newKeyMap returns the dashboard's key bindings.
func newKeyMap() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),

		Start:  key.NewBinding(key.WithKeys("enter", "y"), key.WithHelp("enter/y", "start rotation")),
		Cancel: key.NewBinding(key.WithKeys("q", "esc", "ctrl+c"), key.WithHelp("q/esc", "cancel")),

		Pause:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Skip:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "skip node")),
		Abort:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "abort")),
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Detail: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "node details")),
		Back:   key.NewBinding(key.WithKeys("esc", "enter", "backspace"), key.WithHelp("esc", "back")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		ApplyFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),

		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc", "q"), key.WithHelp("n/esc", "no")),
	}
}

// bindings is a help.KeyMap for one screen: a short line and the full columns.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp returns the bindings of the one-line help.
func (b bindings) ShortHelp() []key.Binding { return b.short }

// FullHelp returns the bindings of the full help, by column.
func (b bindings) FullHelp() [][]key.Binding { return b.full }

// planHelp is the help of the plan screen.
func (k keyMap) planHelp() bindings {
	return bindings{
		short: []key.Binding{k.Start, k.Cancel, k.Up, k.Down, k.Help},
		full: [][]key.Binding{
			{k.Start, k.Cancel},
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{k.Help},
		},
	}
}

// runHelp is the help of the live table.
func (k keyMap) runHelp() bindings {
	return bindings{
		short: []key.Binding{k.Pause, k.Skip, k.Abort, k.Up, k.Down, k.Filter, k.Detail, k.Help, k.Quit},
		full: [][]key.Binding{
			{k.Pause, k.Skip, k.Abort, k.Quit},
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{k.Filter, k.Detail, k.Help},
		},
	}
}

// detailHelp is the help of a node's detail.
func (k keyMap) detailHelp() bindings {
	return bindings{
		short: []key.Binding{k.Back, k.Up, k.Down, k.Skip, k.Pause, k.Abort, k.Help},
		full: [][]key.Binding{
			{k.Back, k.Up, k.Down},
			{k.Skip, k.Pause, k.Abort, k.Quit},
			{k.Help},
		},
	}
}

// filterHelp is the help while the filter is typed.
func (k keyMap) filterHelp() bindings {
	return bindings{short: []key.Binding{k.ApplyFilter, k.ClearFilter}, full: [][]key.Binding{{k.ApplyFilter, k.ClearFilter}}}
}

// dialogHelp is the help of a confirmation.
func (k keyMap) dialogHelp() bindings {
	return bindings{short: []key.Binding{k.Yes, k.No}, full: [][]key.Binding{{k.Yes, k.No}}}
}
