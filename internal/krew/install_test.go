package krew

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// fixture is a manifest whose archives exist in dir.
type fixture struct {
	plugin Plugin
	dir    string
}

// newFixture writes an archive per release platform (holding entries, or the usual files
// when entries is nil) into a directory and returns the manifest generated for them.
func newFixture(t *testing.T, entries func(p release.Platform) []release.Entry) fixture {
	t.Helper()
	dir := t.TempDir()
	sums := map[string]string{}
	for _, p := range release.Platforms() {
		es := []release.Entry{
			{Name: p.Binary(), Mode: 0o755, Data: []byte("#!/bin/sh\necho kubectl-rotate v1.2.3\n")},
			{Name: p.Completion(), Mode: 0o755, Data: []byte("completion")},
			{Name: "LICENSE", Mode: 0o644, Data: []byte("license")},
			{Name: "README.md", Mode: 0o644, Data: []byte("readme")},
		}
		if entries != nil {
			es = entries(p)
		}
		var buf bytes.Buffer
		f, _ := release.FormatOf(p.ArchiveName("v1.2.3"))
		if err := release.WriteArchive(&buf, f, es, time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, p.ArchiveName("v1.2.3")), buf.Bytes())
		sums[p.ArchiveName("v1.2.3")] = release.SHA256(buf.Bytes())
	}
	data, err := Generate("v1.2.3", sums)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{plugin: p, dir: dir}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInstallEveryPlatform(t *testing.T) {
	fx := newFixture(t, nil)
	for _, p := range release.Platforms() {
		t.Run(p.String(), func(t *testing.T) {
			root := t.TempDir()
			inst, err := Install(context.Background(), fx.plugin, InstallOptions{Root: root, Platform: p, Fetcher: DirFetcher{Dir: fx.dir}})
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, "store", "rotate", "v1.2.3"); inst.Dir != want {
				t.Errorf("installed in %s, want %s", inst.Dir, want)
			}
			if want := filepath.Join(root, "bin", LinkName("rotate", p.Windows())); inst.Link != want {
				t.Errorf("link %s, want %s", inst.Link, want)
			}
			target, err := os.Readlink(inst.Link)
			if err != nil || filepath.IsAbs(target) {
				t.Fatalf("link target %q, %v: want a relative link", target, err)
			}
			got, err := filepath.Glob(filepath.Join(inst.Dir, "*"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i] = filepath.Base(got[i])
			}
			// README.md is in the archive but not in the files list.
			want := []string{"LICENSE", p.Binary(), p.Completion()}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("installed %v, want %v", got, want)
			}
			fi, err := os.Stat(inst.Link)
			if err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("the linked binary: %v %v, want mode 0755", fi, err)
			}
		})
	}
}

