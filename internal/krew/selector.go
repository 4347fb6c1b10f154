package krew

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// SupportedPlatforms returns every os/arch pair krew is distributed for, the list
// validate-krew-manifest checks selectors against.
func SupportedPlatforms() []release.Platform {
	return []release.Platform{
		{OS: "windows", Arch: "386"},
		{OS: "windows", Arch: "amd64"},
		{OS: "windows", Arch: "arm64"},
		{OS: "linux", Arch: "386"},
		{OS: "linux", Arch: "amd64"},
		{OS: "linux", Arch: "arm"},
		{OS: "linux", Arch: "arm64"},
		{OS: "linux", Arch: "ppc64le"},
		{OS: "darwin", Arch: "386"},
		{OS: "darwin", Arch: "amd64"},
		{OS: "darwin", Arch: "arm64"},
	}
}

// knownValues returns the values a selector may compare the label key with.
func knownValues(key string) map[string]bool {
	known := map[string]bool{}
	for _, p := range SupportedPlatforms() {
		switch key {
		case "os":
			known[p.OS] = true
		case "arch":
			known[p.Arch] = true
		}
	}
	return known
}

// Matches reports whether sel selects the platform, as krew matches it against the labels
// os=<GOOS> and arch=<GOARCH>. An invalid selector matches nothing.
func Matches(sel *metav1.LabelSelector, p release.Platform) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set{"os": p.OS, "arch": p.Arch})
}

// MatchingPlatform returns the first manifest platform whose selector matches target, as
// krew's install picks one, and whether there is one.
func MatchingPlatform(platforms []Platform, target release.Platform) (Platform, bool) {
	for _, pl := range platforms {
		if Matches(pl.Selector, target) {
			return pl, true
		}
	}
	return Platform{}, false
}

// FirstSupported returns the first krew platform that sel matches, preferring the release's
// own targets, and whether there is one.
func FirstSupported(sel *metav1.LabelSelector) (release.Platform, bool) {
	for _, p := range append(release.Platforms(), SupportedPlatforms()...) {
		if Matches(sel, p) {
			return p, true
		}
	}
	return release.Platform{}, false
}
