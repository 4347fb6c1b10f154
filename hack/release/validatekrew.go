package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/internal/krew"
	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// validateFlags are the flags of "release validate-krew".
type validateFlags struct {
	dist        string
	archive     string
	skipInstall bool
	kubectl     kubectlFlags
}

func runValidateKrew(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate-krew", stderr)
	var f validateFlags
	fs.StringVar(&f.dist, "dist", "", "take the archives from this directory (by the uri's file name) instead of downloading them")
	fs.StringVar(&f.archive, "archive", "", "install this archive for the host platform instead of downloading it, like krew install --archive")
	fs.BoolVar(&f.skipInstall, "skip-install", false, "check the rules only; the sha256 values need not match any archive at hand")
	f.kubectl.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: release validate-krew [flags] MANIFEST...\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("validate-krew needs at least one manifest file")
	}
	if f.dist != "" && f.archive != "" {
		return errors.New("--dist and --archive exclude each other")
	}
	if f.dist != "" {
		if _, err := os.Stat(f.dist); err != nil {
			return fmt.Errorf("the archives directory %s is missing; run make dist first: %w", f.dist, err)
		}
	}
	for _, manifest := range fs.Args() {
		if err := validateManifest(ctx, manifest, f, stdout, stderr); err != nil {
			return fmt.Errorf("%s: %w", manifest, err)
		}
	}
	return nil
}

func validateManifest(ctx context.Context, path string, f validateFlags, stdout, stderr io.Writer) error {
	p, err := krew.ReadFile(path)
	if err != nil {
		return err
	}
	if vs := krew.Check(filepath.Base(path), p, release.Platforms()); len(vs) > 0 {
		for _, v := range vs {
			fmt.Fprintf(stdout, "%s: %v\n", path, v)
		}
		return fmt.Errorf("breaks %d of krew's rules", len(vs))
	}
	fmt.Fprintf(stdout, "%s: %s %s passes all %d rules\n", path, p.Metadata.Name, p.Spec.Version, len(krew.Rules()))
	if f.skipInstall {
		return nil
	}

	var fetcher krew.Fetcher = krew.HTTPFetcher{}
	switch {
	case f.archive != "":
		fetcher = krew.FileFetcher{Path: f.archive}
	case f.dist != "":
		fetcher = krew.DirFetcher{Dir: f.dist}
	}
	host := release.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	targets := []release.Platform{host}
	if f.archive == "" {
		// As validate-krew-manifest does, install every platform, each as if on it
		// (KREW_OS/KREW_ARCH); a given archive is only the host's.
		targets = installTargets(p)
	}
	var hostInstall *krew.Installation
	for _, t := range targets {
		root, err := os.MkdirTemp("", "krew-validate-")
		if err != nil {
			return fmt.Errorf("create a krew root: %w", err)
		}
		defer os.RemoveAll(root)
		inst, err := krew.Install(ctx, p, krew.InstallOptions{Root: root, Platform: t, Fetcher: fetcher})
		if err != nil {
			return fmt.Errorf("install for %s: %w", t, err)
		}
		fmt.Fprintf(stdout, "%s: installed for %-13s sha256 %s…, %s -> %s\n", path, t, inst.Platform.Sha256[:12], filepath.Base(inst.Link), inst.Platform.Bin)
		if t == host {
			hostInstall = &inst
		}
	}
	if hostInstall == nil {
		return fmt.Errorf("no platform of the manifest installs on this machine (%s)", host)
	}

	kubectl, err := f.kubectl.find(ctx, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	rc, err := krew.CheckRuns(ctx, kubectl, hostInstall.BinDir, p.Metadata.Name, p.Spec.Version)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: kubectl %s version: %s (%s)\n", path, p.Metadata.Name, rc.Version, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "%s: kubectl plugin list resolves %s to the installed link %s\n", path, filepath.Base(rc.Resolved), rc.Resolved)
	return nil
}

// installTargets returns, for each platform of the manifest, the os/arch to install it as:
// the first supported pair its selector matches, the host's pair first if it matches.
func installTargets(p krew.Plugin) []release.Platform {
	host := release.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	out := make([]release.Platform, 0, len(p.Spec.Platforms))
	for _, pl := range p.Spec.Platforms {
		if krew.Matches(pl.Selector, host) {
			out = append(out, host)
			continue
		}
		if t, ok := krew.FirstSupported(pl.Selector); ok {
			out = append(out, t)
		}
	}
	return out
}
