package k9s

import (
	"fmt"
	"slices"
)

// kind is a JSON schema type of a plugin field.
type kind int

const (
	kindString kind = iota
	kindBool
	kindStrings        // array of strings
	kindStringsNumbers // array of strings or numbers
	kindInputs         // array of input objects
)

func (k kind) String() string {
	return [...]string{"a string", "a boolean", "an array of strings", "an array of strings or numbers", "an array of inputs"}[k]
}

// pluginFields returns the fields k9s's plugins schema (internal/config/json/schemas/
// plugins.json) allows in a plugin, with their types.
func pluginFields() map[string]kind {
	return map[string]kind{
		"shortCut": kindString, "override": kindBool, "description": kindString, "confirm": kindBool,
		"dangerous": kindBool, "scopes": kindStrings, "command": kindString, "background": kindBool,
		"overwriteOutput": kindBool, "args": kindStringsNumbers, "inputs": kindInputs,
	}
}

// requiredFields returns the fields the schema requires in every plugin.
func requiredFields() []string { return []string{"shortCut", "description", "scopes", "command"} }

// checkSchema checks a decoded plugins file against k9s's plugins schema: a mapping with the
// one key plugins, mapping names to plugins that have the required fields, no others, and
// each of its type.
func checkSchema(doc any) []Problem {
	root, ok := doc.(map[string]any)
	if !ok {
		return []Problem{{Message: "the file must be a mapping with the key plugins"}}
	}
	var problems []Problem
	for _, key := range sortedKeys(root) {
		if key != "plugins" {
			problems = append(problems, Problem{Path: key, Message: "unknown field; the file has only plugins"})
		}
	}
	raw, ok := root["plugins"]
	if !ok {
		return append(problems, Problem{Path: "plugins", Message: "is required"})
	}
	plugins, ok := raw.(map[string]any)
	if !ok {
		return append(problems, Problem{Path: "plugins", Message: "must be a mapping of plugin names to plugins"})
	}
	for _, name := range sortedKeys(plugins) {
		problems = append(problems, checkPluginSchema("plugins."+name, plugins[name])...)
	}
	return problems
}

func checkPluginSchema(path string, raw any) []Problem {
	plugin, ok := raw.(map[string]any)
	if !ok {
		return []Problem{{Path: path, Message: "must be a mapping of plugin fields"}}
	}
	var problems []Problem
	fields := pluginFields()
	for _, key := range sortedKeys(plugin) {
		k, known := fields[key]
		if !known {
			problems = append(problems, Problem{Path: path + "." + key, Message: "unknown field; k9s's schema allows no other than " + fieldList(fields)})
			continue
		}
		if !hasKind(plugin[key], k) {
			problems = append(problems, Problem{Path: path + "." + key, Message: fmt.Sprintf("must be %s, not %s", k, describe(plugin[key]))})
			continue
		}
		if k == kindInputs {
			problems = append(problems, checkInputs(path+"."+key, plugin[key].([]any))...)
		}
	}
	for _, key := range requiredFields() {
		if _, ok := plugin[key]; !ok {
			problems = append(problems, Problem{Path: path + "." + key, Message: "is required"})
		}
	}
	return problems
}

// checkInputs checks a plugin's inputs: at most 5, each with a name and a type among string,
// number, bool and dropdown, and required set to true wherever a default is given.
func checkInputs(path string, inputs []any) []Problem {
	var problems []Problem
	if len(inputs) > 5 {
		problems = append(problems, Problem{Path: path, Message: "has more than 5 inputs"})
	}
	fields := map[string]kind{"name": kindString, "label": kindString, "type": kindString, "required": kindBool, "options": kindStrings}
	for i, raw := range inputs {
		p := fmt.Sprintf("%s[%d]", path, i)
		in, ok := raw.(map[string]any)
		if !ok {
			problems = append(problems, Problem{Path: p, Message: "must be a mapping"})
			continue
		}
		for _, key := range sortedKeys(in) {
			if key == "default" {
				switch in[key].(type) {
				case string, float64, bool:
				default:
					problems = append(problems, Problem{Path: p + ".default", Message: "must be a string, a number or a boolean"})
				}
				continue
			}
			if k, known := fields[key]; known && !hasKind(in[key], k) {
				problems = append(problems, Problem{Path: p + "." + key, Message: fmt.Sprintf("must be %s", k)})
			}
		}
		for _, key := range []string{"name", "type"} {
			if _, ok := in[key]; !ok {
				problems = append(problems, Problem{Path: p + "." + key, Message: "is required"})
			}
		}
		if t, ok := in["type"].(string); ok && !slices.Contains([]string{"string", "number", "bool", "dropdown"}, t) {
			problems = append(problems, Problem{Path: p + ".type", Message: fmt.Sprintf("%q is not one of string, number, bool, dropdown", t)})
		}
		if _, hasDefault := in["default"]; hasDefault && in["required"] != true {
			problems = append(problems, Problem{Path: p + ".required", Message: "must be true when a default is given"})
		}
	}
	return problems
}

func hasKind(v any, k kind) bool {
	switch k {
	case kindString:
		_, ok := v.(string)
		return ok
	case kindBool:
		_, ok := v.(bool)
		return ok
	}
	items, ok := v.([]any)
	if !ok {
		return false
	}
	for _, item := range items {
		switch item.(type) {
		case string:
		case float64:
			if k != kindStringsNumbers {
				return false
			}
		case map[string]any:
			if k != kindInputs {
				return false
			}
		default:
			return false
		}
		if _, isMap := item.(map[string]any); k == kindInputs && !isMap {
			return false
		}
	}
	return true
}

// describe names the JSON type of v for a message.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array with an item of another type"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

func fieldList(fields map[string]kind) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	return fmt.Sprint(names)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
