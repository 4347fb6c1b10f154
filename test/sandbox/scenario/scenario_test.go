package scenario

import (
	"strings"
	"testing"
)

func TestBuiltinScenarios(t *testing.T) {
	tests := []struct {
		name     string
		nodes    int
		groups   int
		minZones int
	}{
		{name: "small", nodes: 12, groups: 3, minZones: 3},
		{name: "large", nodes: 400, groups: 8, minZones: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Nodes() != tt.nodes || len(s.Groups) != tt.groups {
				t.Errorf("%d nodes in %d groups, want %d in %d", s.Nodes(), len(s.Groups), tt.nodes, tt.groups)
			}
			if s.Images.Old.ID == s.Images.New.ID {
				t.Error("old and new images are the same")
			}
			if s.BootDelay.Duration <= 0 || !strings.Contains(s.Workloads, "PodDisruptionBudget") {
				t.Errorf("boot delay %v, workloads without PDB", s.BootDelay)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	base := "name: x\nregion: us-east-1\ncluster: c\nimages: {old: {id: ami-00000001}, new: {id: ami-00000002}}\n"
	tests := []struct {
		name, doc, want string
	}{
		{name: "unknown field", doc: base + "groups: [{name: g, kind: asg, zones: [us-east-1a], size: 1, maxSize: 1, colour: red}]", want: "colour"},
		{name: "bad kind", doc: base + "groups: [{name: g, kind: gke, zones: [us-east-1a], size: 1, maxSize: 1}]", want: "kind"},
		{name: "zone outside region", doc: base + "groups: [{name: g, kind: asg, zones: [eu-west-1a], size: 1, maxSize: 1}]", want: "not in region"},
		{name: "size above max", doc: base + "groups: [{name: g, kind: asg, zones: [us-east-1a], size: 3, maxSize: 1}]", want: "maxSize"},
		{name: "no groups", doc: base, want: "no groups"},
		{name: "bad image", doc: strings.Replace(base, "ami-00000001", "img-1", 1) + "groups: [{name: g, kind: asg, zones: [us-east-1a], size: 1, maxSize: 1}]", want: "not an AMI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoadUnknownNamesBuiltins(t *testing.T) {
	_, err := Load("medium")
	if err == nil || !strings.Contains(err.Error(), "large, small") {
		t.Errorf("error = %v, want it to list the built-in scenarios", err)
	}
}
