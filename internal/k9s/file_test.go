package k9s

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestRepositoryPluginsFile holds the repository's plugins.yaml to k9s's rules and to the
// project's: three node plugins in the foreground, confirmation on the ones that mutate.
func TestRepositoryPluginsFile(t *testing.T) {
	data, err := os.ReadFile("../../plugins.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Load(data)
	if err != nil {
		t.Fatalf("plugins.yaml breaks k9s's rules:\n%v", err)
	}
	// background must be written out (false), not left to the default.
	var raw struct {
		Plugins map[string]map[string]any `json:"plugins"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		mutating bool
		command  string // the command line: command and args joined by spaces
	}{
		{name: "rotate-node", mutating: true, command: "kubectl rotate --context $CONTEXT --node $NAME"},
		{name: "rotate-nodegroup", mutating: true, command: "kubectl rotate --context $CONTEXT --nodegroup-of $NAME"},
		{name: "rotate-plan", command: `sh -c kubectl rotate plan --context "$CONTEXT" --nodegroup-of "$NAME";`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := f.Plugins[tc.name]
			if !ok {
				t.Fatalf("no plugin %s", tc.name)
			}
			if !slices.Equal(p.Scopes, []string{"nodes"}) {
				t.Errorf("scopes %v, want [nodes]", p.Scopes)
			}
			if bg, ok := raw.Plugins[tc.name]["background"]; !ok || bg != false {
				t.Errorf("background is %v (set: %v); want it written as false so kubectl rotate owns the terminal", bg, ok)
			}
			if p.Confirm != tc.mutating || p.Dangerous != tc.mutating {
				t.Errorf("confirm %v, dangerous %v; want both %v", p.Confirm, p.Dangerous, tc.mutating)
			}
			line := p.Command
			for _, a := range p.Args {
				line += " " + fmt.Sprint(a)
			}
			if !strings.HasPrefix(line, tc.command) {
				t.Errorf("runs %q, want %q", line, tc.command)
			}
			if !tc.mutating && !strings.Contains(line, "read ") {
				t.Errorf("%q returns to k9s at once; it must wait so the plan stays on screen", line)
			}
		})
	}
	if len(f.Plugins) != 3 {
		t.Errorf("%d plugins, want 3", len(f.Plugins))
	}
}
