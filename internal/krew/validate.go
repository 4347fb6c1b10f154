package krew

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// Rule names one check of Check. Most are krew's own (validate-krew-manifest refuses a
// manifest that breaks them); the others are marked as the project's.
type Rule string

// The rules Check enforces.
const (
	// RuleAPIVersion: apiVersion is APIVersion.
	RuleAPIVersion Rule = "apiVersion"
	// RuleKind: kind is Kind.
	RuleKind Rule = "kind"
	// RuleName: metadata.name matches ^[\w-]+$ and is no reserved Windows file name.
	RuleName Rule = "name"
	// RuleFileName: the manifest file is <name>.yaml (the project's krew-manifest.yaml is
	// accepted as the repository's name for it).
	RuleFileName Rule = "file-name"
	// RuleVersion: spec.version is a semantic version with a leading v.
	RuleVersion Rule = "version"
	// RuleShortDescription: spec.shortDescription is set and is a single line.
	RuleShortDescription Rule = "shortDescription"
	// RuleDescription: spec.description is set (required by krew's developer guide).
	RuleDescription Rule = "description"
	// RuleLineLength: description and caveats lines stay within 80 characters and the short
	// description within 70 (krew warns; the project refuses), a line without spaces excepted.
	RuleLineLength Rule = "line-length"
	// RulePlatforms: spec.platforms is not empty.
	RulePlatforms Rule = "platforms"
	// RuleURI: uri is set, is an http(s) URL, and names a .tar.gz or .zip archive.
	RuleURI Rule = "uri"
	// RuleSHA256: sha256 is 64 lowercase hex digits.
	RuleSHA256 Rule = "sha256"
	// RuleBin: bin is set and is a relative path inside the installation directory.
	RuleBin Rule = "bin"
	// RuleFiles: files is absent or non-empty, every operation has from and to, and to is a
	// clean path (krew's install refuses an unclean one).
	RuleFiles Rule = "files"
	// RuleSelector: the selector is set and not empty, uses only the keys os and arch, with
	// valid operators and values krew knows.
	RuleSelector Rule = "selector"
	// RuleSupported: every platform's selector matches an os/arch pair krew supports.
	RuleSupported Rule = "supported"
	// RuleOverlap: no supported os/arch pair is matched by two platforms.
	RuleOverlap Rule = "overlap"
	// RuleCoverage (the project's): every release target is matched by a platform.
	RuleCoverage Rule = "coverage"
	// RuleBinExtracted: bin is among the files the operations extract.
	RuleBinExtracted Rule = "bin-extracted"
	// RuleWindowsExe: a platform that matches Windows has a bin ending in .exe, the only
	// entry point krew supports there.
	RuleWindowsExe Rule = "windows-exe"
	// RuleLicense: the operations extract a LICENSE (or alike) file.
	RuleLicense Rule = "license"
)

// Rules returns every rule Check enforces.
func Rules() []Rule {
	return []Rule{RuleAPIVersion, RuleKind, RuleName, RuleFileName, RuleVersion, RuleShortDescription,
		RuleDescription, RuleLineLength, RulePlatforms, RuleURI, RuleSHA256, RuleBin, RuleFiles,
		RuleSelector, RuleSupported, RuleOverlap, RuleCoverage, RuleBinExtracted, RuleWindowsExe, RuleLicense}
}

// Violation is one broken rule.
type Violation struct {
	Rule Rule
	// Platform is the index in spec.platforms the violation is about, or -1.
	Platform int
	Message  string
}

// Error describes the violation.
func (v Violation) Error() string {
	if v.Platform >= 0 {
		return fmt.Sprintf("spec.platforms[%d]: %s [%s]", v.Platform, v.Message, v.Rule)
	}
	return fmt.Sprintf("%s [%s]", v.Message, v.Rule)
}

// Validate returns the violations of Check joined into one error, or nil.
func Validate(fileName string, p Plugin, targets []release.Platform) error {
	vs := Check(fileName, p, targets)
	errs := make([]error, len(vs))
	for i, v := range vs {
		errs[i] = v
	}
	return errors.Join(errs...)
}

// Check returns every rule the manifest p, read from a file named fileName, breaks. targets
// are the platforms the manifest must cover (RuleCoverage); nil skips that rule.
func Check(fileName string, p Plugin, targets []release.Platform) []Violation {
	c := &checker{}
	c.checkMeta(fileName, p)
	c.checkSpec(p.Spec)
	if len(p.Spec.Platforms) == 0 {
		c.add(RulePlatforms, -1, "spec.platforms is empty: a plugin needs at least one platform")
	}
	for i, pl := range p.Spec.Platforms {
		c.checkPlatform(i, pl)
	}
	c.checkSelection(p.Spec.Platforms, targets)
	return c.violations
}

