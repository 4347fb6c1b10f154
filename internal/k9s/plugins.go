// Package k9s checks k9s plugin files the way k9s reads them: against k9s's plugins JSON schema
// (internal/config/json/schemas/plugins.json in derailed/k9s: required fields, their types,
// no unknown fields) and against what k9s does when it binds a plugin to a key (the shortCut
// must be a key name k9s knows, and must not take a key k9s or another plugin already binds
// in the same view unless override is set).
//
// k9s itself cannot be a dependency (its module is not obtainable here); the rules are
// written from its source.
package k9s

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// File is a k9s plugins file (plugins.yaml): plugins by name.
type File struct {
	Plugins map[string]Plugin `json:"plugins"`
}

// Plugin is one k9s plugin: a command k9s runs, with the selected resource's values
// ($NAME, $CONTEXT, ...) substituted in its args, when the shortCut is pressed in a view of
// one of the scopes.
type Plugin struct {
	ShortCut        string   `json:"shortCut"`
	Override        bool     `json:"override,omitempty"`
	Description     string   `json:"description"`
	Confirm         bool     `json:"confirm,omitempty"`
	Dangerous       bool     `json:"dangerous,omitempty"`
	Scopes          []string `json:"scopes"`
	Command         string   `json:"command"`
	Background      bool     `json:"background"`
	OverwriteOutput bool     `json:"overwriteOutput,omitempty"`
	Args            []any    `json:"args,omitempty"`
	Inputs          []any    `json:"inputs,omitempty"`
}

// Problem is one thing wrong with a plugins file.
type Problem struct {
	// Path locates it, for example plugins.rotate-node.shortCut; empty for the whole file.
	Path    string
	Message string
}

// Error describes the problem.
func (p Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Load parses a plugins file and returns it, or every problem it has joined into one error.
func Load(data []byte) (File, error) {
	f, problems := Check(data)
	if len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = p
		}
		return File{}, errors.Join(errs...)
	}
	return f, nil
}

// Check parses a plugins file and returns it with every problem found: YAML that does not
// parse (or repeats a key), breaches of the schema and of k9s's key binding rules.
func Check(data []byte) (File, []Problem) {
	doc, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return File{}, []Problem{{Message: fmt.Sprintf("not valid YAML: %v", err)}}
	}
	var generic any
	if err := json.Unmarshal(doc, &generic); err != nil {
		return File{}, []Problem{{Message: fmt.Sprintf("not valid YAML: %v", err)}}
	}
	if problems := checkSchema(generic); len(problems) > 0 {
		return File{}, problems
	}
	var f File
	if err := json.Unmarshal(doc, &f); err != nil {
		return File{}, []Problem{{Message: fmt.Sprintf("decode: %v", err)}}
	}
	return f, checkBindings(f)
}

// checkBindings checks what the schema cannot: the values k9s needs to bind each plugin.
func checkBindings(f File) []Problem {
	var problems []Problem
	add := func(name, field, format string, args ...any) {
		problems = append(problems, Problem{Path: "plugins." + name + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	builtin := NodeViewKeys()
	names := sortedKeys(f.Plugins)
	for i, name := range names {
		p := f.Plugins[name]
		if !IsKeyName(p.ShortCut) {
			add(name, "shortCut", "%q is no key name k9s knows: use a to z, 0 to 9, Shift-A to Shift-Z, Ctrl-A to Ctrl-Z, F1 to F64 or a named key", p.ShortCut)
		}
		if strings.TrimSpace(p.Description) == "" {
			add(name, "description", "is empty; k9s shows it in the menu")
		}
		if strings.TrimSpace(p.Command) == "" {
			add(name, "command", "is empty")
		}
		if len(p.Scopes) == 0 {
			add(name, "scopes", "is empty: the plugin would show in no view")
		}
		for j, s := range p.Scopes {
			if strings.TrimSpace(s) == "" {
				add(name, fmt.Sprintf("scopes[%d]", j), "is empty")
			}
		}
		if what, taken := builtin[p.ShortCut]; taken && !p.Override && slices.ContainsFunc(p.Scopes, IsNodeScope) {
			add(name, "shortCut", "%s is k9s's own %q key in the node view; pick another key or set override", p.ShortCut, what)
		}
		for _, other := range names[i+1:] {
			q := f.Plugins[other]
			if q.ShortCut == p.ShortCut && scopesOverlap(p.Scopes, q.Scopes) {
				add(name, "shortCut", "%s is also the key of plugin %s in the same view; k9s binds only one", p.ShortCut, other)
			}
		}
	}
	return problems
}

// scopesOverlap reports whether two plugins show in a common view.
func scopesOverlap(a, b []string) bool {
	if slices.Contains(a, "all") || slices.Contains(b, "all") {
		return true
	}
	for _, s := range a {
		if slices.Contains(b, s) || (IsNodeScope(s) && slices.ContainsFunc(b, IsNodeScope)) {
			return true
		}
	}
	return false
}
