// Package krew holds kubectl-rotate's krew plugin manifest: its types, its generation from the
// release checksums, a check of every rule krew's validate-krew-manifest enforces (and a few of
// the project's own), and an installation that does what "kubectl krew install" does.
//
// krew itself cannot be a dependency (its module is not obtainable here), so the rules and the
// install steps are written from krew's source: pkg/index (types), internal/index/validation,
// cmd/validate-krew-manifest, internal/installation and internal/download.
package krew

import (
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// APIVersion is the only manifest apiVersion krew accepts.
const APIVersion = "krew.googlecontainertools.github.com/v1alpha2"

// Kind is the only manifest kind krew accepts.
const Kind = "Plugin"

// PluginName is the plugin's name in the krew index: "kubectl krew install rotate".
const PluginName = "rotate"

// Homepage is the project's home page, and the base of the release download URLs.
const Homepage = "https://github.com/kubectl-rotate/kubectl-rotate"

// Plugin is a krew plugin manifest.
type Plugin struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   Metadata   `json:"metadata"`
	Spec       PluginSpec `json:"spec"`
}

// Metadata is the part of the manifest's metadata krew reads.
type Metadata struct {
	Name string `json:"name"`
}

// PluginSpec describes the plugin and how to install it on each platform.
type PluginSpec struct {
	Version          string     `json:"version,omitempty"`
	ShortDescription string     `json:"shortDescription,omitempty"`
	Description      string     `json:"description,omitempty"`
	Caveats          string     `json:"caveats,omitempty"`
	Homepage         string     `json:"homepage,omitempty"`
	Platforms        []Platform `json:"platforms,omitempty"`
}

// Platform says where the archive for the platforms its selector matches is, and which of
// its files are installed.
type Platform struct {
	URI      string                `json:"uri,omitempty"`
	Sha256   string                `json:"sha256,omitempty"`
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// Files is nil when the manifest has no files list; krew then extracts everything.
	Files []FileOperation `json:"files"`
	// Bin is the plugin executable's path in the installation directory.
	Bin string `json:"bin"`
}

// FileOperation copies the archive files matching From (a path or a glob) to To, relative to
// the installation directory.
type FileOperation struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Parse decodes a manifest. Unlike krew, which ignores unknown fields for forward
// compatibility, it rejects them and duplicate keys, so that a misspelled field fails.
func Parse(data []byte) (Plugin, error) {
	var p Plugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return Plugin{}, fmt.Errorf("parse plugin manifest: %w", err)
	}
	return p, nil
}

// ReadFile reads and parses the manifest at path.
func ReadFile(path string) (Plugin, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Plugin{}, fmt.Errorf("read plugin manifest: %w", err)
	}
	p, err := Parse(data)
	if err != nil {
		return Plugin{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
