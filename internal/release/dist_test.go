package release

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPlatformNames(t *testing.T) {
	for _, tc := range []struct {
		name       string
		platform   Platform
		binary     string
		completion string
		archive    string
	}{
		{
			name:     "linux",
			platform: Platform{OS: "linux", Arch: "arm64"}, binary: "kubectl-rotate", completion: "kubectl_complete-rotate",
			archive: "kubectl-rotate_v1.2.3_linux_arm64.tar.gz",
		},
		{
			name:     "darwin",
			platform: Platform{OS: "darwin", Arch: "amd64"}, binary: "kubectl-rotate", completion: "kubectl_complete-rotate",
			archive: "kubectl-rotate_v1.2.3_darwin_amd64.tar.gz",
		},
		{
			name:     "windows",
			platform: Platform{OS: "windows", Arch: "amd64"}, binary: "kubectl-rotate.exe", completion: "kubectl_complete-rotate.bat",
			archive: "kubectl-rotate_v1.2.3_windows_amd64.zip",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.platform
			if p.Binary() != tc.binary || p.Completion() != tc.completion || p.ArchiveName("v1.2.3") != tc.archive {
				t.Fatalf("got %s %s %s", p.Binary(), p.Completion(), p.ArchiveName("v1.2.3"))
			}
		})
	}
	if got := ChecksumsName("v1.2.3"); got != "kubectl-rotate_v1.2.3_checksums.txt" {
		t.Fatalf("ChecksumsName = %s", got)
	}
	if n := len(Platforms()); n != 6 {
		t.Fatalf("%d platforms, want 6", n)
	}
}

// fakeBuilder writes a small file naming the platform instead of compiling.
type fakeBuilder struct{ fail Platform }

var _ Builder = fakeBuilder{}

func (f fakeBuilder) Build(_ context.Context, p Platform, out string) error {
	if p == f.fail {
		return errors.New("compile error")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte("binary for "+p.String()), 0o700)
}

func sourceDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"LICENSE":                     "license\n",
		"README.md":                   "# readme\n",
		"kubectl_complete-rotate":     "#!/bin/sh\n",
		"kubectl_complete-rotate.bat": "@echo off\r\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDistWritesReproducibleArchivesAndChecksums(t *testing.T) {
	src := sourceDir(t)
	run := func(out string) []Artifact {
		t.Helper()
		artifacts, err := Dist(context.Background(), DistOptions{
			Version: "v1.2.3", OutDir: out, SourceDir: src, ModTime: time.Unix(1700000000, 0), Builder: fakeBuilder{},
		})
		if err != nil {
			t.Fatal(err)
		}
		return artifacts
	}
	first, second := run(t.TempDir()), run(t.TempDir())
	if len(first) != 6 {
		t.Fatalf("%d artifacts, want 6", len(first))
	}
	for i := range first {
		if first[i].SHA256 != second[i].SHA256 {
			t.Errorf("%s: sha256 differs between two runs", first[i].Platform)
		}
	}

	out := filepath.Dir(first[0].Path)
	sums, err := ReadChecksumsFile(filepath.Join(out, "kubectl-rotate_v1.2.3_checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range first {
		got, err := SHA256File(a.Path)
		if err != nil {
			t.Fatal(err)
		}
		if sums[filepath.Base(a.Path)] != got || a.SHA256 != got {
			t.Errorf("%s: checksums file says %s, artifact %s, file %s", a.Path, sums[filepath.Base(a.Path)], a.SHA256, got)
		}
		data, err := os.ReadFile(a.Path)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := ReadArchive(data)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name)
			wantMode := os.FileMode(0o644)
			if e.Name == a.Platform.Binary() || e.Name == a.Platform.Completion() {
				wantMode = 0o755
			}
			if e.Mode != wantMode {
				t.Errorf("%s: %s has mode %v, want %v", a.Path, e.Name, e.Mode, wantMode)
			}
		}
		want := []string{"LICENSE", "README.md", a.Platform.Binary(), a.Platform.Completion()}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("%s holds %v, want %v", a.Path, names, want)
		}
	}
}

func TestDistFails(t *testing.T) {
	src := sourceDir(t)
	for _, tc := range []struct {
		name   string
		mutate func(*DistOptions)
		want   string
	}{
		{name: "no version", mutate: func(o *DistOptions) { o.Version = "" }, want: "needs a version"},
		{name: "build fails", mutate: func(o *DistOptions) { o.Builder = fakeBuilder{fail: Platforms()[2]} }, want: "compile error"},
		{name: "LICENSE missing", mutate: func(o *DistOptions) { o.SourceDir = t.TempDir() }, want: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DistOptions{Version: "v1.0.0", OutDir: t.TempDir(), SourceDir: src, Builder: fakeBuilder{}}
			tc.mutate(&o)
			_, err := Dist(context.Background(), o)
			wantError(t, err, tc.want)
		})
	}
}

func TestChecksums(t *testing.T) {
	sums := map[string]string{"b.zip": strings.Repeat("b", 64), "a.tar.gz": strings.Repeat("a", 64)}
	var buf strings.Builder
	if err := WriteChecksums(&buf, sums); err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("a", 64) + "  a.tar.gz\n" + strings.Repeat("b", 64) + "  b.zip\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
	for _, tc := range []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "round trip", input: want},
		{name: "binary marker and upper case", input: strings.Repeat("A", 64) + " *a.tar.gz\n"},
		{name: "short hash", input: "abc  a.tar.gz\n", wantErr: "is not"},
		{name: "one space", input: strings.Repeat("a", 64) + " a.tar.gz\n", wantErr: "is not"},
		{name: "duplicate", input: want + want, wantErr: "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChecksums(strings.NewReader(tc.input))
			if tc.wantErr != "" {
				wantError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, sum := range got {
				if sum != strings.ToLower(sum) || len(sum) != 64 || name == "" {
					t.Errorf("bad parse: %s %s", name, sum)
				}
			}
		})
	}
}
