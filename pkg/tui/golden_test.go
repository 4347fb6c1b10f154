package tui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// The golden screens are drawn at a fixed size with a fixed clock. Regenerate them with
//
//	go test ./pkg/tui -run TestGolden -update
const (
	goldenWidth  = 120
	goldenHeight = 40
	waitTimeout  = 5 * time.Second
)

// screenWatch lets a test wait until the program's screen shows a text. It looks at the
// model from the program's own loop, through a message filter, so the test never races
// the program and never depends on how the renderer splits its output.
type screenWatch struct {
	profile colorprofile.Profile // the screen counts once drawn with this profile
	mu      sync.Mutex
	want    string
	seen    chan struct{}
}

// filter checks the screen before each message.
func (w *screenWatch) filter(m tea.Model, msg tea.Msg) tea.Msg {
	w.mu.Lock()
	defer w.mu.Unlock()
	if model, ok := m.(*Model); !ok || model.profile != w.profile {
		return msg
	}
	if w.want != "" && strings.Contains(ansi.Strip(m.View().Content), w.want) {
		w.want = ""
		close(w.seen)
	}
	return msg
}

// nudge is a message the model ignores; it makes the filter look at the screen again.
type nudge struct{}

// waitFor waits until the screen shows text, nudging the program so that it looks.
func (w *screenWatch) waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	w.mu.Lock()
	w.want, w.seen = text, make(chan struct{})
	seen := w.seen
	w.mu.Unlock()
	timeout := time.After(waitTimeout)
	nudges := time.NewTicker(10 * time.Millisecond)
	defer nudges.Stop()
	for {
		select {
		case <-seen:
			return
		case <-nudges.C:
			tm.Send(nudge{})
		case <-timeout:
			t.Fatalf("the screen did not show %q within %s", text, waitTimeout)
		}
	}
}

// startProgram runs the dashboard for cfg in a test program with a color profile.
func startProgram(t *testing.T, cfg Config, profile colorprofile.Profile) (*teatest.TestModel, *screenWatch) {
	t.Helper()
	w := &screenWatch{profile: profile}
	tm := teatest.NewTestModel(t, NewModel(cfg),
		teatest.WithInitialTermSize(goldenWidth, goldenHeight),
		teatest.WithProgramOptions(tea.WithColorProfile(profile), tea.WithFilter(w.filter)))
	return tm, w
}

// requireScreen compares the final screen of the program with the test's golden file.
func requireScreen(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	m, ok := tm.FinalModel(t, teatest.WithFinalTimeout(waitTimeout)).(*Model)
	if !ok {
		t.Fatal("the program did not end with the dashboard's model")
	}
	golden.RequireEqual(t, m.View().Content)
}

// receive waits for one control from the dashboard.
func receive(t *testing.T, controls chan exec.Control) exec.Control {
	t.Helper()
	select {
	case c := <-controls:
		return c
	case <-time.After(waitTimeout):
		t.Fatal("no control was sent")
		return exec.Control{}
	}
}

func TestGoldenPlan(t *testing.T) {
	cfg, _, _ := testConfig(testPlan(2, 4))
	cfg.Confirm = true
	tm, w := startProgram(t, cfg, colorprofile.NoTTY)
	w.waitFor(t, tm, "start rotation")
	tm.Type("q")
	requireScreen(t, tm)
}

// runningProgram starts a rotation that has reached midRotation.
func runningProgram(t *testing.T, profile colorprofile.Profile) (*teatest.TestModel, *screenWatch, chan exec.Event, chan exec.Control) {
	t.Helper()
	cfg, events, controls := testConfig(testPlan(2, 4))
	for _, e := range midRotation() {
		events <- e
	}
	tm, w := startProgram(t, cfg, profile)
	w.waitFor(t, tm, "still Pending")
	return tm, w, events, controls
}

func TestGoldenBlockedByPDB(t *testing.T) {
	tm, _, _, _ := runningProgram(t, colorprofile.NoTTY)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	requireScreen(t, tm)
}

func TestGoldenBlockedByPDBInColor(t *testing.T) {
	tm, _, _, _ := runningProgram(t, colorprofile.ANSI)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	requireScreen(t, tm)
}

func TestGoldenPaused(t *testing.T) {
	tm, w, events, controls := runningProgram(t, colorprofile.NoTTY)
	tm.Type("p")
	if c := receive(t, controls); c.Type != exec.ControlPause {
		t.Fatalf("p sent %v", c)
	}
	events <- exec.Event{Type: exec.EventPauseRequested, Time: at(10 * time.Minute), Batch: -1, Message: "pause requested: finishing 1 step(s) in flight"}
	events <- exec.Event{Type: exec.EventPaused, Time: at(10 * time.Minute), Batch: -1, Message: "paused: no step in flight; resume to go on"}
	w.waitFor(t, tm, "Paused at a safe point")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	requireScreen(t, tm)
}

func TestGoldenSummary(t *testing.T) {
	tm, w, events, _ := runningProgram(t, colorprofile.NoTTY)
	fail := phase(0, 1, exec.PhaseFailed, 15*time.Minute)
	fail.Message = "drain timed out after 15m: PodDisruptionBudget shop/web allows no disruption"
	events <- fail
	events <- exec.Event{Type: exec.EventFinished, Time: at(40 * time.Minute), Batch: -1,
		Summary: &exec.Summary{Rotated: 7, Failed: 1, Duration: 40 * time.Minute}}
	close(events)
	w.waitFor(t, tm, "press any key")
	tm.Type("x")
	requireScreen(t, tm)
}
