package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestCompletion completes "kubectl rotate" against the shared sandbox the way kubectl does:
// through the repository's kubectl_complete-rotate script, with the plugin on PATH.
func TestCompletion(t *testing.T) {
	script := filepath.Join(sandbox.root, "kubectl_complete-rotate")
	// A PATH holding just the plugin and its completion script, as installed.
	bin := t.TempDir()
	for _, target := range []string{sandbox.plugin, script} {
		if err := os.Symlink(target, filepath.Join(bin, filepath.Base(target))); err != nil {
			t.Fatal(err)
		}
	}
	environ := append(cleanEnviron(), sandbox.stack.Environ()...)
	environ = append(environ, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())

	nodes, err := sandbox.stack.Client.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var nodeNames []string
	for _, n := range nodes.Items {
		nodeNames = append(nodeNames, n.Name)
	}
	slices.Sort(nodeNames)
	groups := []string{"apps", "general", "nodes-us-east-1"}

	// general is a self-managed Auto Scaling group: no node label names it, only discovery
	// through the simulated AWS does.
	discovered := "general\tasg, 6 nodes"
	tests := []struct {
		name    string
		command []string
		want    []string
		line    string // a whole line of the output, when set
	}{
		{name: "script, node groups", command: []string{script, "--nodegroup", ""}, want: groups, line: discovered},
		{name: "script, node groups of plan by prefix", command: []string{script, "plan", "--nodegroup", "n"}, want: []string{"nodes-us-east-1"}},
		{name: "script, nodes", command: []string{script, "--node", ""}, want: nodeNames},
		{name: "kubectl, node groups", command: []string{filepath.Join(sandbox.binDir, "kubectl"), "__complete", "rotate", "--nodegroup", ""}, want: groups, line: discovered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, tt.command[0], tt.command[1:]...)
			cmd.Env = environ
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Run(); err != nil {
				t.Fatalf("%q: %v\n%s", tt.command, err, errOut.String())
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			// cobra's format: one "value<TAB>description" per line, then ":<directive>".
			if len(lines) == 0 || lines[len(lines)-1] != ":4" {
				t.Fatalf("%q printed %q; want the choices, then the no-file directive :4\nstderr: %s", tt.command, out.String(), errOut.String())
			}
			var values []string
			for _, l := range lines[:len(lines)-1] {
				value, _, _ := strings.Cut(l, "\t")
				values = append(values, value)
			}
			if tt.line != "" && !slices.Contains(lines, tt.line) {
				t.Errorf("%q printed no line %q:\n%s", tt.command, tt.line, out.String())
			}
			if !slices.Equal(values, tt.want) {
				t.Errorf("%q completed %q, want %q\nstdout: %s\nstderr: %s", tt.command, values, tt.want, out.String(), errOut.String())
			}
		})
	}
}
