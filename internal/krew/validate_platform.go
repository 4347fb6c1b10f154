package krew

import (
	"net/url"
	"path"
	"regexp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultFiles is what krew extracts when a platform has no files list: everything.
func DefaultFiles() []FileOperation { return []FileOperation{{From: "*", To: "."}} }

// IsLicenseFile reports whether name is a file name krew's validation accepts as a license.
func IsLicenseFile(name string) bool {
	switch strings.ToLower(name) {
	case "license", "license.txt", "license.md", "licenses", "licenses.txt", "licenses.md", "copying", "copying.txt":
		return true
	}
	return false
}

func (c *checker) checkPlatform(i int, pl Platform) {
	c.checkURI(i, pl.URI)
	switch {
	case pl.Sha256 == "":
		c.add(RuleSHA256, i, "sha256 is empty")
	case !regexp.MustCompile(`^[a-f0-9]{64}$`).MatchString(pl.Sha256):
		c.add(RuleSHA256, i, "sha256 %q is not 64 lowercase hex digits", pl.Sha256)
	}
	binOK := c.checkBin(i, pl.Bin)
	filesOK := c.checkFiles(i, pl.Files)
	c.checkSelector(i, pl.Selector)

	if binOK && pl.Selector != nil {
		for _, sp := range SupportedPlatforms() {
			if sp.OS == "windows" && Matches(pl.Selector, sp) && !strings.HasSuffix(pl.Bin, ".exe") {
				c.add(RuleWindowsExe, i, "the platform selects %s but bin %q does not end in .exe", sp, pl.Bin)
				break
			}
		}
	}
	if !filesOK || pl.Files == nil {
		// Without a files list everything is extracted: the install shows what is there.
		return
	}
	dests := destinations(pl.Files)
	if binOK && !anyMatch(dests, path.Clean(pl.Bin)) {
		c.add(RuleBinExtracted, i, "bin %q is not among the files extracted (%s)", pl.Bin, strings.Join(dests, ", "))
	}
	if !extractsLicense(dests) {
		c.add(RuleLicense, i, "no LICENSE (or alike) file is extracted (%s)", strings.Join(dests, ", "))
	}
}

func (c *checker) checkURI(i int, uri string) {
	if uri == "" {
		c.add(RuleURI, i, "uri is empty")
		return
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		c.add(RuleURI, i, "uri %q is not an http(s) URL", uri)
		return
	}
	if !strings.HasSuffix(u.Path, ".tar.gz") && !strings.HasSuffix(u.Path, ".tgz") && !strings.HasSuffix(u.Path, ".zip") {
		c.add(RuleURI, i, "uri %q does not name a .tar.gz or .zip archive", uri)
	}
}

func (c *checker) checkBin(i int, bin string) bool {
	if bin == "" {
		c.add(RuleBin, i, "bin is empty")
		return false
	}
	clean := path.Clean(strings.ReplaceAll(bin, `\`, "/"))
	if path.IsAbs(clean) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		c.add(RuleBin, i, "bin %q is not a path inside the installation directory", bin)
		return false
	}
	return true
}

func (c *checker) checkFiles(i int, files []FileOperation) bool {
	if files == nil {
		return true
	}
	if len(files) == 0 {
		c.add(RuleFiles, i, "files is empty: leave it out to extract everything, or list the files")
		return false
	}
	ok := true
	for j, op := range files {
		switch {
		case op.From == "":
			c.add(RuleFiles, i, "files[%d].from is empty", j)
			ok = false
		case op.To == "":
			c.add(RuleFiles, i, "files[%d].to is empty", j)
			ok = false
		case path.Clean(op.To) != op.To:
			c.add(RuleFiles, i, "files[%d].to %q is not a clean path; krew's install wants %q", j, op.To, path.Clean(op.To))
			ok = false
		case path.IsAbs(op.To) || op.To == ".." || strings.HasPrefix(op.To, "../"):
			c.add(RuleFiles, i, "files[%d].to %q leaves the installation directory", j, op.To)
			ok = false
		}
	}
	return ok
}

func (c *checker) checkSelector(i int, sel *metav1.LabelSelector) {
	if sel == nil {
		c.add(RuleSelector, i, "selector is missing")
		return
	}
	if sel.MatchLabels == nil && len(sel.MatchExpressions) == 0 {
		c.add(RuleSelector, i, "selector is empty")
		return
	}
	if sel.MatchLabels != nil && len(sel.MatchLabels) == 0 {
		c.add(RuleSelector, i, "selector.matchLabels is given but empty")
	}
	if sel.MatchExpressions != nil && len(sel.MatchExpressions) == 0 {
		c.add(RuleSelector, i, "selector.matchExpressions is given but empty")
	}
	for key, value := range sel.MatchLabels {
		c.checkLabel(i, key, value)
	}
	for _, expr := range sel.MatchExpressions {
		for _, value := range expr.Values {
			c.checkLabel(i, expr.Key, value)
		}
	}
	if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		c.add(RuleSelector, i, "selector is invalid: %v", err)
	}
}

func (c *checker) checkLabel(i int, key, value string) {
	if key != "os" && key != "arch" {
		c.add(RuleSelector, i, "selector key %q is not supported; use os and arch", key)
		return
	}
	if !knownValues(key)[value] {
		c.add(RuleSelector, i, "selector value %s=%q is not an %s krew supports", key, value, key)
	}
}

// destinations returns where each operation puts its files, relative to the installation
// directory, as krew's install computes it; for a glob, the pattern of the destinations.
func destinations(files []FileOperation) []string {
	out := make([]string, 0, len(files))
	for _, op := range files {
		from := path.Clean(op.From)
		switch {
		case strings.ContainsAny(from, "*?["):
			out = append(out, path.Join(op.To, path.Base(from)))
		case op.To == ".":
			out = append(out, path.Base(from))
		default:
			out = append(out, op.To)
		}
	}
	return out
}

// extractsLicense reports whether one of the destinations is, or its pattern matches, a
// license file name.
func extractsLicense(dests []string) bool {
	for _, d := range dests {
		base := path.Base(d)
		if IsLicenseFile(base) {
			return true
		}
		for _, name := range []string{"LICENSE", "license", "LICENSE.txt", "LICENSE.md", "COPYING", "copying"} {
			if ok, err := path.Match(base, name); err == nil && ok {
				return true
			}
		}
	}
	return false
}

// anyMatch reports whether name is one of the destinations or matches one of their patterns.
func anyMatch(dests []string, name string) bool {
	for _, d := range dests {
		if ok, err := path.Match(d, name); d == name || (err == nil && ok) {
			return true
		}
	}
	return false
}
