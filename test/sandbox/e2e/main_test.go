// Package e2e runs the real kubectl-rotate binary against a sandbox: a local control plane,
// simulated nodes and a simulated AWS account started from a scenario. TestMain builds the
// binaries, starts one sandbox for the package and stops it whatever happens.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/binaries"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/stack"
)

// env is what every test of the package shares.
type env struct {
	stack  *stack.Stack
	plugin string // path of the kubectl-rotate binary
	binDir string // the sandbox's binaries: kubectl and the control plane
	root   string // the repository's root, with deploy/ and kubectl_complete-rotate
}

// sandbox is set by TestMain; tests read it only.
var sandbox *env

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		fmt.Fprintln(os.Stderr, "e2e: skipped with -short: the suite starts sandboxes")
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	begin := time.Now()
	e, stop, err := start(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer stop()
	fmt.Fprintf(os.Stderr, "e2e: sandbox ready in %s\n", time.Since(begin).Round(100*time.Millisecond))
	sandbox = e
	return m.Run()
}

func start(ctx context.Context) (*env, func(), error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, err
	}
	moduleDir, err := binaries.FindModuleDir(wd)
	if err != nil {
		return nil, nil, err
	}
	root := binaries.RepoRoot(moduleDir)
	built, err := binaries.Ensure(ctx, binaries.Options{ModuleDir: moduleDir, BinDir: filepath.Join(root, ".sandbox", "bin"), Progress: os.Stderr, Interval: time.Minute})
	if err != nil {
		return nil, nil, fmt.Errorf("build sandbox binaries: %w", err)
	}
	work, err := os.MkdirTemp("", "kubectl-rotate-e2e-")
	if err != nil {
		return nil, nil, err
	}
	plugin := filepath.Join(work, "bin", "kubectl-rotate")
	build := exec.CommandContext(ctx, "go", "build", "-o", plugin, "./cmd/kubectl-rotate")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("build kubectl-rotate: %w: %s", err, out)
	}
	sc, err := scenario.Load("small")
	if err != nil {
		return nil, nil, err
	}
	// Short delays keep the suite fast; they do not change what happens.
	sc.BootDelay.Duration, sc.ShutdownDelay.Duration = 2*time.Second, time.Second
	s, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(work, "sandbox"), BinDir: built.BinDir, Scenario: sc, Progress: os.Stderr})
	if err != nil {
		_ = os.RemoveAll(work)
		return nil, nil, err
	}
	stop := func() {
		if err := s.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: stop sandbox: %v\n", err)
		}
		_ = os.RemoveAll(work)
	}
	return &env{stack: s, plugin: plugin, binDir: built.BinDir, root: root}, stop, nil
}

// freshSandbox starts a sandbox of its own for a test that changes the cluster, with the
// scenario's delays shortened, and stops it when the test ends. It shares the binaries.
func freshSandbox(t *testing.T, name string, adjust func(*scenario.Scenario)) *env {
	t.Helper()
	sc, err := scenario.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	sc.BootDelay.Duration, sc.ShutdownDelay.Duration = 2*time.Second, time.Second
	if adjust != nil {
		adjust(sc)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, stack.Options{Dir: t.TempDir(), BinDir: sandbox.binDir, Scenario: sc, Progress: testWriter{t}})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	return &env{stack: s, plugin: sandbox.plugin, binDir: sandbox.binDir, root: sandbox.root}
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// result is what one run of a command printed and how it exited.
type result struct {
	code        int
	out, errOut string
}

// kubectl runs the sandbox's kubectl with the sandbox's kubeconfig and AWS environment and
// kubectl-rotate on PATH, so "rotate ..." runs the plugin exactly as a user would.
func (e *env) kubectl(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(e.binDir, "kubectl"), args...)
	cmd.Env = append(cleanEnviron(), e.stack.Environ()...)
	cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(e.plugin)+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())
	return runCommand(t, cmd)
}

// runCommand runs cmd and returns what it printed and its exit code; it fails the test only
// when the command cannot run at all.
func runCommand(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{out: out.String(), errOut: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return r
}

// cleanEnviron is the test's environment without anything that points kubectl or AWS
// clients elsewhere.
func cleanEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
