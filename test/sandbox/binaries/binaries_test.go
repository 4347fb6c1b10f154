package binaries

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeclaresModule(t *testing.T) {
	tests := []struct {
		name  string
		gomod string
		want  bool
	}{
		{name: "sandbox module", gomod: "module " + ModulePath + "\n\ngo 1.26.0\n", want: true},
		{name: "quoted path", gomod: "// comment\nmodule \"" + ModulePath + "\"\n", want: true},
		{name: "root module", gomod: "module github.com/kubectl-rotate/kubectl-rotate\n", want: false},
		{name: "no module line", gomod: "go 1.26.0\n", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := declaresModule([]byte(tt.gomod), ModulePath); got != tt.want {
				t.Errorf("declaresModule() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFindModuleDir(t *testing.T) {
	repo := t.TempDir()
	module := filepath.Join(repo, "test", "sandbox")
	deep := filepath.Join(module, "cluster", "stages")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(module, "go.mod"), []byte("module "+ModulePath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module github.com/kubectl-rotate/kubectl-rotate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		start string
	}{
		{name: "repository root", start: repo},
		{name: "module directory", start: module},
		{name: "below the module", start: deep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindModuleDir(tt.start)
			if err != nil {
				t.Fatal(err)
			}
			if got != module {
				t.Errorf("FindModuleDir(%s) = %s, want %s", tt.start, got, module)
			}
			if root := RepoRoot(got); root != repo {
				t.Errorf("RepoRoot(%s) = %s, want %s", got, root, repo)
			}
		})
	}
	if _, err := FindModuleDir(t.TempDir()); err == nil {
		t.Error("FindModuleDir outside a repository: want an error")
	}
}

func TestVersionLDFlags(t *testing.T) {
	got, err := versionLDFlags("v1.36.4")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"-X k8s.io/component-base/version.gitVersion=v1.36.4",
		"-X k8s.io/component-base/version.gitMinor=36",
		"-X k8s.io/client-go/pkg/version.gitMajor=1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("versionLDFlags() = %q, missing %q", got, want)
		}
	}
	if _, err := versionLDFlags("devel"); err == nil {
		t.Error("versionLDFlags(devel): want an error")
	}
}

func TestPackageCounter(t *testing.T) {
	out := strings.Join([]string{
		"go: downloading go.etcd.io/etcd/server/v3 v3.6.8",
		"go.etcd.io/etcd/server/v3/embed",
		"google.golang.org/grpc",
		"k8s.io/kubernetes/cmd/kube-apiserver",
		"# k8s.io/kubernetes/pkg/broken",
		"pkg/broken/x.go:3:1: syntax error",
	}, "\n")
	c := newPackageCounter(strings.NewReader(out))
	<-c.done
	if got, want := c.describe(10), "3/10 packages compiled"; got != want {
		t.Errorf("describe() = %q, want %q", got, want)
	}
	if got := c.failure(); !strings.Contains(got, "syntax error") || strings.Contains(got, "grpc") {
		t.Errorf("failure() = %q, want the non-package lines", got)
	}
}