func TestInstallTwiceReplaces(t *testing.T) {
	fx := newFixture(t, nil)
	root := t.TempDir()
	o := InstallOptions{Root: root, Platform: release.Platforms()[0], Fetcher: DirFetcher{Dir: fx.dir}}
	for range 2 {
		if _, err := Install(context.Background(), fx.plugin, o); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInstallFetchers(t *testing.T) {
	fx := newFixture(t, nil)
	p := release.Platforms()[0]
	archive := filepath.Join(fx.dir, p.ArchiveName("v1.2.3"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(fx.dir, filepath.Base(r.URL.Path)))
	}))
	defer srv.Close()
	local := fx.plugin
	local.Spec.Platforms = append([]Platform(nil), fx.plugin.Spec.Platforms...)
	local.Spec.Platforms[0].URI = srv.URL + "/download/" + p.ArchiveName("v1.2.3")
	for _, tc := range []struct {
		name    string
		plugin  Plugin
		fetcher Fetcher
		wantErr string
	}{
		{name: "file", plugin: fx.plugin, fetcher: FileFetcher{Path: archive}},
		{name: "http", plugin: local, fetcher: HTTPFetcher{Client: srv.Client()}},
		{name: "http not found", plugin: fx.plugin, fetcher: HTTPFetcher{Client: srv.Client()}, wantErr: "download"},
		{name: "missing file", plugin: fx.plugin, fetcher: FileFetcher{Path: archive + ".gone"}, wantErr: "no such file"},
		{name: "missing in the directory", plugin: fx.plugin, fetcher: DirFetcher{Dir: t.TempDir()}, wantErr: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "http not found" {
				tc.plugin.Spec.Platforms = append([]Platform(nil), tc.plugin.Spec.Platforms...)
				tc.plugin.Spec.Platforms[0].URI = srv.URL + "/nothing.tar.gz"
			}
			_, err := Install(context.Background(), tc.plugin, InstallOptions{Root: t.TempDir(), Platform: p, Fetcher: tc.fetcher})
			if tc.wantErr != "" {
				wantError(t, err, tc.wantErr)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestInstallFails(t *testing.T) {
	linux := release.Platform{OS: "linux", Arch: "amd64"}
	without := func(name string) func(p release.Platform) []release.Entry {
		return func(p release.Platform) []release.Entry {
			var es []release.Entry
			for _, e := range []release.Entry{
				{Name: p.Binary(), Mode: 0o755, Data: []byte("bin")},
				{Name: p.Completion(), Mode: 0o755, Data: []byte("completion")},
				{Name: "LICENSE", Mode: 0o644, Data: []byte("license")},
			} {
				if e.Name != name {
					es = append(es, e)
				}
			}
			return es
		}
	}
	for _, tc := range []struct {
		name     string
		entries  func(p release.Platform) []release.Entry
		mutate   func(p *Plugin)
		platform release.Platform
		want     string
	}{
		{name: "checksum mismatch", mutate: func(p *Plugin) { p.Spec.Platforms[0].Sha256 = strings.Repeat("0", 64) }, want: "checksum does not match"},
		{name: "no platform", platform: release.Platform{OS: "linux", Arch: "ppc64le"}, want: "does not offer installation"},
		{name: "binary missing", entries: without("kubectl-rotate"), want: "kubectl-rotate"},
		{name: "license missing, listed", entries: without("LICENSE"), want: "matched the glob"},
		{name: "license missing, everything extracted", entries: without("LICENSE"), mutate: func(p *Plugin) {
			p.Spec.Platforms[0].Files = nil
		}, want: "LICENSE (or alike)"},
		{name: "bin not extracted", mutate: func(p *Plugin) { p.Spec.Platforms[0].Bin = "kubectl-other" }, want: "not in the archive's extracted files"},
		{name: "bin outside", mutate: func(p *Plugin) { p.Spec.Platforms[0].Bin = "../../kubectl-rotate" }, want: "outside the installation directory"},
		{name: "unclean to", mutate: func(p *Plugin) { p.Spec.Platforms[0].Files[0].To = "./" }, want: "not clean"},
		{name: "to outside", mutate: func(p *Plugin) { p.Spec.Platforms[0].Files[0].To = "../x" }, want: "out of bounds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, tc.entries)
			if tc.mutate != nil {
				tc.mutate(&fx.plugin)
			}
			target := tc.platform
			if target == (release.Platform{}) {
				target = linux
			}
			_, err := Install(context.Background(), fx.plugin, InstallOptions{Root: t.TempDir(), Platform: target, Fetcher: DirFetcher{Dir: fx.dir}})
			wantError(t, err, tc.want)
		})
	}
}

// rawZip returns a zip with one file, whatever its name.
func rawZip(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err == nil {
		_, err = w.Write([]byte("x"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractRefusesEscapes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		entry string
		want  string
	}{
		{name: "parent", entry: "a/../../evil", want: "suspicious"},
		{name: "absolute", entry: "/etc/evil", want: "absolute"},
		{name: "backslash", entry: `\evil`, want: "absolute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := extract(filepath.Join(dir, "x"), rawZip(t, tc.entry))
			wantError(t, err, tc.want)
			if _, err := os.Stat(filepath.Join(dir, "evil")); !os.IsNotExist(err) {
				t.Fatalf("an entry escaped: %v", err)
			}
		})
	}
}

func TestLinkRefusesToReplaceAFile(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "store", "kubectl-rotate")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, bin, []byte("x"))
	binDir := filepath.Join(dir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(binDir, "kubectl-rotate"), []byte("not a link"))
	if _, err := link(binDir, bin, "kubectl-rotate"); err == nil || !strings.Contains(err.Error(), "not a symbolic link") {
		t.Fatalf("err = %v", err)
	}
}

func TestLinkName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		plugin  string
		windows bool
		want    string
	}{
		{name: "plain", plugin: "rotate", want: "kubectl-rotate"},
		{name: "dashes", plugin: "view-logs", want: "kubectl-view_logs"},
		{name: "windows", plugin: "rotate", windows: true, want: "kubectl-rotate.exe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LinkName(tc.plugin, tc.windows); got != tc.want {
				t.Fatalf("LinkName = %s, want %s", got, tc.want)
			}
		})
	}
}
