package krew

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// TestCommittedManifestIsGenerated holds the top-level krew-manifest.yaml to the template:
// it must be, byte for byte, what Generate makes of its own version and sha256 values.
// After changing the template, regenerate it with its own values:
// go run ./hack/release manifest --from krew-manifest.yaml.
func TestCommittedManifestIsGenerated(t *testing.T) {
	const file = "../../krew-manifest.yaml"
	committed, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(committed)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate("krew-manifest.yaml", p, release.Platforms()); err != nil {
		t.Fatalf("%s breaks krew's rules:\n%v", file, err)
	}
	version, sums := ReleaseSums(p)
	generated, err := Generate(version, sums)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, generated) {
		t.Fatalf("%s differs from the generator's output for %s; regenerate it with "+
			"go run ./hack/release manifest --from krew-manifest.yaml (same release) or make krew-manifest VERSION=... (new release)\n%s",
			file, version, firstDifference(committed, generated))
	}
}

// firstDifference describes the first line where a and b differ.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + x + "\n  generated: " + y
		}
	}
	return ""
}

func TestGenerateRoundTrips(t *testing.T) {
	first, err := Generate("v0.0.0-g06b10ef-dirty", fakeSums("v0.0.0-g06b10ef-dirty"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	version, sums := ReleaseSums(p)
	second, err := Generate(version, sums)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatal("generating from a generated manifest's values gave another manifest")
	}
	for _, pl := range p.Spec.Platforms {
		if !strings.HasPrefix(pl.URI, "https://github.com/kubectl-rotate/kubectl-rotate/releases/download/v0.0.0-g06b10ef-dirty/kubectl-rotate_v0.0.0-g06b10ef-dirty_") {
			t.Errorf("uri %s", pl.URI)
		}
	}
}

func TestGenerateFails(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		mutate  func(sums map[string]string)
		want    string
	}{
		{name: "no leading v", version: "1.2.3", want: "leading v"},
		{name: "space in version", version: "v1 2", want: "leading v"},
		{name: "not semver", version: "v1.2", want: "[version]"},
		{name: "a sum missing", version: "v1.2.3", mutate: func(s map[string]string) {
			delete(s, release.Platforms()[3].ArchiveName("v1.2.3"))
		}, want: "no sha256 for kubectl-rotate_v1.2.3_darwin_arm64.tar.gz"},
		{name: "upper-case sum", version: "v1.2.3", mutate: func(s map[string]string) {
			s[release.Platforms()[0].ArchiveName("v1.2.3")] = strings.Repeat("A", 64)
		}, want: "[sha256]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sums := fakeSums(tc.version)
			if tc.mutate != nil {
				tc.mutate(sums)
			}
			_, err := Generate(tc.version, sums)
			wantError(t, err, tc.want)
		})
	}
}
