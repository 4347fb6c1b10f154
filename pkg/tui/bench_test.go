package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// BenchmarkRender5000Nodes measures one frame of the live screen with 5,000 nodes, 200 of
// them in flight (a tenth blocked by a PDB), in color at 160×50. The target is under 5 ms.
func BenchmarkRender5000Nodes(b *testing.B) {
	m, _ := newTestModel(b, testPlan(4, 1250), 160, 50)
	update(m, tea.ColorProfileMsg{Profile: colorprofile.TrueColor})
	var burst []exec.Event
	for i := range 200 {
		g, n := i%4, i/4
		burst = append(burst, phase(g, n, exec.PhaseDraining, time.Minute),
			exec.Event{Type: exec.EventDrainProgress, Time: at(2 * time.Minute), Node: nodeName(g, n), Evicted: 1, Total: 3})
		if i%10 == 0 {
			burst = append(burst, exec.Event{Type: exec.EventEvictionBlocked, Time: at(3 * time.Minute), Node: nodeName(g, n),
				Pod: "shop/web", PDB: "shop/web", BlockedFor: time.Minute})
		}
	}
	update(m, events(burst...))
	if got := m.board.active; got != 200 {
		b.Fatalf("%d nodes in flight, want 200", got)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/frame")
}
