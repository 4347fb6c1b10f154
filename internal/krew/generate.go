package krew

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"

	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

// manifestTemplate is the krew manifest of a release. Generate fills it; the committed
// krew-manifest.yaml is its output, which a test holds it to.
const manifestTemplate = `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: {{.Name}}
spec:
  version: {{.Version}}
  homepage: {{.Homepage}}
  shortDescription: Rotate Kubernetes nodes on AWS onto a new machine image
  description: |
    Replaces the nodes of EKS self-managed Auto Scaling groups, EKS managed node
    groups, kops instance groups and Karpenter node pools with nodes on a new
    machine image (AMI), batch by batch. Replacement capacity comes first; old
    nodes are then cordoned and drained through the Eviction API, respecting
    PodDisruptionBudgets, and terminated. It shows a live dashboard on a
    terminal and plain lines or NDJSON events in pipelines; killed and run
    again, it resumes. "kubectl rotate plan" shows what would change and never
    mutates anything.
  caveats: |
    kubectl rotate uses the AWS credentials of the default chain (profiles, SSO,
    environment) and the current kubeconfig context. It needs these permissions.

{{indent 4 .AWS}}
      An IAM policy with exactly these:
      {{.Homepage}}/blob/{{.Version}}/deploy/iam-policy.json

{{indent 4 .Kubernetes}}
      The ClusterRole and Role:
      {{.Homepage}}/blob/{{.Version}}/deploy/rbac.yaml

    Run "kubectl rotate check" to see whether your credentials have them.

    Shell completion (kubectl v1.26+): put kubectl_complete-rotate from
    ~/.krew/store/rotate/{{.Version}}/ in a directory on your PATH.
  platforms:
{{- range .Platforms}}
  - selector:
      matchLabels:
        os: {{.OS}}
        arch: {{.Arch}}
    uri: {{.URI}}
    sha256: "{{.SHA256}}"
    files:
    - from: {{.Binary}}
      to: "."
    - from: {{.Completion}}
      to: "."
    - from: LICENSE
      to: "."
    bin: {{.Binary}}
{{- end}}
`

// DownloadURI returns where a release's archive is downloaded from: the GitHub release of
// the version.
func DownloadURI(version, archive string) string {
	return Homepage + "/releases/download/" + version + "/" + archive
}

// Generate returns the krew manifest of release version, with sums mapping each archive's
// file name to its sha256 (the release checksums file). Every release platform must have a
// sum. The result is checked against every structural rule before it is returned.
func Generate(version string, sums map[string]string) ([]byte, error) {
	if !regexp.MustCompile(`^v[0-9A-Za-z.+-]+$`).MatchString(version) {
		return nil, fmt.Errorf("version %q is not a version with a leading v", version)
	}
	type platformData struct {
		OS, Arch, URI, SHA256, Binary, Completion string
	}
	data := struct {
		Name, Version, Homepage string
		AWS, Kubernetes         string
		Platforms               []platformData
	}{Name: PluginName, Version: version, Homepage: Homepage, AWS: awsCaveat(), Kubernetes: kubernetesCaveat()}
	for _, p := range release.Platforms() {
		archive := p.ArchiveName(version)
		sum, ok := sums[archive]
		if !ok {
			return nil, fmt.Errorf("no sha256 for %s: build it with make dist VERSION=%s", archive, version)
		}
		data.Platforms = append(data.Platforms, platformData{
			OS: p.OS, Arch: p.Arch, URI: DownloadURI(version, archive), SHA256: sum,
			Binary: p.Binary(), Completion: p.Completion(),
		})
	}
	tmpl, err := template.New("manifest").Funcs(template.FuncMap{"indent": indentLines}).Parse(manifestTemplate)
	if err != nil {
		return nil, fmt.Errorf("manifest template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("manifest template: %w", err)
	}
	p, err := Parse(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("generated manifest: %w", err)
	}
	if err := Validate(PluginName+".yaml", p, release.Platforms()); err != nil {
		return nil, fmt.Errorf("generated manifest is invalid: %w", err)
	}
	return buf.Bytes(), nil
}

// ReleaseSums returns the version of a manifest and the sha256 of each archive it names (by
// the last element of the uri), the inputs Generate would need to produce it again.
func ReleaseSums(p Plugin) (string, map[string]string) {
	sums := make(map[string]string, len(p.Spec.Platforms))
	for _, pl := range p.Spec.Platforms {
		sums[path.Base(pl.URI)] = pl.Sha256
	}
	return p.Spec.Version, sums
}

// indentLines prefixes every line of s with n spaces.
func indentLines(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}
