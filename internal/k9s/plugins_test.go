package k9s

import (
	"strings"
	"testing"
)

const validFile = `plugins:
  one:
    shortCut: Shift-T
    description: One
    scopes: [nodes]
    command: kubectl
    background: false
    args: [rotate, --node, $NAME, 30]
`

func TestCheckAcceptsAValidFile(t *testing.T) {
	f, problems := Check([]byte(validFile))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	p := f.Plugins["one"]
	if p.ShortCut != "Shift-T" || p.Command != "kubectl" || len(p.Args) != 4 || p.Background {
		t.Fatalf("decoded %+v", p)
	}
}

// TestCheckRules makes each rule of the schema and of k9s's key binding fail.
func TestCheckRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want string
	}{
		{name: "not YAML", yaml: "plugins: [", want: "not valid YAML"},
		{name: "duplicate key", yaml: "plugins: {}\nplugins: {}\n", want: "not valid YAML"},
		{name: "not a mapping", yaml: "- plugins\n", want: "must be a mapping with the key plugins"},
		{name: "no plugins key", yaml: "plugin:\n  one: {}\n", want: "plugins: is required"},
		{name: "unknown top-level field", yaml: validFile + "extra: 1\n", want: "extra: unknown field"},
		{name: "plugins not a mapping", yaml: "plugins: [a]\n", want: "plugins: must be a mapping of plugin names"},
		{name: "plugin not a mapping", yaml: "plugins:\n  one: kubectl\n", want: "plugins.one: must be a mapping"},
		{name: "unknown plugin field", yaml: strings.Replace(validFile, "background:", "backgroud:", 1), want: "plugins.one.backgroud: unknown field"},
		{name: "shortCut missing", yaml: strings.Replace(validFile, "    shortCut: Shift-T\n", "", 1), want: "plugins.one.shortCut: is required"},
		{name: "description missing", yaml: strings.Replace(validFile, "    description: One\n", "", 1), want: "plugins.one.description: is required"},
		{name: "scopes missing", yaml: strings.Replace(validFile, "    scopes: [nodes]\n", "", 1), want: "plugins.one.scopes: is required"},
		{name: "command missing", yaml: strings.Replace(validFile, "    command: kubectl\n", "", 1), want: "plugins.one.command: is required"},
		{name: "background a string", yaml: strings.Replace(validFile, "background: false", "background: \"false\"", 1), want: "plugins.one.background: must be a boolean"},
		{name: "confirm a number", yaml: validFile + "    confirm: 1\n", want: "plugins.one.confirm: must be a boolean"},
		{name: "dangerous a string", yaml: validFile + "    dangerous: maybe\n", want: "plugins.one.dangerous: must be a boolean"},
		{name: "override a string", yaml: validFile + "    override: \"yes\"\n", want: "plugins.one.override: must be a boolean"},
		{name: "overwriteOutput a list", yaml: validFile + "    overwriteOutput: []\n", want: "plugins.one.overwriteOutput: must be a boolean"},
		{name: "shortCut a number", yaml: strings.Replace(validFile, "shortCut: Shift-T", "shortCut: 7", 1), want: "plugins.one.shortCut: must be a string"},
		{name: "scopes a string", yaml: strings.Replace(validFile, "scopes: [nodes]", "scopes: nodes", 1), want: "plugins.one.scopes: must be an array of strings"},
		{name: "scopes with a number", yaml: strings.Replace(validFile, "scopes: [nodes]", "scopes: [nodes, 3]", 1), want: "plugins.one.scopes: must be an array of strings"},
		{name: "unquoted no is a boolean", yaml: strings.Replace(validFile, "scopes: [nodes]", "scopes: [no]", 1), want: "plugins.one.scopes: must be an array of strings"},
		{name: "command a list", yaml: strings.Replace(validFile, "command: kubectl", "command: [kubectl]", 1), want: "plugins.one.command: must be a string"},
		{name: "args with a mapping", yaml: strings.Replace(validFile, "args: [rotate, --node, $NAME, 30]", "args: [{a: b}]", 1), want: "plugins.one.args: must be an array of strings or numbers"},
		{name: "inputs not a list", yaml: validFile + "    inputs: x\n", want: "plugins.one.inputs: must be an array of inputs"},
		{name: "input without type", yaml: validFile + "    inputs: [{name: zone}]\n", want: "plugins.one.inputs[0].type: is required"},
		{name: "input of unknown type", yaml: validFile + "    inputs: [{name: zone, type: date}]\n", want: "is not one of string, number, bool, dropdown"},
		{name: "input default not required", yaml: validFile + "    inputs: [{name: zone, type: string, default: x}]\n", want: "must be true when a default is given"},
		{name: "six inputs", yaml: validFile + "    inputs: [{name: a, type: bool}, {name: b, type: bool}, {name: c, type: bool}, {name: d, type: bool}, {name: e, type: bool}, {name: f, type: bool}]\n", want: "has more than 5 inputs"},
		{name: "lower-case shift", yaml: strings.Replace(validFile, "Shift-T", "shift-t", 1), want: "no key name k9s knows"},
		{name: "bare capital", yaml: strings.Replace(validFile, "Shift-T", "T", 1), want: "no key name k9s knows"},
		{name: "ctrl-m is enter", yaml: strings.Replace(validFile, "Shift-T", "Ctrl-M", 1), want: "no key name k9s knows"},
		{name: "empty description", yaml: strings.Replace(validFile, "description: One", "description: \"\"", 1), want: "plugins.one.description: is empty"},
		{name: "empty command", yaml: strings.Replace(validFile, "command: kubectl", "command: \" \"", 1), want: "plugins.one.command: is empty"},
		{name: "no scopes", yaml: strings.Replace(validFile, "scopes: [nodes]", "scopes: []", 1), want: "plugins.one.scopes: is empty"},
		{name: "empty scope", yaml: strings.Replace(validFile, "scopes: [nodes]", "scopes: [nodes, \"\"]", 1), want: "plugins.one.scopes[1]: is empty"},
		{name: "k9s's drain key", yaml: strings.Replace(validFile, "Shift-T", "r", 1), want: `k9s's own "Drain" key`},
		{name: "k9s's sort key on all views", yaml: strings.Replace(strings.Replace(validFile, "Shift-T", "Shift-C", 1), "[nodes]", "[all]", 1), want: `k9s's own "Sort CPU" key`},
		{name: "two plugins, one key", yaml: validFile + "  two:\n    shortCut: Shift-T\n    description: Two\n    scopes: [\"no\"]\n    command: kubectl\n", want: "also the key of plugin two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := Check([]byte(tc.yaml))
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
				t.Fatalf("problems %q do not include %q", msgs, tc.want)
			}
			if _, err := Load([]byte(tc.yaml)); err == nil {
				t.Fatal("Load accepted it")
			}
		})
	}
}

