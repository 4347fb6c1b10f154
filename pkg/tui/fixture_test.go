package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// fixedClock returns a clock that always says at.
func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }

// testPlan builds a plan of groups × perGroup nodes to rotate, two per batch, alternating two
// zones, with one PDB blocker.
func testPlan(groups, perGroup int) *plan.Plan {
	p := &plan.Plan{
		APIVersion: plan.APIVersion, Kind: plan.KindRotationPlan, Generated: at(0),
		Policy:   plan.PolicySummary{MaxSurge: "2", MaxUnavailable: "0"},
		Estimate: plan.Duration(time.Duration(groups*perGroup) * 4 * time.Minute),
	}
	batch := 0
	for g := range groups {
		name := fmt.Sprintf("workers-%c", 'a'+g)
		grp := plan.Group{
			Name: name, Kind: plan.KindASG, AutoScalingGroup: name + "-asg",
			TargetAMI: "ami-0new0000000000" + fmt.Sprint(g), TargetSource: "launch template",
			MinSize: perGroup, MaxSize: perGroup + 2, DesiredCapacity: perGroup, Surge: 2,
			Counts: plan.Counts{Rotate: perGroup},
		}
		for i := range perGroup {
			if i%2 == 0 && i > 0 {
				batch++
			}
			n := plan.Node{
				Name:       nodeName(g, i),
				InstanceID: fmt.Sprintf("i-%02d%04d", g, i),
				Zone:       fmt.Sprintf("eu-west-1%c", 'a'+i%2),
				CurrentAMI: "ami-0old0000000000" + fmt.Sprint(g), TargetAMI: grp.TargetAMI,
				Action: plan.ActionRotate, Batch: batch,
				Evictions: []string{"shop/web-" + fmt.Sprint(i), "shop/cache-" + fmt.Sprint(i), "kube-system/coredns-" + fmt.Sprint(i)},
			}
			grp.Nodes = append(grp.Nodes, n)
			if i%2 == 0 {
				p.Batches = append(p.Batches, plan.Batch{Index: batch, Group: name, Surge: 2, Zones: []string{"eu-west-1a", "eu-west-1b"}})
			}
			b := &p.Batches[len(p.Batches)-1]
			b.Nodes = append(b.Nodes, n.Name)
		}
		batch++
		p.Groups = append(p.Groups, grp)
	}
	p.Blockers = []plan.Blocker{{Kind: plan.BlockerPDB, Group: "workers-a", Node: nodeName(0, 0), PDB: "shop/web",
		Message: "PodDisruptionBudget shop/web allows no disruption now"}}
	return p
}

// nodeName is the name of node i of group g in testPlan.
func nodeName(g, i int) string {
	return fmt.Sprintf("ip-10-%d-%d-%d.eu-west-1.compute.internal", g, i/250, i%250)
}

// testConfig is a configuration over p with a fixed clock and buffered channels.
func testConfig(p *plan.Plan) (Config, chan exec.Event, chan exec.Control) {
	events := make(chan exec.Event, 64)
	controls := make(chan exec.Control, 8)
	return Config{
		Plan: p, Context: "prod-eu", Target: "drift (launch templates)",
		Policy: "max-surge 2, max-unavailable 0, drain-timeout 15m",
		Events: events, Controls: controls, ReportPath: "rotation.md",
		Clock: fixedClock(at(10 * time.Minute)),
	}, events, controls
}

// newTestModel is a model on the live screen, sized w×h, with plain styles.
func newTestModel(t testing.TB, p *plan.Plan, w, h int) (*Model, chan exec.Control) {
	t.Helper()
	cfg, _, controls := testConfig(p)
	m := NewModel(cfg)
	m.Init()
	update(m, tea.ColorProfileMsg{Profile: colorprofile.NoTTY}, tea.WindowSizeMsg{Width: w, Height: h})
	return m, controls
}

// update feeds messages to m and returns the last command.
func update(m *Model, msgs ...tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	for _, msg := range msgs {
		_, cmd = m.Update(msg)
	}
	return cmd
}

// press returns the key press of a key name: a single character, or "enter", "esc", "up",
// "down", "ctrl+c".
func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// events wraps events in the message listen delivers.
func events(es ...exec.Event) eventsMsg { return eventsMsg{events: es} }

// at is d after the fixed time the tests' runs start at.
func at(d time.Duration) time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Add(d) }

// phase is a node-phase event for node i of group g.
func phase(g, i int, p exec.Phase, when time.Duration) exec.Event {
	return exec.Event{Type: exec.EventNodePhase, Time: at(when), Batch: 0, Group: fmt.Sprintf("workers-%c", 'a'+g), Node: nodeName(g, i), Phase: p}
}

// midRotation is a run ten minutes in: batch 1 of workers-a drained, the second node blocked
// by a PDB, the next batch surging.
func midRotation() []exec.Event {
	a := "workers-a"
	return []exec.Event{
		{Type: exec.EventRunStarted, Time: at(0), Batch: -1, Message: "run r1: 8 nodes to rotate in 4 batches"},
		{Type: exec.EventBatchStarted, Time: at(time.Second), Batch: 0, Group: a, Message: "2 node(s), surge 2"},
		phase(0, 0, exec.PhaseSurging, time.Second), phase(0, 1, exec.PhaseSurging, time.Second),
		{Type: exec.EventReplacement, Time: at(3 * time.Minute), Batch: 0, Group: a, Replacement: "ip-10-0-9-1.eu-west-1.compute.internal", InstanceID: "i-new1"},
		{Type: exec.EventReplacement, Time: at(3 * time.Minute), Batch: 0, Group: a, Replacement: "ip-10-0-9-2.eu-west-1.compute.internal", InstanceID: "i-new2"},
		phase(0, 0, exec.PhaseCordoned, 3*time.Minute), phase(0, 1, exec.PhaseCordoned, 3*time.Minute),
		phase(0, 0, exec.PhaseDraining, 3*time.Minute), phase(0, 1, exec.PhaseDraining, 3*time.Minute),
		{Type: exec.EventDrainProgress, Time: at(4 * time.Minute), Batch: 0, Group: a, Node: nodeName(0, 0), Evicted: 3, Total: 3, Pod: "shop/web-0"},
		phase(0, 0, exec.PhaseTerminating, 5*time.Minute),
		phase(0, 0, exec.PhaseDone, 6*time.Minute),
		{Type: exec.EventDrainProgress, Time: at(4 * time.Minute), Batch: 0, Group: a, Node: nodeName(0, 1), Evicted: 2, Total: 3, Pod: "shop/cache-1"},
		{Type: exec.EventEvictionBlocked, Time: at(9 * time.Minute), Batch: 0, Group: a, Node: nodeName(0, 1), Pod: "shop/web-1", PDB: "shop/web",
			BlockedFor: 5 * time.Minute, Message: "Cannot evict pod as it would violate the pod's disruption budget."},
		{Type: exec.EventWarning, Time: at(9 * time.Minute), Batch: -1, Message: "2 pods evicted by the run are still Pending"},
	}
}

// plain strips styles from a view.
func plain(m *Model) string { return ansi.Strip(m.View().Content) }

// tableRow returns the table row of node i of group g in a plain view, or "".
func tableRow(view string, g, i int) string {
	short := strings.TrimSuffix(nodeName(g, i), ".eu-west-1.compute.internal") + " "
	for _, l := range strings.Split(view, "\n") {
		if strings.HasPrefix(l, "  "+short) || strings.HasPrefix(l, "> "+short) {
			return l
		}
	}
	return ""
}

// lineWith returns the first line of s containing sub, or "".
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
