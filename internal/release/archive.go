package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// Format is an archive format.
type Format int

// The archive formats krew installs from.
const (
	TarGz Format = iota
	Zip
)

// String returns the format's file extension.
func (f Format) String() string {
	if f == Zip {
		return ".zip"
	}
	return ".tar.gz"
}

// FormatOf returns the format of an archive by its file name.
func FormatOf(name string) (Format, error) {
	switch {
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		return TarGz, nil
	case strings.HasSuffix(name, ".zip"):
		return Zip, nil
	}
	return 0, fmt.Errorf("%s is neither a .tar.gz nor a .zip archive", name)
}

// Entry is one file in an archive.
type Entry struct {
	// Name is the slash-separated path inside the archive.
	Name string
	// Mode holds the permission bits, and fs.ModeDir for a directory entry.
	Mode fs.FileMode
	// Data is the content of a regular file.
	Data []byte
	// ModTime, UID and GID are filled by ReadArchive; WriteArchive fixes them.
	ModTime  time.Time
	UID, GID int
}

// IsDir reports whether the entry is a directory.
func (e Entry) IsDir() bool { return e.Mode.IsDir() }

// zipEpoch is the earliest time an MS-DOS timestamp, and so a zip entry, can hold.
func zipEpoch() time.Time { return time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) }

// WriteArchive writes the regular files entries to w as a reproducible archive: entries
// sorted by name, every modification time set to mtime (in UTC, whole seconds; at least
// 1980-01-01 in a zip, which cannot hold earlier times), owner 0/0 with no user or group
// names, and only the permission bits of each mode kept.
func WriteArchive(w io.Writer, f Format, entries []Entry, mtime time.Time) error {
	sorted, err := sortedEntries(entries)
	if err != nil {
		return err
	}
	mtime = mtime.UTC().Truncate(time.Second)
	if f == Zip {
		if mtime.Before(zipEpoch()) {
			mtime = zipEpoch()
		}
		return writeZip(w, sorted, mtime)
	}
	return writeTarGz(w, sorted, mtime)
}

func sortedEntries(entries []Entry) ([]Entry, error) {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	for i, e := range sorted {
		if e.IsDir() {
			return nil, fmt.Errorf("archive entry %s: only regular files are archived", e.Name)
		}
		if e.Name == "" || path.IsAbs(e.Name) || path.Clean(e.Name) != e.Name || strings.HasPrefix(e.Name, "../") || e.Name == ".." {
			return nil, fmt.Errorf("archive entry %q: the name must be a clean relative path", e.Name)
		}
		if i > 0 && sorted[i-1].Name == e.Name {
			return nil, fmt.Errorf("archive entry %s appears twice", e.Name)
		}
	}
	return sorted, nil
}

func writeTarGz(w io.Writer, entries []Entry, mtime time.Time) error {
	// A zero gzip header: no file name, no modification time.
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     e.Name,
			Mode:     int64(e.Mode.Perm()),
			Size:     int64(len(e.Data)),
			ModTime:  mtime,
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar header of %s: %w", e.Name, err)
		}
		if _, err := tw.Write(e.Data); err != nil {
			return fmt.Errorf("tar content of %s: %w", e.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	return nil
}

func writeZip(w io.Writer, entries []Entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(e.Mode.Perm())
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("zip header of %s: %w", e.Name, err)
		}
		if _, err := fw.Write(e.Data); err != nil {
			return fmt.Errorf("zip content of %s: %w", e.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	return nil
}

// DetectFormat tells a zip from a gzipped tar by content, as krew does: by the MIME type that
// net/http sniffs from the first 512 bytes, whatever the file is called.
func DetectFormat(data []byte) (Format, error) {
	head := data[:min(len(data), 512)]
	mime, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch mime {
	case "application/zip":
		return Zip, nil
	case "application/x-gzip":
		return TarGz, nil
	}
	return 0, fmt.Errorf("mime type %q is not a supported archive format (zip or gzipped tar)", mime)
}

// ReadArchive returns the entries of a zip or gzipped tar archive, told apart by content.
// Like krew it accepts only regular files and directories, skipping a pax_global_header.
func ReadArchive(data []byte) ([]Entry, error) {
	f, err := DetectFormat(data)
	if err != nil {
		return nil, err
	}
	if f == Zip {
		return readZip(data)
	}
	return readTarGz(data)
}

func readTarGz(data []byte) ([]Entry, error) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	var out []Entry
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		if hdr.Name == "pax_global_header" {
			continue
		}
		e := Entry{Name: hdr.Name, Mode: fs.FileMode(hdr.Mode).Perm(), ModTime: hdr.ModTime, UID: hdr.Uid, GID: hdr.Gid}
		switch hdr.Typeflag {
		case tar.TypeDir:
			e.Mode |= fs.ModeDir
		case tar.TypeReg:
			if e.Data, err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("tar content of %s: %w", hdr.Name, err)
			}
		default:
			return nil, fmt.Errorf("unable to handle file type %d of %q in tar", hdr.Typeflag, hdr.Name)
		}
		out = append(out, e)
	}
}

func readZip(data []byte) ([]Entry, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	out := make([]Entry, 0, len(zr.File))
	for _, f := range zr.File {
		e := Entry{Name: f.Name, Mode: f.Mode() & (fs.ModePerm | fs.ModeDir), ModTime: f.Modified}
		if f.FileInfo().IsDir() {
			e.Mode |= fs.ModeDir
			out = append(out, e)
			continue
		}
		if !f.Mode().IsRegular() {
			return nil, fmt.Errorf("unable to handle %q in zip: not a regular file", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("zip entry %s: %w", f.Name, err)
		}
		e.Data, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("zip content of %s: %w", f.Name, err)
		}
		out = append(out, e)
	}
	return out, nil
}