func TestCheckAllowsWhatK9sAllows(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
	}{
		{name: "override of a built-in key", yaml: strings.Replace(validFile, "Shift-T", "r", 1) + "    override: true\n"},
		{name: "built-in node key on another view", yaml: strings.Replace(strings.Replace(validFile, "Shift-T", "r", 1), "[nodes]", "[pods]", 1)},
		{name: "same key in other views", yaml: validFile + "  two:\n    shortCut: Shift-T\n    description: Two\n    scopes: [pods]\n    command: kubectl\n"},
		{name: "inputs", yaml: validFile + "    inputs: [{name: zone, label: Zone, type: dropdown, options: [a, b], required: true, default: a}]\n"},
		{name: "ctrl and function keys", yaml: strings.Replace(validFile, "Shift-T", "Ctrl-T", 1) +
			"  two:\n    shortCut: F5\n    description: Two\n    scopes: [nodes]\n    command: kubectl\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Load([]byte(tc.yaml)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestIsKeyName(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		want bool
	}{
		{name: "letter", key: "x", want: true},
		{name: "digit", key: "7", want: true},
		{name: "shift letter", key: "Shift-Q", want: true},
		{name: "shift digit", key: "Shift-1", want: true},
		{name: "ctrl letter", key: "Ctrl-K", want: true},
		{name: "ctrl space", key: "Ctrl-Space", want: true},
		{name: "function key", key: "F12", want: true},
		{name: "named key", key: "PgDn", want: true},
		{name: "space", key: "space", want: true},
		{name: "ctrl-i is tab", key: "Ctrl-I"},
		{name: "lower-case shift", key: "Shift-q"},
		{name: "alt", key: "Alt-Q"},
		{name: "F65", key: "F65"},
		{name: "empty", key: ""},
		{name: "capital", key: "Q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsKeyName(tc.key); got != tc.want {
				t.Fatalf("IsKeyName(%q) = %v", tc.key, got)
			}
		})
	}
}
