package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

func sample() *exec.Report {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	return &exec.Report{
		Started: t0, Finished: t0.Add(9 * time.Minute),
		Summary: exec.Summary{Rotated: 1, Skipped: 1, Duration: 9 * time.Minute},
		Nodes: []exec.NodeReport{
			{Name: "n1", Group: "general", Batch: 0, OldInstance: "i-1", OldImage: "ami-old", NewInstances: []string{"i-9"}, NewImage: "ami-new", Phase: exec.PhaseDone,
				PodsEvicted: 4, EvictionRetries: 2, Phases: []exec.PhaseTiming{
					{Phase: exec.PhaseSurging, Start: t0, End: t0.Add(3 * time.Minute)},
					{Phase: exec.PhaseDraining, Start: t0.Add(3 * time.Minute), End: t0.Add(5 * time.Minute)},
					{Phase: exec.PhaseTerminating, Start: t0.Add(5 * time.Minute), End: t0.Add(6 * time.Minute)},
				}},
			{Name: "n2", Group: "general", Batch: 1, OldInstance: "i-2", OldImage: "ami-old", Phase: exec.PhaseSkipped, Reason: "skipped | by operator"},
		},
	}
}

func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Rotation finished: 1 rotated, 1 skipped, 0 failed in 9m0s",
		"| n1 | general | 1 | done | i-1 | i-9 | ami-old | ami-new | 2m0s | 4 | 2 | 6m0s |",
		`skipped \| by operator`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteFileByExtension(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file string
		json       bool
	}{
		{name: "json", file: "run.json", json: true},
		{name: "markdown", file: "run.md"},
		{name: "no extension is JSON", file: "run", json: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := WriteFile(path, sample()); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var back exec.Report
			isJSON := json.Unmarshal(data, &back) == nil
			if isJSON != tt.json {
				t.Fatalf("JSON = %v, want %v:\n%s", isJSON, tt.json, data)
			}
			if tt.json && (len(back.Nodes) != 2 || back.Nodes[0].PodsEvicted != 4) {
				t.Errorf("round trip = %+v", back)
			}
		})
	}
}
