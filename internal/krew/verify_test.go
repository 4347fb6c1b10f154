package krew

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeKubectl is a kubectl that runs kubectl-<plugin> from PATH and lists the plugins on PATH,
// like the real one, in a few lines of sh.
const fakeKubectl = `#!/bin/sh
if [ "$1" = plugin ] && [ "$2" = list ]; then
  echo "The following compatible plugins are available:"
  echo
  search=$PATH
  IFS=:
  for d in $search; do
    [ -x "$d/kubectl-rotate" ] && echo "$d/kubectl-rotate"
  done
  exit 0
fi
name=$1; shift
exec "kubectl-$name" "$@"
`

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRuns(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake kubectl is a shell script")
	}
	for _, tc := range []struct {
		name    string
		printed string
		shadow  bool
		want    string
		wantErr string
	}{
		{name: "runs", printed: "kubectl-rotate v1.2.3 (abc1234) go1.26 linux/amd64", want: "v1.2.3"},
		{name: "another version", printed: "kubectl-rotate v1.2.4 go1.26 linux/amd64", wantErr: "not the manifest's version"},
		{name: "a prefix is not the version", printed: "kubectl-rotate v1.2.3-rc.1 go1.26 linux/amd64", wantErr: "not the manifest's version"},
		{name: "shadowed by an earlier copy", printed: "kubectl-rotate v1.2.3", shadow: true, wantErr: "not to the installed link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			kubectl := filepath.Join(dir, "tools", "kubectl")
			writeScript(t, kubectl, fakeKubectl)
			binDir := filepath.Join(dir, "bin")
			writeScript(t, filepath.Join(binDir, "kubectl-rotate"), "#!/bin/sh\necho '"+tc.printed+"'\n")
			if tc.shadow {
				// CheckRuns puts binDir first on PATH; a fake kubectl that lists another
				// directory first stands for one that resolves the plugin elsewhere.
				other := filepath.Join(dir, "other")
				writeScript(t, filepath.Join(other, "kubectl-rotate"), "#!/bin/sh\n")
				writeScript(t, kubectl, strings.Replace(fakeKubectl, "search=$PATH", "search="+other+":$PATH", 1))
			}
			rc, err := CheckRuns(context.Background(), kubectl, binDir, "rotate", "v1.2.3")
			if tc.wantErr != "" {
				wantError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rc.Version, tc.want) || rc.Resolved != filepath.Join(binDir, "kubectl-rotate") {
				t.Fatalf("got %+v", rc)
			}
		})
	}
}

func TestFirstPluginPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		out  string
		want string
	}{
		{name: "listed", out: "The following compatible plugins are available:\n\n/a/kubectl-foo\n/b/kubectl-rotate\n/c/kubectl-rotate\n", want: "/b/kubectl-rotate"},
		{name: "windows name", out: "/b/kubectl-rotate.exe\n", want: "/b/kubectl-rotate.exe"},
		{name: "warning lines are skipped", out: "  - warning: /c/kubectl-rotate is overshadowed\n/b/kubectl-rotate\n", want: "/b/kubectl-rotate"},
		{name: "not listed", out: "/a/kubectl-rotate2\n", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FirstPluginPath(tc.out, "kubectl-rotate"); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
