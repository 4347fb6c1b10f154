package krew

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// Fetcher gets the archive a platform's uri names.
type Fetcher interface {
	Fetch(ctx context.Context, uri string) ([]byte, error)
}

// HTTPFetcher downloads the uri, as krew does by default.
type HTTPFetcher struct {
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
}

// FileFetcher reads one local file whatever the uri, as "kubectl krew install --archive" does.
type FileFetcher struct{ Path string }

// DirFetcher reads the file named by the uri's last path element from Dir: the archives of a
// release before they are uploaded.
type DirFetcher struct{ Dir string }

var (
	_ Fetcher = HTTPFetcher{}
	_ Fetcher = FileFetcher{}
	_ Fetcher = DirFetcher{}
)

// Fetch downloads uri.
func (f HTTPFetcher) Fetch(ctx context.Context, uri string) ([]byte, error) {
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", uri, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", uri, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", uri, err)
	}
	return data, nil
}

// Fetch reads the file.
func (f FileFetcher) Fetch(_ context.Context, _ string) ([]byte, error) {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	return data, nil
}

// Fetch reads Dir/<last element of uri>.
func (f DirFetcher) Fetch(_ context.Context, uri string) ([]byte, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("archive of %s: %w", uri, err)
	}
	file := filepath.Join(f.Dir, path.Base(u.Path))
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("archive of %s: %w", uri, err)
	}
	return data, nil
}

// InstallOptions says where and for which platform Install installs.
type InstallOptions struct {
	// Root plays KREW_ROOT: the plugin goes to Root/store/<name>/<version> and its link to
	// Root/bin.
	Root string
	// Platform plays KREW_OS and KREW_ARCH.
	Platform release.Platform
	// Fetcher gets the archive.
	Fetcher Fetcher
}

// Installation is the result of Install.
type Installation struct {
	// Platform is the manifest platform that was installed.
	Platform Platform
	// Dir is the installation directory.
	Dir string
	// Link is the symbolic link kubectl finds the plugin by, in BinDir.
	Link   string
	BinDir string
}

// Install installs plugin p the way "kubectl krew install" does: it picks the first platform
// whose selector matches o.Platform, fetches its archive and checks it against the sha256,
// extracts it (a zip or gzipped tar, by content) into a staging directory, applies the file
// operations into the installation directory, links bin as kubectl-<name> (dashes become
// underscores, .exe on Windows) and, as krew's validation does, insists that a license file
// was installed.
func Install(ctx context.Context, p Plugin, o InstallOptions) (Installation, error) {
	pl, ok := MatchingPlatform(p.Spec.Platforms, o.Platform)
	if !ok {
		return Installation{}, fmt.Errorf("plugin %q does not offer installation for %s", p.Metadata.Name, o.Platform)
	}
	inst := Installation{
		Platform: pl,
		Dir:      filepath.Join(o.Root, "store", p.Metadata.Name, p.Spec.Version),
		BinDir:   filepath.Join(o.Root, "bin"),
	}
	data, err := o.Fetcher.Fetch(ctx, pl.URI)
	if err != nil {
		return inst, err
	}
	if got := release.SHA256(data); got != pl.Sha256 {
		return inst, fmt.Errorf("checksum does not match: the archive of %s has sha256 %s, the manifest says %s", pl.URI, got, pl.Sha256)
	}
	if err := os.MkdirAll(o.Root, 0o755); err != nil {
		return inst, fmt.Errorf("create %s: %w", o.Root, err)
	}
	staging, err := os.MkdirTemp(o.Root, "downloads-")
	if err != nil {
		return inst, fmt.Errorf("create staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	if err := extract(staging, data); err != nil {
		return inst, fmt.Errorf("unpack %s: %w", pl.URI, err)
	}
	files := pl.Files
	if files == nil {
		files = DefaultFiles()
	}
	if err := moveToInstallDir(staging, inst.Dir, files); err != nil {
		return inst, err
	}
	bin := filepath.Join(inst.Dir, filepath.FromSlash(pl.Bin))
	if !isSubPath(inst.Dir, bin) {
		return inst, fmt.Errorf("bin %q is outside the installation directory", pl.Bin)
	}
	if inst.Link, err = link(inst.BinDir, bin, LinkName(p.Metadata.Name, o.Platform.Windows())); err != nil {
		return inst, err
	}
	if err := licenseInstalled(inst.Dir); err != nil {
		return inst, err
	}
	return inst, nil
}

// LinkName returns the name of the link krew creates for a plugin: kubectl- and the name
// with dashes turned into underscores, and .exe on Windows.
func LinkName(plugin string, windows bool) string {
	name := "kubectl-" + strings.ReplaceAll(plugin, "-", "_")
	if windows {
		name += ".exe"
	}
	return name
}

// extract writes the archive's regular files and directories below dir, refusing entries
// that would land outside it.
func extract(dir string, data []byte) error {
	entries, err := release.ReadArchive(data)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.Contains(e.Name, "..") {
			return fmt.Errorf("refusing to unpack archive with suspicious entry %q", e.Name)
		}
		if strings.HasPrefix(e.Name, "/") || strings.HasPrefix(e.Name, `\`) {
			return fmt.Errorf("refusing to unpack archive with absolute entry %q", e.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(e.Name))
		if e.IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("extract %s: %w", e.Name, err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("extract %s: %w", e.Name, err)
		}
		if err := os.WriteFile(target, e.Data, e.Mode.Perm()); err != nil {
			return fmt.Errorf("extract %s: %w", e.Name, err)
		}
	}
	return nil
}

// link creates binDir/name as a relative symbolic link to bin, replacing an older link.
func link(binDir, bin, name string) (string, error) {
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("can't create the link: the plugin executable is not in the archive's extracted files: %w", err)
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", binDir, err)
	}
	dst := filepath.Join(binDir, name)
	if fi, err := os.Lstat(dst); err == nil {
		if fi.Mode()&fs.ModeSymlink == 0 {
			return "", fmt.Errorf("%s exists and is not a symbolic link", dst)
		}
		if err := os.Remove(dst); err != nil {
			return "", fmt.Errorf("remove the old link: %w", err)
		}
	}
	rel, err := filepath.Rel(binDir, bin)
	if err != nil {
		return "", fmt.Errorf("link %s: %w", dst, err)
	}
	if err := os.Symlink(rel, dst); err != nil {
		return "", fmt.Errorf("link %s: %w", dst, err)
	}
	return dst, nil
}

// licenseInstalled checks that the installation directory holds a license file, as
// validate-krew-manifest does after every install.
func licenseInstalled(dir string) error {
	var names []string
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, d.Name())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk the installation directory: %w", err)
	}
	for _, n := range names {
		if IsLicenseFile(n) {
			return nil
		}
	}
	return errors.New("LICENSE (or alike) file is not extracted from the archive as part of installation; installed: " + strings.Join(names, ", "))
}
