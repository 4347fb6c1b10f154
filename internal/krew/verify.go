package krew

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// RunCheck is what CheckRuns saw.
type RunCheck struct {
	// Version is the output of "kubectl <plugin> version".
	Version string
	// Resolved is the path "kubectl plugin list" shows for the plugin first.
	Resolved string
}

// CheckRuns runs an installed plugin through kubectl, with binDir (krew's bin directory) first
// on PATH: "kubectl <plugin> version" must print version, and "kubectl plugin list" must
// resolve the plugin to the link in binDir rather than to another copy on PATH.
func CheckRuns(ctx context.Context, kubectl, binDir, plugin, version string) (RunCheck, error) {
	env := append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var rc RunCheck

	out, errOut, err := run(ctx, env, kubectl, plugin, "version")
	if err != nil {
		return rc, fmt.Errorf("kubectl %s version: %w\n%s%s", plugin, err, out, errOut)
	}
	rc.Version = strings.TrimSpace(out)
	if !strings.Contains(" "+rc.Version+" ", " "+version+" ") {
		return rc, fmt.Errorf("kubectl %s version printed %q, not the manifest's version %s", plugin, rc.Version, version)
	}

	// plugin list exits non-zero when it has warnings (another kubectl-<plugin> shadowed
	// further down PATH, say), so its output decides, not its exit code.
	out, errOut, err = run(ctx, env, kubectl, "plugin", "list")
	want := filepath.Join(binDir, LinkName(plugin, false))
	rc.Resolved = FirstPluginPath(out, LinkName(plugin, false))
	if rc.Resolved == "" {
		return rc, fmt.Errorf("kubectl plugin list does not list %s (exit: %v)\n%s%s", LinkName(plugin, false), err, out, errOut)
	}
	if rc.Resolved != want {
		return rc, fmt.Errorf("kubectl plugin list resolves %s to %s, not to the installed link %s", LinkName(plugin, false), rc.Resolved, want)
	}
	return rc, nil
}

// FirstPluginPath returns the first path in the output of "kubectl plugin list" whose file
// name is name (with or without .exe), or "" if there is none.
func FirstPluginPath(out, name string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !filepath.IsAbs(line) {
			continue
		}
		if base := filepath.Base(line); base == name || base == name+".exe" {
			return line
		}
	}
	return ""
}

func run(ctx context.Context, env []string, name string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}
