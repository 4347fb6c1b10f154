package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// kubectlFlags locate the kubectl that runs the installed plugin.
type kubectlFlags struct {
	path          string
	sandboxDir    string
	sandboxModule string
}

func (k *kubectlFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.path, "kubectl", "", "kubectl to run the plugin with (default: kubectl on PATH, else the sandbox's, built if missing)")
	fs.StringVar(&k.sandboxDir, "sandbox-dir", ".sandbox", "sandbox state directory; its bin/kubectl is used when PATH has none")
	fs.StringVar(&k.sandboxModule, "sandbox-module", "test/sandbox", "the sandbox Go module, whose tool builds kubectl")
}

// find returns the kubectl to use: --kubectl, else kubectl from PATH, else the sandbox's
// bin/kubectl, building the sandbox binaries when it is missing (a fresh machine may have no
// kubectl; the first build takes several minutes).
func (k *kubectlFlags) find(ctx context.Context, progress io.Writer) (string, error) {
	if k.path != "" {
		return k.path, nil
	}
	if path, err := exec.LookPath("kubectl"); err == nil {
		return path, nil
	}
	dir, err := filepath.Abs(k.sandboxDir)
	if err != nil {
		return "", fmt.Errorf("resolve --sandbox-dir: %w", err)
	}
	kubectl := filepath.Join(dir, "bin", "kubectl")
	if fi, err := os.Stat(kubectl); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return kubectl, nil
	}
	fmt.Fprintf(progress, "no kubectl on PATH or in %s: building it with the sandbox (several minutes the first time)\n", filepath.Dir(kubectl))
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/sandbox", "build", "--dir", dir)
	cmd.Dir = k.sandboxModule
	cmd.Stdout, cmd.Stderr = progress, progress
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build kubectl with the sandbox (cd %s && go run ./cmd/sandbox build --dir %s): %w", k.sandboxModule, dir, err)
	}
	if _, err := os.Stat(kubectl); err != nil {
		return "", fmt.Errorf("the sandbox build left no kubectl: %w", err)
	}
	return kubectl, nil
}
