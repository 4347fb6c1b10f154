package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func sampleEntries() []Entry {
	return []Entry{
		{Name: "README.md", Mode: 0o600, Data: []byte("# readme\n")},
		{Name: "kubectl-rotate", Mode: 0o755, Data: []byte("binary")},
		{Name: "LICENSE", Mode: 0o644 | fs.ModeSetuid, Data: []byte("license")},
	}
}

func TestWriteArchiveIsReproducible(t *testing.T) {
	mtime := time.Unix(1795260416, 0)
	for _, tc := range []struct {
		name   string
		format Format
	}{
		{name: "tar.gz", format: TarGz},
		{name: "zip", format: Zip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first, second bytes.Buffer
			if err := WriteArchive(&first, tc.format, sampleEntries(), mtime); err != nil {
				t.Fatal(err)
			}
			reversed := sampleEntries()
			reversed[0], reversed[2] = reversed[2], reversed[0]
			// Another time zone and sub-second noise must not change a byte.
			if err := WriteArchive(&second, tc.format, reversed, mtime.In(time.FixedZone("X", 3600)).Add(300*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Fatal("the same entries gave different archives")
			}
			got, err := ReadArchive(first.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			wantNames := []string{"LICENSE", "README.md", "kubectl-rotate"}
			wantModes := []fs.FileMode{0o644, 0o600, 0o755}
			if len(got) != len(wantNames) {
				t.Fatalf("got %d entries, want %d", len(got), len(wantNames))
			}
			for i, e := range got {
				if e.Name != wantNames[i] || e.Mode != wantModes[i] {
					t.Errorf("entry %d = %s %v, want %s %v", i, e.Name, e.Mode, wantNames[i], wantModes[i])
				}
				if !e.ModTime.Equal(mtime) || e.UID != 0 || e.GID != 0 {
					t.Errorf("entry %s: mtime %v uid %d gid %d, want %v 0 0", e.Name, e.ModTime, e.UID, e.GID, mtime)
				}
			}
		})
	}
}

func TestWriteZipClampsTimesBefore1980(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteArchive(&buf, Zip, sampleEntries(), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	got, err := ReadArchive(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].ModTime.Equal(zipEpoch()) {
		t.Fatalf("mtime = %v, want %v", got[0].ModTime, zipEpoch())
	}
}

func TestWriteArchiveRejectsBadEntries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    string
	}{
		{name: "duplicate", entries: []Entry{{Name: "a"}, {Name: "a"}}, want: "twice"},
		{name: "absolute", entries: []Entry{{Name: "/etc/passwd"}}, want: "clean relative"},
		{name: "parent", entries: []Entry{{Name: "../x"}}, want: "clean relative"},
		{name: "unclean", entries: []Entry{{Name: "a//b"}}, want: "clean relative"},
		{name: "empty name", entries: []Entry{{Name: ""}}, want: "clean relative"},
		{name: "directory", entries: []Entry{{Name: "d", Mode: fs.ModeDir | 0o755}}, want: "regular files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteArchive(&bytes.Buffer{}, TarGz, tc.entries, time.Unix(0, 0))
			wantError(t, err, tc.want)
		})
	}
}

func TestReadArchive(t *testing.T) {
	var zipped, targz bytes.Buffer
	if err := WriteArchive(&zipped, Zip, sampleEntries(), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := WriteArchive(&targz, TarGz, sampleEntries(), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		want    int
		wantErr string
	}{
		{name: "zip", data: zipped.Bytes(), want: 3},
		{name: "tar.gz", data: targz.Bytes(), want: 3},
		{name: "tar.gz with a directory", data: tarGz(t, tar.TypeDir, "bin/"), want: 1},
		{name: "tar.gz with a symlink", data: tarGz(t, tar.TypeSymlink, "link"), wantErr: "unable to handle file type"},
		{name: "plain text", data: []byte("hello"), wantErr: "not a supported archive format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadArchive(tc.data)
			if tc.wantErr != "" {
				wantError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("got %d entries, want %d", len(got), tc.want)
			}
		})
	}
}

// tarGz returns a gzipped tar holding one entry of the given type.
func tarGz(t *testing.T, typ byte, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Typeflag: typ, Name: name, Linkname: "target", Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    string
		want    Format
		wantErr bool
	}{
		{name: "tar.gz", file: "a_linux_amd64.tar.gz", want: TarGz},
		{name: "tgz", file: "a.tgz", want: TarGz},
		{name: "zip", file: "a_windows_amd64.zip", want: Zip},
		{name: "other", file: "a.tar.xz", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FormatOf(tc.file)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("FormatOf(%q) = %v, %v", tc.file, got, err)
			}
		})
	}
}

// wantError fails the test unless err is an error whose message contains want.
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
}
