package k9s

import (
	"fmt"
	"strings"
)

// IsKeyName reports whether k9s understands name as a shortCut. k9s looks a plugin's
// shortCut up, case-sensitively, among tcell's key names and the ones it adds itself:
//
//   - its own (internal/ui/key.go): a to z, 0 to 9, Shift-A to Shift-Z, Shift-0 to Shift-9,
//     "?", "/" and "space";
//   - tcell's (KeyNames): Ctrl-A to Ctrl-Z but for Ctrl-H, Ctrl-I and Ctrl-M (they are
//     Backspace, Tab and Enter), Ctrl-Space, Ctrl-_, Ctrl-], Ctrl-\, Ctrl-^, F1 to F64, and
//     the named keys such as Enter, Esc, Tab, Up or PgDn.
//
// A name that is none of these ("shift-t", "T", "Alt-T") makes k9s skip the plugin.
func IsKeyName(name string) bool {
	switch {
	case len(name) == 1:
		c := name[0]
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '?' || c == '/'
	case name == "space":
		return true
	case strings.HasPrefix(name, "Shift-") && len(name) == len("Shift-")+1:
		c := name[len(name)-1]
		return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	case strings.HasPrefix(name, "Ctrl-"):
		rest := strings.TrimPrefix(name, "Ctrl-")
		if len(rest) == 1 && rest[0] >= 'A' && rest[0] <= 'Z' {
			return !strings.Contains("HIM", rest)
		}
		return rest == "Space" || rest == "_" || rest == "]" || rest == `\` || rest == "^"
	case strings.HasPrefix(name, "F"):
		for n := 1; n <= 64; n++ {
			if name == fmt.Sprintf("F%d", n) {
				return true
			}
		}
		return false
	}
	for _, named := range []string{"Enter", "Backspace", "Tab", "Backtab", "Esc", "Backspace2", "Delete",
		"Insert", "Up", "Down", "Left", "Right", "Home", "End", "UpLeft", "UpRight", "DownLeft",
		"DownRight", "Center", "PgUp", "PgDn", "Clear", "Exit", "Cancel", "Pause", "Print"} {
		if name == named {
			return true
		}
	}
	return false
}

// NodeViewKeys returns the keys k9s itself binds in its node view, by key name, with what
// they do: the node view's own (internal/view/node.go), the resource browser's and table's
// (browser.go, table.go) and the application's (app.go, the help screen). A plugin on that
// view with one of these keys is refused as a duplicate unless it sets override.
func NodeViewKeys() map[string]string {
	return map[string]string{
		// Node view.
		"c": "Cordon", "u": "Uncordon", "r": "Drain", "s": "Shell", "y": "YAML",
		"Shift-R": "Sort ROLE", "Shift-C": "Sort CPU", "Shift-M": "Sort MEM", "Shift-O": "Sort Pods",
		// Browser and table.
		"d": "Describe", "e": "Edit", "Ctrl-D": "Delete", "Enter": "View", "Ctrl-R": "Refresh",
		"Shift-N": "Sort Name", "Shift-A": "Sort Age", "Shift-I": "Invert sort", "Shift-J": "Jump owner",
		"Ctrl-W": "Toggle Wide", "Ctrl-Z": "Toggle Faults", "Ctrl-S": "Save",
		"space": "Mark", "Ctrl-Space": "Mark Range", `Ctrl-\`: "Marks Clear", "/": "Filter Mode",
		"n": "Copy Namespace", "0": "all namespaces", "1": "favorite namespace", "2": "favorite namespace",
		"3": "favorite namespace", "4": "favorite namespace", "5": "favorite namespace",
		"6": "favorite namespace", "7": "favorite namespace", "8": "favorite namespace", "9": "favorite namespace",
		// Navigation.
		"g": "Goto Top", "Shift-G": "Goto Bottom", "h": "Left", "j": "Down", "k": "Up", "l": "Right",
		"Ctrl-B": "Page Up", "Ctrl-F": "Page Down",
		// Application.
		"?": "Help", "Esc": "Back", "Tab": "Field Next", "Backtab": "Field Previous",
		"Ctrl-A": "Aliases", "Ctrl-C": "Quit", "Ctrl-E": "Toggle Header", "Ctrl-G": "Toggle Crumbs",
		"Ctrl-U": "Command Clear", "q": "Back",
	}
}

// IsNodeScope reports whether a plugin scope puts the plugin on k9s's node view: "all", or
// one of the node resource's names and aliases.
func IsNodeScope(scope string) bool {
	switch scope {
	case "all", "nodes", "node", "no", "v1/nodes":
		return true
	}
	return false
}
