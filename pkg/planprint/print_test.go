package planprint

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

func samplePlan() *plan.Plan {
	return &plan.Plan{
		APIVersion: plan.APIVersion, Kind: plan.KindRotationPlan,
		Policy: plan.PolicySummary{MaxSurge: "1", MaxUnavailable: "0"},
		Groups: []plan.Group{{
			Name: "workers", Kind: plan.KindASG, TargetAMI: "ami-new", TargetSource: "launch template lt-1 version 2",
			MinSize: 1, DesiredCapacity: 2, MaxSize: 3, Surge: 1, Counts: plan.Counts{Rotate: 1, Keep: 1},
			Nodes: []plan.Node{
				{Name: "n1", InstanceID: "i-1", InstanceType: "m6i.large", Zone: "us-east-1a", CurrentAMI: "ami-old", TargetAMI: "ami-new", Action: plan.ActionRotate, Reason: "ami-old -> ami-new", Batch: 0, Age: plan.Duration(72 * time.Hour), Evictions: []string{"a/p1", "a/p2"}},
				{Name: "n2", InstanceID: "i-2", Zone: "us-east-1b", CurrentAMI: "ami-new", TargetAMI: "ami-new", Action: plan.ActionKeep, Reason: "already on target image", Batch: -1},
			},
		}},
		Batches:   []plan.Batch{{Index: 0, Group: "workers", Surge: 1, Nodes: []string{"n1"}, Zones: []string{"us-east-1a"}}},
		Blockers:  []plan.Blocker{{Kind: plan.BlockerPDB, Group: "workers", Node: "n1", PDB: "a/web", Message: "budget a/web allows no disruption"}},
		Unmanaged: []plan.UnmanagedNode{{Name: "edge", Reason: "no spec.providerID"}},
		Estimate:  plan.Duration(5 * time.Minute),
	}
}

func TestPrintFormats(t *testing.T) {
	tests := []struct {
		name   string
		format string
		want   []string
		absent []string
	}{
		{name: "table", format: FormatTable,
			want:   []string{"1 to rotate, 1 to keep, 0 to skip in 1 groups; 1 batches", "workers (asg)", "1/2/3", "n1", "rotate", "Blockers (1)", "budget a/web", "Not managed (1)", "edge", "estimated 5m"},
			absent: []string{"m6i.large", "EVICTIONS"}},
		{name: "wide", format: FormatWide, want: []string{"INSTANCE", "EVICTIONS", "i-1", "m6i.large", "3d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Print(&buf, samplePlan(), tt.format); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, buf.String())
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(buf.String(), a) {
					t.Errorf("output has %q:\n%s", a, buf.String())
				}
			}
		})
	}
}

func TestPrintJSONAndYAMLRoundTrip(t *testing.T) {
	for _, format := range []string{FormatJSON, FormatYAML} {
		var buf bytes.Buffer
		if err := Print(&buf, samplePlan(), format); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		if format == FormatYAML {
			var err error
			if data, err = yaml.YAMLToJSON(data); err != nil {
				t.Fatal(err)
			}
		}
		var back plan.Plan
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if back.Kind != plan.KindRotationPlan || back.Groups[0].Nodes[0].TargetAMI != "ami-new" || time.Duration(back.Estimate) != 5*time.Minute {
			t.Errorf("%s round trip = %+v", format, back)
		}
	}
}

func TestPrintRejectsUnknownFormat(t *testing.T) {
	if err := Print(&bytes.Buffer{}, samplePlan(), "xml"); err == nil {
		t.Error("want an error for format xml")
	}
}