// checker collects violations.
type checker struct{ violations []Violation }

func (c *checker) add(r Rule, platform int, format string, args ...any) {
	c.violations = append(c.violations, Violation{Rule: r, Platform: platform, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) checkMeta(fileName string, p Plugin) {
	if p.APIVersion != APIVersion {
		c.add(RuleAPIVersion, -1, "apiVersion is %q; krew supports only %q", p.APIVersion, APIVersion)
	}
	if p.Kind != Kind {
		c.add(RuleKind, -1, "kind is %q; krew supports only %q", p.Kind, Kind)
	}
	if !IsSafePluginName(p.Metadata.Name) {
		c.add(RuleName, -1, "metadata.name %q is not allowed: it must match %s and not be a reserved Windows name", p.Metadata.Name, safeName().String())
	}
	base := filepath.Base(fileName)
	ext := filepath.Ext(base)
	switch {
	case ext != ".yaml":
		c.add(RuleFileName, -1, "the manifest file %s must have the extension .yaml", base)
	case base == "krew-manifest.yaml":
		// The repository's name for the manifest; the index copy is <name>.yaml.
	case strings.TrimSuffix(base, ext) != p.Metadata.Name:
		c.add(RuleFileName, -1, "the manifest file %s must be named after the plugin: %s.yaml", base, p.Metadata.Name)
	}
}

func (c *checker) checkSpec(s PluginSpec) {
	switch {
	case s.Version == "":
		c.add(RuleVersion, -1, "spec.version is empty")
	case !strings.HasPrefix(s.Version, "v"):
		c.add(RuleVersion, -1, "spec.version %q does not start with 'v'", s.Version)
	default:
		if _, err := version.ParseSemantic(s.Version); err != nil {
			c.add(RuleVersion, -1, "spec.version %q is not a semantic version: %v", s.Version, err)
		}
	}
	switch {
	case s.ShortDescription == "":
		c.add(RuleShortDescription, -1, "spec.shortDescription is empty")
	case strings.ContainsAny(s.ShortDescription, "\r\n"):
		c.add(RuleShortDescription, -1, "spec.shortDescription has a line break; it must be one line")
	}
	if strings.TrimSpace(s.Description) == "" {
		c.add(RuleDescription, -1, "spec.description is empty")
	}
	for _, f := range []struct {
		field, text string
		max         int
	}{
		{"shortDescription", s.ShortDescription, 70},
		{"description", s.Description, 80},
		{"caveats", s.Caveats, 80},
	} {
		if line, ok := longLine(f.text, f.max); !ok {
			c.add(RuleLineLength, -1, "a line of spec.%s is longer than %d characters: %q", f.field, f.max, line)
		}
	}
}

// longLine returns the first line of s longer than max that has a space in it, and false;
// a long line that is one word (a URL) is allowed, as krew allows it.
func longLine(s string, max int) (string, bool) {
	for line := range strings.SplitSeq(s, "\n") {
		if len(line) > max && strings.Contains(strings.TrimSpace(line), " ") {
			return line, false
		}
	}
	return "", true
}

func safeName() *regexp.Regexp { return regexp.MustCompile(`^[\w-]+$`) }

// IsSafePluginName reports whether krew accepts name as a plugin name: word characters and
// dashes, and none of the names Windows reserves for devices.
func IsSafePluginName(name string) bool {
	if !safeName().MatchString(name) {
		return false
	}
	for _, reserved := range []string{"CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4",
		"COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6",
		"LPT7", "LPT8", "LPT9"} {
		if strings.EqualFold(reserved, name) {
			return false
		}
	}
	return true
}

// checkSelection checks the platforms as a whole: each selects a supported pair, no pair is
// selected twice, and every target is selected.
func (c *checker) checkSelection(platforms []Platform, targets []release.Platform) {
	for i, pl := range platforms {
		if pl.Selector == nil {
			continue // reported by RuleSelector
		}
		if _, ok := FirstSupported(pl.Selector); !ok {
			c.add(RuleSupported, i, "the selector matches no os/arch pair krew supports")
		}
	}
	for _, sp := range SupportedPlatforms() {
		var idx []int
		for i, pl := range platforms {
			if Matches(pl.Selector, sp) {
				idx = append(idx, i)
			}
		}
		if len(idx) > 1 {
			c.add(RuleOverlap, -1, "spec.platforms %v have overlapping selectors that all select %s", idx, sp)
		}
	}
	for _, t := range targets {
		if _, ok := MatchingPlatform(platforms, t); !ok {
			c.add(RuleCoverage, -1, "no platform selects %s, a platform the release is built for", t)
		}
	}
}
