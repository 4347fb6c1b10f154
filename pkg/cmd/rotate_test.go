package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

func TestRotateRefusesWithoutConsent(t *testing.T) {
	w := newTestWorld(t)
	r := run(t, w.env, "--nodegroup", "workers")
	if r.code != ExitUsage || !strings.Contains(r.errOut, "pass --yes") {
		t.Fatalf("exit %d, stderr %q; want a usage error naming --yes", r.code, r.errOut)
	}
	for call := range w.server.Calls() {
		if !strings.Contains(call, ":Describe") && !strings.Contains(call, ":Get") && !strings.Contains(call, ":List") {
			t.Errorf("a refused rotation called %s", call)
		}
	}
	asg, _ := w.cloud.AutoScalingGroup("workers")
	if asg.DesiredCapacity != 4 {
		t.Errorf("desired capacity changed to %d", asg.DesiredCapacity)
	}
}

func TestRotateRefusesATargetTheGroupDoesNotLaunch(t *testing.T) {
	w := newTestWorld(t)
	r := run(t, w.env, "--nodegroup", "workers", "--ami", amiOld, "--older-than", "1h", "--yes")
	want := "group workers launches " + amiNew
	if r.code != ExitError || !strings.Contains(r.errOut, want) || !strings.Contains(r.errOut, "publish "+amiOld) {
		t.Fatalf("exit %d, stderr %q; want a refusal containing %q", r.code, r.errOut, want)
	}
	for call := range w.server.Calls() {
		if !strings.Contains(call, ":Describe") && !strings.Contains(call, ":Get") && !strings.Contains(call, ":List") {
			t.Errorf("a refused rotation called %s", call)
		}
	}
	p := run(t, w.env, "plan", "--nodegroup", "workers", "--ami", amiOld, "--older-than", "1h")
	if p.code != ExitOK || !strings.Contains(p.out, "launches "+amiNew) {
		t.Errorf("plan exit %d; want the blocker shown:\n%s%s", p.code, p.out, p.errOut)
	}
}

func TestRotateNothingToDo(t *testing.T) {
	w := newTestWorld(t)
	r := run(t, w.env, "--nodegroup", "managed", "--yes")
	if r.code != ExitOK || !strings.Contains(r.out, "Nothing to rotate") {
		t.Errorf("exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
}

func TestRotateFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "drain timeout policy", args: []string{"--on-drain-timeout", "panic"}, want: "fail, skip or force"},
		{name: "event output", args: []string{"-o", "yaml"}, want: "plain or json"},
		{name: "lock ttl", args: []string{"--lock-ttl", "1s"}, want: "--lock-ttl"},
		{name: "negative wait", args: []string{"--wait-between-batches", "-1s"}, want: "--wait-between-batches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			r := run(t, w.env, append([]string{"--yes"}, tt.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want usage error with %q", r.code, r.errOut, tt.want)
			}
			if w.server.TotalCalls() != 0 {
				t.Errorf("bad flags made %d AWS calls", w.server.TotalCalls())
			}
		})
	}
}

func TestApplyRefusesDriftedPlan(t *testing.T) {
	w := newTestWorld(t)
	saved := filepath.Join(t.TempDir(), "plan.json")
	if r := run(t, w.env, "plan", "--nodegroup", "workers", "--out", saved, "-o", "json"); r.code != ExitOK {
		t.Fatalf("plan: exit %d: %s", r.code, r.errOut)
	}
	// The instance behind one node is replaced after the plan was saved.
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadPlan(saved)
	if err != nil {
		t.Fatal(err)
	}
	old := p.Groups[0].Nodes[0].InstanceID
	if err := os.WriteFile(saved, []byte(strings.Replace(string(data), old, "i-0fffffffffffffff0", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, w.env, "apply", "-f", saved, "--yes")
	if r.code != ExitError || !strings.Contains(r.errOut, "drifted") || !strings.Contains(r.errOut, old) {
		t.Errorf("exit %d, stderr %q; want a refusal naming instance %s", r.code, r.errOut, old)
	}
}

func TestApplyInputErrors(t *testing.T) {
	dir := t.TempDir()
	notPlan := filepath.Join(dir, "other.json")
	if err := os.WriteFile(notPlan, []byte(`{"apiVersion":"v1","kind":"ConfigMap"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "no file", args: []string{"apply"}, code: ExitUsage, want: "-f PLAN is required"},
		{name: "missing file", args: []string{"apply", "-f", filepath.Join(dir, "nope.json")}, code: ExitError, want: "cannot be read"},
		{name: "not a plan", args: []string{"apply", "-f", notPlan}, code: ExitError, want: "not a " + plan.APIVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			r := run(t, w.env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d with %q", r.code, r.errOut, tt.code, tt.want)
			}
		})
	}
}

func TestDrift(t *testing.T) {
	node := func(name, id, ami string, action plan.Action) plan.Node {
		return plan.Node{Name: name, InstanceID: id, CurrentAMI: ami, Action: action}
	}
	saved := &plan.Plan{Groups: []plan.Group{{Name: "g", Nodes: []plan.Node{
		node("a", "i-1", "ami-1", plan.ActionRotate), node("b", "i-2", "ami-1", plan.ActionRotate), node("c", "i-3", "ami-1", plan.ActionRotate),
	}}}}
	tests := []struct {
		name  string
		fresh []plan.Group
		want  []string
	}{
		{name: "unchanged", fresh: saved.Groups},
		{name: "gone, replaced, reimaged", fresh: []plan.Group{{Name: "g", Nodes: []plan.Node{
			node("b", "i-9", "ami-1", plan.ActionRotate), node("c", "i-3", "ami-2", plan.ActionKeep),
		}}}, want: []string{"node a is gone", "node b now runs on instance i-9 (plan: i-2)", "node c now runs image ami-2 (plan: ami-1)"}},
		{name: "moved", fresh: []plan.Group{{Name: "h", Nodes: saved.Groups[0].Nodes}}, want: []string{"node a moved from group g to h", "node b moved", "node c moved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Drift(saved, &plan.Plan{Groups: tt.fresh})
			if len(got) != len(tt.want) {
				t.Fatalf("Drift = %q, want %d differences", got, len(tt.want))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("difference %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
