package krew

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// move is one file or directory to rename during an install.
type move struct{ from, to string }

// moveToInstallDir applies the file operations from the extracted archive in srcDir to a
// fresh directory and renames that to installDir, replacing an earlier installation.
func moveToInstallDir(srcDir, installDir string, ops []FileOperation) error {
	if err := os.MkdirAll(filepath.Dir(installDir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(installDir), err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(installDir), ".install-")
	if err != nil {
		return fmt.Errorf("create a temporary installation directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	for _, op := range ops {
		moves, err := moveTargets(srcDir, tmp, op)
		if err != nil {
			return fmt.Errorf("files %+v: %w", op, err)
		}
		for _, m := range moves {
			if err := rename(m.from, m.to); err != nil {
				return err
			}
		}
	}
	if err := os.RemoveAll(installDir); err != nil {
		return fmt.Errorf("remove the old installation: %w", err)
	}
	if err := os.Rename(tmp, installDir); err != nil {
		return fmt.Errorf("move the installation into place: %w", err)
	}
	return nil
}

// moveTargets returns what one file operation moves, as krew computes it: From naming an
// existing path is moved to To (keeping its name when To is "."); otherwise From is a glob
// whose matches are moved into the directory To. Both sides must stay inside their
// directories, and To must be a clean path.
func moveTargets(fromDir, toDir string, op FileOperation) ([]move, error) {
	if op.To != filepath.ToSlash(filepath.Clean(filepath.FromSlash(op.To))) {
		return nil, fmt.Errorf("the path %q is not clean; it should be %q", op.To, filepath.ToSlash(filepath.Clean(op.To)))
	}
	direct := filepath.Clean(filepath.Join(fromDir, filepath.FromSlash(op.From)))
	if _, err := os.Stat(direct); err == nil {
		to := op.To
		if to == "." {
			to = filepath.Base(direct)
		}
		m := move{from: direct, to: filepath.Join(toDir, filepath.FromSlash(to))}
		if !isSubPath(fromDir, m.from) || !isSubPath(toDir, m.to) {
			return nil, fmt.Errorf("can't move %s to %s: out of bounds", m.from, m.to)
		}
		return []move{m}, nil
	}
	matches, err := filepath.Glob(filepath.Join(fromDir, filepath.FromSlash(op.From)))
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", op.From, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no files in the plugin archive matched the glob pattern %s", op.From)
	}
	dest := filepath.Join(toDir, filepath.FromSlash(op.To))
	moves := make([]move, 0, len(matches))
	for _, match := range matches {
		m := move{from: match, to: filepath.Join(dest, filepath.Base(match))}
		if !isSubPath(fromDir, m.from) || !isSubPath(toDir, m.to) {
			return nil, fmt.Errorf("can't move %s to %s: out of bounds", m.from, m.to)
		}
		moves = append(moves, m)
	}
	return moves, nil
}

// rename moves from to to, creating to's directory and replacing a directory already there.
func rename(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(to), err)
	}
	if fi, err := os.Stat(to); err == nil && fi.IsDir() {
		if err := os.RemoveAll(to); err != nil {
			return fmt.Errorf("replace %s: %w", to, err)
		}
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("move %s to %s: %w", from, to, err)
	}
	return nil
}

// isSubPath reports whether path is base or below it.
func isSubPath(base, path string) bool {
	rel, err := filepath.Rel(base, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
