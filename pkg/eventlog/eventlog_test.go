package eventlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

func TestPlainLinesAndSummary(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	now := t0
	var buf bytes.Buffer
	p := &Plain{W: &buf, Total: 2, Batches: 2, Now: func() time.Time { return now }}
	events := []exec.Event{
		{Type: exec.EventBatchStarted, Time: t0, Batch: 0, Group: "general", Message: "1 node, surge 1"},
		{Type: exec.EventNodePhase, Time: t0, Batch: 0, Node: "n1", Phase: exec.PhaseDraining},
		{Type: exec.EventEvictionBlocked, Time: t0, Batch: 0, Node: "n1", Pod: "shop/web-1", PDB: "shop/web", BlockedFor: 42 * time.Second},
		{Type: exec.EventNodePhase, Time: t0, Batch: 0, Node: "n1", Phase: exec.PhaseDone},
	}
	for i, e := range events {
		now = t0.Add(time.Duration(i) * 11 * time.Second)
		if err := p.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	for _, want := range []string{
		"2026-11-21T10:00:00Z [batch 1/2] batch of group general started: 1 node, surge 1",
		"[batch 1/2] n1: eviction of shop/web-1 blocked by PodDisruptionBudget shop/web for 42s",
		"progress: 1/2 nodes rotated, 0 in flight, 0 skipped, 0 failed; batch 1/2; elapsed 33s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "progress:") != 1 {
		t.Errorf("want exactly one summary line after 30s:\n%s", out)
	}
}

func TestJSONOneObjectPerLine(t *testing.T) {
	var buf bytes.Buffer
	j := JSON{W: &buf}
	for _, e := range []exec.Event{
		{Type: exec.EventNodePhase, Batch: 0, Node: "n1", Phase: exec.PhaseCordoned},
		{Type: exec.EventFinished, Batch: -1, Summary: &exec.Summary{Rotated: 1}},
	} {
		if err := j.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["type"] != "node-phase" || first["phase"] != "cordoned" || first["node"] != "n1" {
		t.Errorf("first line = %v", first)
	}
}
