// Package binaries builds the programs a sandbox cluster runs: kube-apiserver,
// kube-controller-manager, kube-scheduler and kubectl from the k8s.io/kubernetes
// release pinned in the sandbox module's go.mod, and kwok from its own module.
//
// Builds are incremental: a stamp file next to the binaries records what they
// were built from (go.mod, go.sum, Go version, flags), so an up-to-date set is
// detected without running the go command, and a rebuild reuses go's build cache.
package binaries

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ModulePath is the import path of the sandbox Go module.
const ModulePath = "github.com/kubectl-rotate/kubectl-rotate/test/sandbox"

// KwokModule is the kwok release installed with go install.
const KwokModule = "sigs.k8s.io/kwok/cmd/kwok@v0.8.0"

// Kubernetes program names, as built into the bin directory.
const (
	KubeAPIServer         = "kube-apiserver"
	KubeControllerManager = "kube-controller-manager"
	KubeScheduler         = "kube-scheduler"
	Kubectl               = "kubectl"
	Kwok                  = "kwok"
)

// KubernetesPrograms lists the programs built from k8s.io/kubernetes/cmd.
func KubernetesPrograms() []string {
	return []string{KubeAPIServer, KubeControllerManager, KubeScheduler, Kubectl}
}

// Options says where to build and where to report progress.
type Options struct {
	// ModuleDir is the directory holding the sandbox module's go.mod.
	// Empty means FindModuleDir from the working directory.
	ModuleDir string
	// BinDir receives the binaries. Empty means <repo>/.sandbox/bin.
	BinDir string
	// Progress receives one line per step and periodic progress while the
	// go command compiles. Nil discards it.
	Progress io.Writer
	// Interval between progress lines while compiling; zero means 15s.
	Interval time.Duration
	// Force rebuilds even when the stamps say the binaries are up to date.
	Force bool
}

// Ensure builds whatever is missing or stale in o.BinDir and returns the
// resolved options. It is safe to call on every start: when everything is up
// to date it returns after hashing two files.
func Ensure(ctx context.Context, o Options) (Options, error) {
	o, err := o.complete()
	if err != nil {
		return o, err
	}
	if err := os.MkdirAll(o.BinDir, 0o755); err != nil {
		return o, fmt.Errorf("create bin directory: %w", err)
	}
	goVersion, err := goOutput(ctx, o.ModuleDir, "env", "GOVERSION")
	if err != nil {
		return o, err
	}
	if err := o.ensureKubernetes(ctx, goVersion); err != nil {
		return o, err
	}
	if err := o.ensureKwok(ctx, goVersion); err != nil {
		return o, err
	}
	return o, nil
}

func (o Options) complete() (Options, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Interval <= 0 {
		o.Interval = 15 * time.Second
	}
	if o.ModuleDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, fmt.Errorf("working directory: %w", err)
		}
		dir, err := FindModuleDir(wd)
		if err != nil {
			return o, err
		}
		o.ModuleDir = dir
	}
	if o.BinDir == "" {
		o.BinDir = filepath.Join(RepoRoot(o.ModuleDir), ".sandbox", "bin")
	}
	return o, nil
}

// RepoRoot returns the repository root for a sandbox module directory
// (the module lives at <repo>/test/sandbox).
func RepoRoot(moduleDir string) string {
	return filepath.Dir(filepath.Dir(moduleDir))
}

// FindModuleDir walks up from start to the sandbox module: a directory whose
// go.mod declares ModulePath, or one containing test/sandbox/go.mod.
func FindModuleDir(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", start, err)
	}
	for {
		for _, cand := range []string{dir, filepath.Join(dir, "test", "sandbox")} {
			data, err := os.ReadFile(filepath.Join(cand, "go.mod"))
			if err == nil && declaresModule(data, ModulePath) {
				return cand, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no sandbox module (%s) above %s: run from the repository", ModulePath, start)
		}
		dir = parent
	}
}

func declaresModule(gomod []byte, path string) bool {
	for line := range strings.SplitSeq(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == path
		}
	}
	return false
}

