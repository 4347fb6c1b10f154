package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Builder compiles the plugin binary for a platform into the file out.
type Builder interface {
	Build(ctx context.Context, p Platform, out string) error
}

// GoBuilder builds Package with the go command, statically (CGO_ENABLED=0) and with -trimpath
// so that the binary does not depend on where the module was checked out.
type GoBuilder struct {
	// Go is the go command; empty means "go" from PATH.
	Go string
	// Dir is the module directory the command runs in; empty means the working directory.
	Dir string
	// Package is the main package, for example ./cmd/kubectl-rotate.
	Package string
	// LDFlags is passed as -ldflags (version, commit, -s -w).
	LDFlags string
	// Env is the base environment; nil means os.Environ().
	Env []string
	// Output receives the go command's output; nil discards it.
	Output io.Writer
}

var _ Builder = GoBuilder{}

// Build runs go build for the platform.
func (b GoBuilder) Build(ctx context.Context, p Platform, out string) error {
	goCmd := b.Go
	if goCmd == "" {
		goCmd = "go"
	}
	env := b.Env
	if env == nil {
		env = os.Environ()
	}
	// The flags fix everything that reaches the binary's build information, so that GOFLAGS
	// in the environment or go env cannot make one commit build differently: no VCS stamp
	// (version and commit come from the ldflags) and go.mod read as it is.
	args := []string{"build", "-trimpath", "-buildvcs=false", "-mod=readonly", "-ldflags", b.LDFlags, "-o", out, b.Package}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = b.Dir
	// Later entries win, so these override whatever the environment says.
	cmd.Env = append(env[:len(env):len(env)], "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err := cmd.Run()
	if b.Output != nil {
		_, _ = b.Output.Write(output.Bytes())
	}
	if err != nil {
		return fmt.Errorf("go build for %s: %w\n%s", p, err, output.Bytes())
	}
	return nil
}

// DistOptions says what Dist builds and where.
type DistOptions struct {
	// Version names the archives; it should be the version the binaries print.
	Version string
	// OutDir receives the archives and the checksums file.
	OutDir string
	// SourceDir holds LICENSE, README.md and the completion helpers.
	SourceDir string
	// ModTime is the modification time of every archive entry (the commit time).
	ModTime time.Time
	// Platforms to build; nil means Platforms().
	Platforms []Platform
	// Builder compiles the binaries.
	Builder Builder
	// Progress receives one line per archive; nil discards it.
	Progress io.Writer
}

// Artifact is one archive written by Dist.
type Artifact struct {
	Platform Platform
	// Path is the archive's path, in DistOptions.OutDir.
	Path   string
	SHA256 string
	Size   int64
}

// Dist builds the binary for every platform, packs each into its archive in OutDir and writes
// the checksums file of the archives. It returns the archives in the order of the platforms.
func Dist(ctx context.Context, o DistOptions) ([]Artifact, error) {
	if o.Version == "" || o.OutDir == "" || o.Builder == nil {
		return nil, errors.New("dist needs a version, an output directory and a builder")
	}
	if o.Platforms == nil {
		o.Platforms = Platforms()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.OutDir, err)
	}
	work, err := os.MkdirTemp("", "kubectl-rotate-dist-")
	if err != nil {
		return nil, fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(work)

	artifacts := make([]Artifact, 0, len(o.Platforms))
	sums := make(map[string]string, len(o.Platforms))
	for _, p := range o.Platforms {
		start := time.Now()
		a, err := distPlatform(ctx, o, p, work)
		if err != nil {
			return nil, err
		}
		artifacts = append(artifacts, a)
		sums[filepath.Base(a.Path)] = a.SHA256
		fmt.Fprintf(o.Progress, "%-14s %s (%.1f MiB, %s)\n", p, a.Path, float64(a.Size)/(1<<20), time.Since(start).Round(100*time.Millisecond))
	}
	var buf bytes.Buffer
	if err := WriteChecksums(&buf, sums); err != nil {
		return nil, err
	}
	checksums := filepath.Join(o.OutDir, ChecksumsName(o.Version))
	if err := WriteFile(checksums, buf.Bytes()); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "%-14s %s\n", "checksums", checksums)
	return artifacts, nil
}

func distPlatform(ctx context.Context, o DistOptions, p Platform, work string) (Artifact, error) {
	bin := filepath.Join(work, p.OS+"_"+p.Arch, p.Binary())
	if err := o.Builder.Build(ctx, p, bin); err != nil {
		return Artifact{}, err
	}
	entries, err := archiveEntries(o.SourceDir, p, bin)
	if err != nil {
		return Artifact{}, err
	}
	f, err := FormatOf(p.ArchiveName(o.Version))
	if err != nil {
		return Artifact{}, err
	}
	var buf bytes.Buffer
	if err := WriteArchive(&buf, f, entries, o.ModTime); err != nil {
		return Artifact{}, fmt.Errorf("archive for %s: %w", p, err)
	}
	out := filepath.Join(o.OutDir, p.ArchiveName(o.Version))
	if err := WriteFile(out, buf.Bytes()); err != nil {
		return Artifact{}, err
	}
	return Artifact{Platform: p, Path: out, SHA256: SHA256(buf.Bytes()), Size: int64(buf.Len())}, nil
}

// archiveEntries lists what an archive for p holds: the binary and the completion helper
// (executable), LICENSE and README.md.
func archiveEntries(sourceDir string, p Platform, bin string) ([]Entry, error) {
	files := []struct {
		name, path string
		exec       bool
	}{
		{p.Binary(), bin, true},
		{p.Completion(), filepath.Join(sourceDir, p.Completion()), true},
		{"LICENSE", filepath.Join(sourceDir, "LICENSE"), false},
		{"README.md", filepath.Join(sourceDir, "README.md"), false},
	}
	entries := make([]Entry, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("archive for %s: %w", p, err)
		}
		mode := os.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		entries = append(entries, Entry{Name: f.name, Mode: mode, Data: data})
	}
	return entries, nil
}

// WriteFile writes data to a temporary file next to path, mode 0644, and renames it into
// place, so that an interrupted run leaves no half-written file under the final name.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
