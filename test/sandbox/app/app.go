// Package app implements the sandbox command: "sandbox build" builds the
// control-plane binaries, "sandbox up" builds what is missing, starts a
// sandbox cluster in the foreground with a few demo nodes, and stops it on
// Ctrl-C or SIGTERM.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/binaries"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/stack"
)

const usage = `Usage: sandbox <command> [flags]

Commands:
  up      build what is missing, start a scenario's cluster and AWS account, run until Ctrl-C
  build   build kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok

Run "sandbox <command> -h" for the flags of a command.
`

// Run runs the sandbox command with args (without the program name). It
// returns when the command is done or, for "up", when ctx is cancelled and
// the cluster has stopped.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	var err error
	switch args[0] {
	case "up":
		err = runUp(ctx, args[1:], stdout, stderr)
	case "build":
		err = runBuild(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprint(stderr, usage)
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// ReadyFile is created in the state directory once the sandbox is ready and removed when it
// stops, so that scripts can wait for it.
const ReadyFile = "ready"

// commonFlags locate the state and bin directories.
type commonFlags struct {
	dir    string
	binDir string
}

func (f *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dir, "dir", "", "state directory (default <repo>/.sandbox)")
	fs.StringVar(&f.binDir, "bin-dir", "", "directory of the binaries (default <dir>/bin)")
}

// complete fills the defaults from the sandbox module found above the
// working directory; moduleDir is empty if there is none.
func (f *commonFlags) complete() (moduleDir string, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	moduleDir, findErr := binaries.FindModuleDir(wd)
	if f.dir == "" {
		if findErr != nil {
			return "", fmt.Errorf("%w (or pass --dir)", findErr)
		}
		f.dir = filepath.Join(binaries.RepoRoot(moduleDir), ".sandbox")
	}
	if f.dir, err = filepath.Abs(f.dir); err != nil {
		return "", fmt.Errorf("resolve --dir: %w", err)
	}
	if f.binDir == "" {
		f.binDir = filepath.Join(f.dir, "bin")
	}
	return moduleDir, nil
}

func build(ctx context.Context, moduleDir, binDir string, force bool, out io.Writer) error {
	if moduleDir == "" {
		return errors.New("building needs the sandbox module: run from the repository, or pass --no-build with binaries already in --bin-dir")
	}
	start := time.Now()
	if _, err := binaries.Ensure(ctx, binaries.Options{ModuleDir: moduleDir, BinDir: binDir, Progress: out, Force: force}); err != nil {
		return fmt.Errorf("build binaries: %w", err)
	}
	fmt.Fprintf(out, "binaries ready in %s (%s)\n", binDir, time.Since(start).Round(100*time.Millisecond))
	return nil
}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f commonFlags
	f.register(fs)
	force := fs.Bool("force", false, "rebuild even if the binaries are up to date")
	if err := fs.Parse(args); err != nil {
		return err
	}
	moduleDir, err := f.complete()
	if err != nil {
		return err
	}
	return build(ctx, moduleDir, f.binDir, *force, stdout)
}

func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f commonFlags
	f.register(fs)
	name := fs.String("scenario", "small", "scenario to start: "+strings.Join(scenario.Names(), ", ")+", or a scenario file")
	noBuild := fs.Bool("no-build", false, "use the binaries in --bin-dir as they are")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, err := scenario.Load(*name)
	if err != nil {
		return err
	}
	moduleDir, err := f.complete()
	if err != nil {
		return err
	}
	if !*noBuild {
		if err := build(ctx, moduleDir, f.binDir, false, stdout); err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "starting scenario %q in %s (component logs in %s)\n", sc.Name, f.dir, filepath.Join(f.dir, "logs"))
	start := time.Now()
	s, err := stack.Start(ctx, stack.Options{Dir: f.dir, BinDir: f.binDir, Scenario: sc, Progress: stdout})
	if err != nil {
		return fmt.Errorf("start sandbox: %w", err)
	}
	defer func() {
		fmt.Fprintln(stdout, "stopping the sandbox")
		begin := time.Now()
		if err := s.Stop(); err != nil {
			fmt.Fprintf(stderr, "stop: %v\n", err)
			return
		}
		fmt.Fprintf(stdout, "sandbox stopped (%s)\n", time.Since(begin).Round(100*time.Millisecond))
	}()
	if err := os.WriteFile(filepath.Join(f.dir, ReadyFile), []byte(time.Now().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write ready marker: %w", err)
	}
	defer os.Remove(filepath.Join(f.dir, ReadyFile))

	kubectl := filepath.Join(f.binDir, binaries.Kubectl)
	fmt.Fprintf(stdout, `
Sandbox %q is running: Kubernetes %s, %d nodes on %s, new image %s published (ready in %s).

  export KUBECONFIG=%s
  . %s                  # AWS endpoint, region and test credentials
  export PATH=%s:$PATH
  kubectl get nodes -o wide
  kubectl rotate plan

Press Ctrl-C to stop it.
`, sc.Name, s.Cluster.Version(), sc.Nodes(), sc.Images.Old.ID, sc.Images.New.ID, time.Since(start).Round(100*time.Millisecond),
		s.Kubeconfig(), s.AWSEnvPath(), filepath.Dir(kubectl))

	select {
	case <-ctx.Done():
		return nil
	case <-s.Done():
		return fmt.Errorf("cluster failed: %w", s.Err())
	}
}
