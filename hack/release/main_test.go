package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/internal/krew"
	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

func runArgs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestRunRefusesBadUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "no command", args: nil, want: "no command given"},
		{name: "unknown command", args: []string{"publish"}, want: `unknown command "publish"`},
		{name: "dist without version", args: []string{"dist"}, want: "dist needs --version"},
		{name: "dist with an unknown platform", args: []string{"dist", "--version", "v1.0.0", "--platforms", "plan9/amd64"}, want: "not one of the release platforms"},
		{name: "manifest without version", args: []string{"manifest"}, want: "manifest needs --version"},
		{name: "manifest from a missing file", args: []string{"manifest", "--from", filepath.Join(dir, "none.yaml")}, want: "no such file"},
		{name: "manifest without checksums", args: []string{"manifest", "--version", "v1.0.0", "--checksums", filepath.Join(dir, "none.txt")}, want: "run make dist VERSION=v1.0.0 first"},
		{name: "validate without manifest", args: []string{"validate-krew"}, want: "at least one manifest"},
		{name: "validate with dist and archive", args: []string{"validate-krew", "--dist", dir, "--archive", "a.zip", "m.yaml"}, want: "exclude each other"},
		{name: "validate without dist", args: []string{"validate-krew", "--dist", filepath.Join(dir, "dist"), "m.yaml"}, want: "run make dist first"},
		{name: "validate a missing manifest", args: []string{"validate-krew", "--skip-install", filepath.Join(dir, "rotate.yaml")}, want: "no such file"},
		{name: "unknown flag", args: []string{"dist", "--colour"}, want: "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runArgs(t, tc.args...)
			if err == nil || !strings.Contains(err.Error()+out, tc.want) {
				t.Fatalf("err = %v, output %q; want %q", err, out, tc.want)
			}
		})
	}
	if out, err := runArgs(t, "help"); err != nil || !strings.Contains(out, "validate-krew") {
		t.Fatalf("help: %v %q", err, out)
	}
}

func TestManifestThenValidate(t *testing.T) {
	dir := t.TempDir()
	var sums strings.Builder
	for i, p := range release.Platforms() {
		sums.WriteString(strings.Repeat(string(rune('a'+i)), 64) + "  " + p.ArchiveName("v2.0.0") + "\n")
	}
	checksums := filepath.Join(dir, release.ChecksumsName("v2.0.0"))
	if err := os.WriteFile(checksums, []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "krew-manifest.yaml")
	if out, err := runArgs(t, "manifest", "--version", "v2.0.0", "--checksums", checksums, "--out", manifest); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := runArgs(t, "validate-krew", "--skip-install", manifest)
	if err != nil || !strings.Contains(out, "rotate v2.0.0 passes all") {
		t.Fatalf("%v\n%s", err, out)
	}
	again := filepath.Join(dir, "again.yaml")
	if out, err := runArgs(t, "manifest", "--from", manifest, "--out", again); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if a, b := readFile(t, manifest), readFile(t, again); a != b {
		t.Fatal("manifest --from gave another manifest")
	}

	broken := filepath.Join(dir, "rotate.yaml")
	if err := os.WriteFile(broken, []byte(strings.Replace(readFile(t, manifest), "version: v2.0.0", "version: 2.0.0", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runArgs(t, "validate-krew", "--skip-install", broken)
	if err == nil || !strings.Contains(out, "[version]") {
		t.Fatalf("a version without v passed: %v\n%s", err, out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// scriptBuilder "builds" a shell script that prints the version, as the real binary does.
type scriptBuilder struct{ version string }

func (b scriptBuilder) Build(_ context.Context, p release.Platform, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	script := "#!/bin/sh\necho 'kubectl-rotate " + b.version + " (abc1234) go1.26 " + p.String() + "'\n"
	return os.WriteFile(out, []byte(script), 0o755)
}

// distFixture writes a dist directory for v3.0.0 and its manifest.
func distFixture(t *testing.T) (distDir, manifest string) {
	t.Helper()
	src := t.TempDir()
	for _, name := range []string{"LICENSE", "README.md", "kubectl_complete-rotate", "kubectl_complete-rotate.bat"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	distDir = filepath.Join(t.TempDir(), "dist")
	artifacts, err := release.Dist(context.Background(), release.DistOptions{
		Version: "v3.0.0", OutDir: distDir, SourceDir: src, ModTime: time.Unix(0, 0), Builder: scriptBuilder{version: "v3.0.0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, a := range artifacts {
		sums[filepath.Base(a.Path)] = a.SHA256
	}
	data, err := krew.Generate("v3.0.0", sums)
	if err != nil {
		t.Fatal(err)
	}
	manifest = filepath.Join(distDir, "krew-manifest.yaml")
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return distDir, manifest
}

// fakeKubectl lists the first PATH directory's kubectl-rotate as the plugin and runs
// kubectl-<name> for "kubectl <name>".
const fakeKubectl = "#!/bin/sh\ncase \"$1\" in\nplugin) echo \"${PATH%%:*}/kubectl-rotate\" ;;\n*) n=$1; shift; exec \"kubectl-$n\" \"$@\" ;;\nesac\n"

func TestValidateKrewInstallsFromDist(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake binaries are shell scripts")
	}
	distDir, manifest := distFixture(t)
	kubectl := filepath.Join(t.TempDir(), "kubectl")
	if err := os.WriteFile(kubectl, []byte(fakeKubectl), 0o755); err != nil {
		t.Fatal(err)
	}

	out, err := runArgs(t, "validate-krew", "--dist", distDir, "--kubectl", kubectl, manifest)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"installed for linux/amd64", "installed for windows/arm64", "version: kubectl-rotate v3.0.0", "resolves kubectl-rotate to the installed link"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	host := release.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	out, err = runArgs(t, "validate-krew", "--archive", filepath.Join(distDir, host.ArchiveName("v3.0.0")), "--kubectl", kubectl, manifest)
	if err != nil || strings.Contains(out, "windows") {
		t.Fatalf("--archive installs the host's platform only: %v\n%s", err, out)
	}

	// An archive that is not the one the manifest was made for fails its checksum.
	other := filepath.Join(distDir, release.Platforms()[1].ArchiveName("v3.0.0"))
	if err := os.WriteFile(other, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runArgs(t, "validate-krew", "--dist", distDir, "--kubectl", kubectl, manifest)
	if err == nil || !strings.Contains(err.Error(), "checksum does not match") {
		t.Fatalf("a tampered archive passed: %v\n%s", err, out)
	}
}

func TestParsePlatforms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		list    string
		want    int
		wantErr bool
	}{
		{name: "empty means all", list: "", want: 0},
		{name: "two", list: "linux/amd64, darwin/arm64", want: 2},
		{name: "no slash", list: "linux", wantErr: true},
		{name: "not a release platform", list: "linux/386", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePlatforms(tc.list)
			if (err != nil) != tc.wantErr || len(got) != tc.want {
				t.Fatalf("parsePlatforms(%q) = %v, %v", tc.list, got, err)
			}
		})
	}
}
