package krew

import (
	"slices"
	"strings"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/permissions"
)

// caveatWidth is the longest caveats line, within krew's line-length rule.
const caveatWidth = 76

// awsCaveat lists every AWS action the tool calls, wrapped after an "AWS:" lead.
func awsCaveat() string {
	actions := make([]string, 0, len(permissions.AWS()))
	for _, a := range permissions.AWS() {
		actions = append(actions, a.Action)
	}
	return wrapList("AWS:", actions, ", ", ".")
}

// kubernetesCaveat lists the Kubernetes verbs per resource, the force-only ones last.
func kubernetesCaveat() string {
	var order []string
	verbs := map[string][]string{}
	var force []string
	for _, r := range permissions.Kubernetes() {
		if r.Need == permissions.Force {
			force = append(force, r.Resource+" "+r.Verb)
			continue
		}
		name := r.Resource
		if r.Namespace != "" {
			name += " in " + r.Namespace
		}
		if _, seen := verbs[name]; !seen {
			order = append(order, name)
		}
		if !slices.Contains(verbs[name], r.Verb) {
			verbs[name] = append(verbs[name], r.Verb)
		}
	}
	items := make([]string, 0, len(order)+1)
	for _, name := range order {
		items = append(items, name+" "+strings.Join(verbs[name], ", "))
	}
	items = append(items, strings.Join(force, ", ")+" only for --on-drain-timeout force")
	return wrapList("Kubernetes:", items, "; ", ".")
}

// wrapList joins items after lead with sep and ends them with end, wrapping lines at
// caveatWidth with continuation lines indented by two spaces.
func wrapList(lead string, items []string, sep, end string) string {
	var lines []string
	line := strings.TrimSpace(lead)
	for _, word := range strings.Fields(strings.Join(items, sep) + end) {
		if len(line)+1+len(word) > caveatWidth {
			lines = append(lines, line)
			line = "  " + word
			continue
		}
		line += " " + word
	}
	return strings.Join(append(lines, line), "\n")
}