func (o Options) ensureKubernetes(ctx context.Context, goVersion string) error {
	version, err := goOutput(ctx, o.ModuleDir, "list", "-m", "-f", "{{.Version}}", "k8s.io/kubernetes")
	if err != nil {
		return err
	}
	ldflags, err := versionLDFlags(version)
	if err != nil {
		return err
	}
	programs := KubernetesPrograms()
	key, err := o.stampKey(goVersion, ldflags, strings.Join(programs, ","))
	if err != nil {
		return err
	}
	stamp := filepath.Join(o.BinDir, ".stamp-kubernetes")
	if !o.Force && o.upToDate(stamp, key, programs) {
		fmt.Fprintf(o.Progress, "kubernetes %s binaries are up to date in %s\n", version, o.BinDir)
		return nil
	}
	pkgs := make([]string, len(programs))
	for i, p := range programs {
		pkgs[i] = "k8s.io/kubernetes/cmd/" + p
	}
	fmt.Fprintf(o.Progress, "resolving packages of kubernetes %s (downloads modules on the first run)\n", version)
	listArgs := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)
	deps, err := goOutput(ctx, o.ModuleDir, listArgs...)
	if err != nil {
		return err
	}
	total := len(strings.Fields(deps))
	fmt.Fprintf(o.Progress, "building %s (%d packages; a first build takes several minutes)\n", strings.Join(programs, ", "), total)
	args := append([]string{"build", "-v", "-ldflags=" + ldflags, "-o", o.BinDir + string(filepath.Separator)}, pkgs...)
	if err := o.runGo(ctx, o.ModuleDir, nil, "kubernetes", total, args...); err != nil {
		return err
	}
	return writeStamp(stamp, key)
}

func (o Options) ensureKwok(ctx context.Context, goVersion string) error {
	key, err := o.stampKey(goVersion, KwokModule)
	if err != nil {
		return err
	}
	stamp := filepath.Join(o.BinDir, ".stamp-kwok")
	if !o.Force && o.upToDate(stamp, key, []string{Kwok}) {
		fmt.Fprintf(o.Progress, "%s is up to date in %s\n", KwokModule, o.BinDir)
		return nil
	}
	fmt.Fprintf(o.Progress, "installing %s\n", KwokModule)
	// go install module@version resolves kwok's own dependencies, apart from
	// the sandbox module's replacements.
	env := []string{"GOBIN=" + o.BinDir}
	if err := o.runGo(ctx, o.BinDir, env, "kwok", 0, "install", "-v", KwokModule); err != nil {
		return err
	}
	return writeStamp(stamp, key)
}

// versionLDFlags stamps the release into the binaries the way the Kubernetes
// release build does, so that "kubectl version" and the API server report it.
func versionLDFlags(version string) (string, error) {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return "", fmt.Errorf("unexpected k8s.io/kubernetes version %q", version)
	}
	flags := []string{"-s", "-w"}
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags = append(flags,
			"-X", pkg+".gitVersion="+version,
			"-X", pkg+".gitMajor="+parts[0],
			"-X", pkg+".gitMinor="+parts[1],
			"-X", pkg+".gitTreeState=clean",
		)
	}
	return strings.Join(flags, " "), nil
}

func (o Options) stampKey(parts ...string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(o.ModuleDir, name))
		if err != nil {
			return "", fmt.Errorf("read sandbox %s: %w", name, err)
		}
		h.Write(data)
	}
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (o Options) upToDate(stamp, key string, programs []string) bool {
	data, err := os.ReadFile(stamp)
	if err != nil || strings.TrimSpace(string(data)) != key {
		return false
	}
	for _, p := range programs {
		if fi, err := os.Stat(filepath.Join(o.BinDir, p)); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

func writeStamp(path, key string) error {
	if err := os.WriteFile(path, []byte(key+"\n"), 0o644); err != nil {
		return fmt.Errorf("write build stamp: %w", err)
	}
	return nil
}

// goEnv is the environment of every go command run here: no workspace, and
// static binaries that need no C toolchain.
func goEnv(extra []string) []string {
	return append(append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0"), extra...)
}

func goOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv(nil)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// runGo runs a go build or install with -v and turns the package names it
// prints into periodic progress lines; other output is kept for the error.
func (o Options) runGo(ctx context.Context, dir string, env []string, what string, total int, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv(env)
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	counter := newPackageCounter(pr)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start go %s: %w", args[0], err)
	}
	waitErr := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		waitErr <- err
	}()
	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			fmt.Fprintf(o.Progress, "  %s: %s, %s\n", what, counter.describe(total), time.Since(start).Round(time.Second))
		case err := <-waitErr:
			<-counter.done
			if err != nil {
				return fmt.Errorf("go %s for %s: %w\n%s", args[0], what, err, counter.failure())
			}
			fmt.Fprintf(o.Progress, "  %s: done in %s (%s)\n", what, time.Since(start).Round(time.Second), counter.describe(total))
			return nil
		}
	}
}
