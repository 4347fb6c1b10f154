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
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/cluster"
)

const usage = `Usage: sandbox <command> [flags]

Commands:
  up      build what is missing, start a local cluster with demo nodes, run until Ctrl-C
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
	nodes := fs.Int("nodes", 3, "number of demo nodes to register")
	noBuild := fs.Bool("no-build", false, "use the binaries in --bin-dir as they are")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nodes < 0 {
		return fmt.Errorf("--nodes must not be negative, got %d", *nodes)
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

	fmt.Fprintf(stdout, "starting the cluster in %s (component logs in %s)\n", f.dir, filepath.Join(f.dir, "logs"))
	start := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{Dir: f.dir, BinDir: f.binDir, Progress: stdout})
	if err != nil {
		return fmt.Errorf("start cluster: %w", err)
	}
	defer func() {
		fmt.Fprintln(stdout, "stopping the cluster")
		begin := time.Now()
		if err := c.Stop(); err != nil {
			fmt.Fprintf(stderr, "stop: %v\n", err)
			return
		}
		fmt.Fprintf(stdout, "cluster stopped (%s)\n", time.Since(begin).Round(100*time.Millisecond))
	}()

	if *nodes > 0 {
		addCtx, cancel := context.WithTimeout(ctx, time.Minute)
		added, err := c.AddNodes(addCtx, cluster.DemoNodes(*nodes)...)
		cancel()
		if err != nil {
			return fmt.Errorf("add demo nodes: %w", err)
		}
		names := make([]string, len(added))
		for i, n := range added {
			names[i] = n.Name + " (" + n.Spec.ProviderID + ")"
		}
		fmt.Fprintf(stdout, "%d demo nodes Ready: %s\n", len(added), strings.Join(names, ", "))
	}
	kubectl := filepath.Join(f.binDir, binaries.Kubectl)
	fmt.Fprintf(stdout, `
Sandbox cluster %s is running (ready in %s).

  export KUBECONFIG=%s
  %s get nodes -o wide

Press Ctrl-C to stop it.
`, c.Version(), time.Since(start).Round(100*time.Millisecond), c.Kubeconfig(), kubectl)

	select {
	case <-ctx.Done():
		return nil
	case <-c.Done():
		return fmt.Errorf("cluster failed: %w", c.Err())
	}
}
