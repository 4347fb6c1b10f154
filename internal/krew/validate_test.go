package krew

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// fakeSums returns a made-up sha256 for every archive of version.
func fakeSums(version string) map[string]string {
	sums := map[string]string{}
	for i, p := range release.Platforms() {
		sums[p.ArchiveName(version)] = strings.Repeat(fmt.Sprintf("%x", i+10), 64)
	}
	return sums
}

// validPlugin returns a generated manifest, which passes every rule.
func validPlugin(t *testing.T) Plugin {
	t.Helper()
	data, err := Generate("v1.2.3", fakeSums("v1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// windows returns the index of the windows/amd64 platform of a generated manifest.
func windows(t *testing.T, p Plugin) int {
	t.Helper()
	for i, pl := range p.Spec.Platforms {
		if Matches(pl.Selector, release.Platform{OS: "windows", Arch: "amd64"}) {
			return i
		}
	}
	t.Fatal("no windows platform")
	return -1
}

func selectorOf(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func TestCheckAcceptsTheGeneratedManifest(t *testing.T) {
	p := validPlugin(t)
	for _, file := range []string{"rotate.yaml", "krew-manifest.yaml", "dist/rotate.yaml"} {
		if vs := Check(file, p, release.Platforms()); len(vs) != 0 {
			t.Errorf("%s: unexpected violations: %v", file, vs)
		}
	}
}

// TestCheckRules makes every rule fail at least once.
func TestCheckRules(t *testing.T) {
	tested := map[Rule]bool{}
	for _, tc := range []struct {
		name   string
		file   string
		mutate func(t *testing.T, p *Plugin)
		want   Rule
	}{
		{name: "old apiVersion", want: RuleAPIVersion, mutate: func(_ *testing.T, p *Plugin) { p.APIVersion = "krew.googlecontainertools.github.com/v1alpha1" }},
		{name: "wrong kind", want: RuleKind, mutate: func(_ *testing.T, p *Plugin) { p.Kind = "Plugins" }},
		{name: "name with a space", file: "rot ate.yaml", want: RuleName, mutate: func(_ *testing.T, p *Plugin) { p.Metadata.Name = "rot ate" }},
		{name: "reserved windows name", file: "con.yaml", want: RuleName, mutate: func(_ *testing.T, p *Plugin) { p.Metadata.Name = "con" }},
		{name: "empty name", want: RuleName, mutate: func(_ *testing.T, p *Plugin) { p.Metadata.Name = "" }},
		{name: "file named after another plugin", file: "rotator.yaml", want: RuleFileName},
		{name: "yml extension", file: "rotate.yml", want: RuleFileName},
		{name: "no version", want: RuleVersion, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Version = "" }},
		{name: "version without v", want: RuleVersion, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Version = "1.2.3" }},
		{name: "version not semver", want: RuleVersion, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Version = "v1.2" }},
		{name: "prerelease with leading zero", want: RuleVersion, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Version = "v0.0.0-0123" }},
		{name: "no short description", want: RuleShortDescription, mutate: func(_ *testing.T, p *Plugin) { p.Spec.ShortDescription = "" }},
		{name: "two-line short description", want: RuleShortDescription, mutate: func(_ *testing.T, p *Plugin) { p.Spec.ShortDescription = "Rotate\nnodes" }},
		{name: "no description", want: RuleDescription, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Description = " \n" }},
		{name: "long description line", want: RuleLineLength, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Description = strings.Repeat("word ", 20) }},
		{name: "long short description", want: RuleLineLength, mutate: func(_ *testing.T, p *Plugin) { p.Spec.ShortDescription = strings.Repeat("word ", 15) }},
		{name: "long caveats line", want: RuleLineLength, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Caveats = "ok\n" + strings.Repeat("word ", 17) }},
		{name: "no platforms", want: RulePlatforms, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms = nil }},
		{name: "no uri", want: RuleURI, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].URI = "" }},
		{name: "ftp uri", want: RuleURI, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].URI = "ftp://example.com/a.tar.gz" }},
		{name: "uri not an archive", want: RuleURI, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].URI = "https://example.com/a.tar.xz" }},
		{name: "no sha256", want: RuleSHA256, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Sha256 = "" }},
		{name: "upper-case sha256", want: RuleSHA256, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Sha256 = strings.ToUpper(p.Spec.Platforms[0].Sha256)
		}},
		{name: "short sha256", want: RuleSHA256, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Sha256 = "abc123" }},
		{name: "no bin", want: RuleBin, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Bin = "" }},
		{name: "bin outside", want: RuleBin, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Bin = "../kubectl-rotate" }},
		{name: "absolute bin", want: RuleBin, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Bin = "/usr/bin/kubectl-rotate" }},
		{name: "empty files list", want: RuleFiles, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Files = []FileOperation{} }},
		{name: "file without from", want: RuleFiles, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Files[2].From = "" }},
		{name: "file without to", want: RuleFiles, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Files[2].To = "" }},
		{name: "unclean to", want: RuleFiles, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Files[2].To = "./" }},
		{name: "to outside", want: RuleFiles, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Files[2].To = "../LICENSE" }},
		{name: "no selector", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Selector = nil }},
		{name: "empty selector", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Selector = &metav1.LabelSelector{} }},
		{name: "empty matchLabels", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector = &metav1.LabelSelector{MatchLabels: map[string]string{},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "os", Operator: metav1.LabelSelectorOpIn, Values: []string{"linux"}}}}
		}},
		{name: "empty matchExpressions", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector.MatchExpressions = []metav1.LabelSelectorRequirement{}
		}},
		{name: "unsupported key", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector = selectorOf("os", "linux", "arch", "amd64", "distro", "debian")
		}},
		{name: "unknown os", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector = selectorOf("os", "plan9", "arch", "amd64")
		}},
		{name: "unknown arch in an expression", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "arch", Operator: metav1.LabelSelectorOpIn, Values: []string{"riscv64"}}}}
		}},
		{name: "bad operator", want: RuleSelector, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "os", Operator: "Like", Values: []string{"linux"}}}}
		}},
		{name: "unsupported pair", want: RuleSupported, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms[0].Selector = selectorOf("os", "darwin", "arch", "ppc64le")
		}},
		{name: "overlapping selectors", want: RuleOverlap, mutate: func(_ *testing.T, p *Plugin) {
			extra := p.Spec.Platforms[0]
			extra.Selector = selectorOf("os", "linux")
			p.Spec.Platforms = append(p.Spec.Platforms, extra)
		}},
		{name: "a release target not covered", want: RuleCoverage, mutate: func(_ *testing.T, p *Plugin) {
			p.Spec.Platforms = p.Spec.Platforms[:len(p.Spec.Platforms)-1]
		}},
		{name: "bin not extracted", want: RuleBinExtracted, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Bin = "bin/kubectl-rotate" }},
		{name: "windows bin without exe", want: RuleWindowsExe, mutate: func(t *testing.T, p *Plugin) {
			pl := &p.Spec.Platforms[windows(t, *p)]
			pl.Bin = "kubectl-rotate"
			pl.Files[0].To = "kubectl-rotate"
		}},
		{name: "no license extracted", want: RuleLicense, mutate: func(_ *testing.T, p *Plugin) { p.Spec.Platforms[0].Files = p.Spec.Platforms[0].Files[:2] }},
	} {
		tested[tc.want] = true
		t.Run(tc.name, func(t *testing.T) {
			p := validPlugin(t)
			if tc.mutate != nil {
				tc.mutate(t, &p)
			}
			file := tc.file
			if file == "" {
				file = "rotate.yaml"
			}
			vs := Check(file, p, release.Platforms())
			if !slices.ContainsFunc(vs, func(v Violation) bool { return v.Rule == tc.want }) {
				t.Fatalf("violations %v do not include rule %s", vs, tc.want)
			}
			if err := Validate(file, p, release.Platforms()); err == nil || !strings.Contains(err.Error(), "["+string(tc.want)+"]") {
				t.Fatalf("Validate = %v, want an error naming [%s]", err, tc.want)
			}
		})
	}
	for _, r := range Rules() {
		if !tested[r] {
			t.Errorf("no case makes rule %s fail", r)
		}
	}
}

func TestCheckAcceptsGlobsAndDefaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(p *Plugin)
	}{
		{name: "no files list", mutate: func(p *Plugin) {
			for i := range p.Spec.Platforms {
				p.Spec.Platforms[i].Files = nil
			}
		}},
		{name: "glob", mutate: func(p *Plugin) {
			for i := range p.Spec.Platforms {
				p.Spec.Platforms[i].Files = []FileOperation{{From: "*", To: "."}}
			}
		}},
		{name: "renamed binary", mutate: func(p *Plugin) {
			p.Spec.Platforms[0].Files[0].To = "bin/rotate"
			p.Spec.Platforms[0].Bin = "./bin/rotate"
		}},
		{name: "expressions", mutate: func(p *Plugin) {
			p.Spec.Platforms[0].Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "os", Operator: metav1.LabelSelectorOpIn, Values: []string{"linux"}},
				{Key: "arch", Operator: metav1.LabelSelectorOpIn, Values: []string{"amd64", "386"}},
			}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := validPlugin(t)
			tc.mutate(&p)
			if vs := Check("rotate.yaml", p, release.Platforms()); len(vs) != 0 {
				t.Fatalf("unexpected violations: %v", vs)
			}
		})
	}
}

func TestParseRejectsUnknownFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
	}{
		{name: "misspelled field", yaml: "apiVersion: x\nkind: Plugin\nspec:\n  shortDescripton: typo\n"},
		{name: "duplicate key", yaml: "kind: Plugin\nkind: Plugin\n"},
		{name: "wrong type", yaml: "spec:\n  platforms: yes\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse([]byte(tc.yaml)); err == nil {
				t.Fatal("Parse accepted it")
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
