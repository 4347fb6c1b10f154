package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/internal/krew"
	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// distFlags are the flags of "release dist".
type distFlags struct {
	version   string
	ldflags   string
	mtime     int64
	out       string
	sourceDir string
	pkg       string
	platforms string
}

func runDist(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dist", stderr)
	var f distFlags
	fs.StringVar(&f.version, "version", "", "release version, with a leading v (required)")
	fs.StringVar(&f.ldflags, "ldflags", "", "go build -ldflags: -X main.version=... -X main.commit=...")
	fs.Int64Var(&f.mtime, "mtime", 0, "modification time of every archive entry, in seconds since 1970 (the commit time)")
	fs.StringVar(&f.out, "out", "dist", "output directory")
	fs.StringVar(&f.sourceDir, "source-dir", ".", "directory of LICENSE, README.md and the completion helpers")
	fs.StringVar(&f.pkg, "package", "./cmd/kubectl-rotate", "main package to build")
	fs.StringVar(&f.platforms, "platforms", "", "comma-separated os/arch list to build (default: every release platform)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.version == "" {
		return errors.New("dist needs --version")
	}
	platforms, err := parsePlatforms(f.platforms)
	if err != nil {
		return err
	}
	start := time.Now()
	artifacts, err := release.Dist(ctx, release.DistOptions{
		Version:   f.version,
		OutDir:    f.out,
		SourceDir: f.sourceDir,
		ModTime:   time.Unix(f.mtime, 0),
		Platforms: platforms,
		Builder:   release.GoBuilder{Package: f.pkg, LDFlags: f.ldflags},
		Progress:  stdout,
	})
	if err != nil {
		return err
	}
	if platforms != nil {
		fmt.Fprintf(stdout, "built %d of %d platforms: no krew manifest written\n", len(artifacts), len(release.Platforms()))
		return nil
	}
	sums := make(map[string]string, len(artifacts))
	for _, a := range artifacts {
		sums[filepath.Base(a.Path)] = a.SHA256
	}
	manifest, err := krew.Generate(f.version, sums)
	if err != nil {
		return err
	}
	// krew-manifest.yaml is the repository's name for it, rotate.yaml the krew index's.
	for _, name := range []string{"krew-manifest.yaml", krew.PluginName + ".yaml"} {
		path := filepath.Join(f.out, name)
		if err := release.WriteFile(path, manifest); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-14s %s\n", "krew manifest", path)
	}
	fmt.Fprintf(stdout, "dist %s done in %s\n", f.version, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// parsePlatforms parses "linux/amd64,darwin/arm64"; empty means nil, every platform.
func parsePlatforms(list string) ([]release.Platform, error) {
	if list == "" {
		return nil, nil
	}
	var out []release.Platform
	for item := range strings.SplitSeq(list, ",") {
		osName, arch, ok := strings.Cut(strings.TrimSpace(item), "/")
		p := release.Platform{OS: osName, Arch: arch}
		known := false
		for _, rp := range release.Platforms() {
			known = known || rp == p
		}
		if !ok || !known {
			return nil, fmt.Errorf("--platforms: %q is not one of the release platforms %v", item, release.Platforms())
		}
		out = append(out, p)
	}
	return out, nil
}
