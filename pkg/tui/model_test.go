package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// sent returns the controls waiting in the channel.
func sent(controls chan exec.Control) []exec.Control {
	var out []exec.Control
	for {
		select {
		case c := <-controls:
			out = append(out, c)
		default:
			return out
		}
	}
}

// isQuit reports whether cmd, or a command of the batch it is, asks the program to quit.
// Commands that wait (for events or a timer) are given up on after a moment.
func isQuit(cmd tea.Cmd) bool {
	for _, msg := range runCmd(cmd) {
		if _, ok := msg.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

// runCmd runs cmd and the commands of any batch it returns, and collects the messages of
// those that return within a moment.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(200 * time.Millisecond):
		return nil
	}
	b, ok := msg.(tea.BatchMsg)
	if !ok {
		return []tea.Msg{msg}
	}
	var out []tea.Msg
	for _, c := range b {
		out = append(out, runCmd(c)...)
	}
	return out
}

func TestPauseShowsPendingUntilTheEnginePauses(t *testing.T) {
	m, controls := newTestModel(t, testPlan(2, 4), 120, 40)
	update(m, events(midRotation()...))

	update(m, press("p"))
	if got := sent(controls); len(got) != 1 || got[0].Type != exec.ControlPause {
		t.Fatalf("p sent %v, want one pause", got)
	}
	view := plain(m)
	if !strings.Contains(view, "[PAUSE REQUESTED]") || !strings.Contains(view, "Pause requested") {
		t.Fatalf("the pause is not shown as pending at once:\n%s", view)
	}

	update(m, events(exec.Event{Type: exec.EventPauseRequested, Time: at(10 * time.Minute), Batch: -1,
		Message: "pause requested: finishing 1 step(s) in flight"}))
	if view = plain(m); !strings.Contains(view, "[PAUSE REQUESTED]") || !strings.Contains(view, "finishing 1 step(s) in flight") {
		t.Fatalf("after the engine took the request, still pending with its word expected:\n%s", view)
	}

	update(m, events(exec.Event{Type: exec.EventPaused, Time: at(10 * time.Minute), Batch: -1}))
	if view = plain(m); !strings.Contains(view, "[PAUSED]") || !strings.Contains(view, "p resume") {
		t.Fatalf("the engine's paused event did not show as paused with p to resume:\n%s", view)
	}

	update(m, press("p"))
	if got := sent(controls); len(got) != 1 || got[0].Type != exec.ControlResume {
		t.Fatalf("p while paused sent %v, want one resume", got)
	}
	if view = plain(m); !strings.Contains(view, "[RESUME REQUESTED]") {
		t.Fatalf("the resume is not shown as pending:\n%s", view)
	}
	update(m, events(exec.Event{Type: exec.EventResumed, Time: at(10 * time.Minute), Batch: -1}))
	if view = plain(m); !strings.Contains(view, "[RUNNING]") {
		t.Fatalf("the engine's resumed event did not show as running:\n%s", view)
	}
}

func TestSkipAsksThenSendsTheSelectedNode(t *testing.T) {
	m, controls := newTestModel(t, testPlan(2, 4), 120, 40)
	update(m, events(midRotation()...))
	update(m, press("j")) // from the first node (done) to the second (blocked)

	update(m, press("s"))
	if !strings.Contains(plain(m), "Skip node ip-10-0-0-1") {
		t.Fatalf("s did not ask to confirm the skip of the selected node:\n%s", plain(m))
	}
	if got := sent(controls); len(got) != 0 {
		t.Fatalf("s sent %v before confirmation", got)
	}
	update(m, press("n"))
	if m.dialog != dialogNone || len(sent(controls)) != 0 {
		t.Fatalf("n did not cancel the skip (dialog %d)", m.dialog)
	}

	update(m, press("s"), press("y"))
	got := sent(controls)
	want := exec.Control{Type: exec.ControlSkip, Node: nodeName(0, 1)}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("confirmed skip sent %v, want %v", got, want)
	}
	if row := tableRow(plain(m), 0, 1); !strings.Contains(row, "skip requested") {
		t.Fatalf("the row does not show the pending skip: %q", row)
	}
	update(m, events(phase(0, 1, exec.PhaseSkipped, 10*time.Minute)))
	if row := tableRow(plain(m), 0, 1); !strings.Contains(row, "skipped") || strings.Contains(row, "skip requested") {
		t.Fatalf("the row does not show the node skipped: %q", row)
	}

	update(m, press("k"), press("s")) // the first node is done: nothing to skip
	if m.dialog != dialogNone || !strings.Contains(plain(m), "is already done") {
		t.Fatalf("skipping a finished node asked anyway or said nothing:\n%s", plain(m))
	}
}

func TestAbortAsksThenSendsOnce(t *testing.T) {
	m, controls := newTestModel(t, testPlan(2, 4), 120, 40)
	update(m, events(midRotation()...))

	update(m, press("a"))
	if !strings.Contains(plain(m), "Abort the rotation?") || len(sent(controls)) != 0 {
		t.Fatalf("a did not ask first:\n%s", plain(m))
	}
	update(m, press("esc"))
	if m.dialog != dialogNone || len(sent(controls)) != 0 {
		t.Fatal("esc did not cancel the abort")
	}
	update(m, press("a"), press("y"))
	if got := sent(controls); len(got) != 1 || got[0].Type != exec.ControlAbort {
		t.Fatalf("confirmed abort sent %v, want one abort", got)
	}
	if view := plain(m); !strings.Contains(view, "[ABORT REQUESTED]") {
		t.Fatalf("the abort is not shown as pending at once:\n%s", view)
	}
	update(m, events(exec.Event{Type: exec.EventAborting, Time: at(10 * time.Minute), Batch: -1, Message: "aborting: operator"}))
	if view := plain(m); !strings.Contains(view, "[ABORTING]") {
		t.Fatalf("the engine's aborting event is not shown:\n%s", view)
	}
	update(m, press("a"), press("y"), press("p"))
	if got := sent(controls); len(got) != 0 {
		t.Fatalf("controls sent while aborting: %v", got)
	}
}

func TestQuitWhileRunningAsksToAbort(t *testing.T) {
	m, controls := newTestModel(t, testPlan(2, 4), 120, 40)
	update(m, events(midRotation()...))

	if cmd := update(m, press("q")); isQuit(cmd) {
		t.Fatal("q quit while the rotation runs")
	}
	if !strings.Contains(plain(m), "still running. Abort it and quit?") {
		t.Fatalf("q did not ask to abort:\n%s", plain(m))
	}
	update(m, press("y"))
	if got := sent(controls); len(got) != 1 || got[0].Type != exec.ControlAbort {
		t.Fatalf("confirmed quit sent %v, want an abort", got)
	}
	summary := &exec.Summary{Rotated: 1, Skipped: 0, Failed: 0, Aborted: true, Duration: 10 * time.Minute}
	if cmd := update(m, eventsMsg{events: []exec.Event{{Type: exec.EventFinished, Time: at(11 * time.Minute), Batch: -1, Summary: summary}}, closed: true}); isQuit(cmd) {
		t.Fatal("left before the summary was seen")
	}
	if view := plain(m); !strings.Contains(view, "Rotation aborted") || !strings.Contains(view, "press any key") {
		t.Fatalf("no summary screen after the abort:\n%s", view)
	}
	if !isQuit(update(m, press("x"))) {
		t.Fatal("a key on the summary screen did not leave")
	}
	res := m.result()
	if !res.Confirmed || !strings.Contains(res.Summary, "Rotation aborted") || !strings.Contains(res.Summary, "rotated   1") {
		t.Fatalf("result = %+v", res)
	}
}

func TestKeysThatLeave(t *testing.T) {
	tests := []struct {
		name      string
		confirm   bool
		keys      []string
		wantQuit  bool
		confirmed bool
	}{
		{name: "q at the plan cancels", confirm: true, keys: []string{"q"}, wantQuit: true},
		{name: "esc at the plan cancels", confirm: true, keys: []string{"esc"}, wantQuit: true},
		{name: "ctrl+c at the plan cancels", confirm: true, keys: []string{"ctrl+c"}, wantQuit: true},
		{name: "enter at the plan starts", confirm: true, keys: []string{"enter"}, confirmed: true},
		{name: "y at the plan starts", confirm: true, keys: []string{"y"}, confirmed: true},
		{name: "ctrl+c twice while running aborts, does not leave", keys: []string{"ctrl+c", "ctrl+c"}, confirmed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, _ := testConfig(testPlan(1, 2))
			cfg.Confirm = tt.confirm
			started := 0
			cfg.Start = func() { started++ }
			m := NewModel(cfg)
			if cmd := m.Init(); tt.confirm && cmd != nil {
				t.Fatal("Init started something before confirmation")
			}
			var quit bool
			for _, k := range tt.keys {
				quit = isQuit(update(m, press(k))) || quit // runs Start, if the key starts

			}
			if quit != tt.wantQuit {
				t.Errorf("quit = %v, want %v", quit, tt.wantQuit)
			}
			if got := m.result().Confirmed; got != tt.confirmed {
				t.Errorf("confirmed = %v, want %v", got, tt.confirmed)
			}
			if tt.confirm && tt.confirmed != (started == 1) {
				t.Errorf("Start called %d times, confirmed %v", started, tt.confirmed)
			}
		})
	}
}

func TestInterruptAbortsThenLeavesWithoutAKey(t *testing.T) {
	m, controls := newTestModel(t, testPlan(1, 2), 120, 40)
	update(m, interruptMsg{})
	if got := sent(controls); len(got) != 1 || got[0].Type != exec.ControlAbort {
		t.Fatalf("interrupt sent %v, want an abort", got)
	}
	cmd := update(m, events(exec.Event{Type: exec.EventFinished, Time: at(time.Minute), Batch: -1, Summary: &exec.Summary{Aborted: true}}))
	if !isQuit(cmd) {
		t.Fatal("an interrupted run waited for a key after it finished")
	}
}

func TestControlsNeverBlock(t *testing.T) {
	cfg, _, _ := testConfig(testPlan(1, 2))
	controls := make(chan exec.Control) // nobody reads yet
	cfg.Controls = controls
	m := NewModel(cfg)
	m.Init()
	update(m, tea.WindowSizeMsg{Width: 120, Height: 40})

	done := make(chan struct{})
	go func() {
		update(m, press("p"))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Update blocked on the controls channel")
	}
	if !strings.Contains(plain(m), "engine busy, will send: pause") {
		t.Fatalf("a control the engine could not take is not shown as waiting:\n%s", plain(m))
	}
	got := make(chan exec.Control, 1)
	go func() { got <- <-controls }()
	deadline := time.Now().Add(2 * time.Second)
	for len(m.outbox) > 0 && time.Now().Before(deadline) {
		update(m, tickMsg(time.Now()))
		time.Sleep(time.Millisecond)
	}
	if c := <-got; c.Type != exec.ControlPause {
		t.Fatalf("the engine got %v, want the queued pause", c)
	}
	if strings.Contains(plain(m), "engine busy") {
		t.Fatal("the waiting note stayed after the control was taken")
	}
}

func TestListenCoalescesABurst(t *testing.T) {
	ch := make(chan exec.Event, 500)
	for i := range 300 {
		ch <- exec.Event{Type: exec.EventDrainProgress, Node: "n", Evicted: i, Total: 300}
	}
	close(ch)
	msg, ok := listen(ch)().(eventsMsg)
	if !ok || len(msg.events) != 300 || !msg.closed {
		t.Fatalf("got %d events, closed %v; want the whole burst of 300 and the end", len(msg.events), msg.closed)
	}
}

func TestUnknownEventsGoToTheLog(t *testing.T) {
	m, _ := newTestModel(t, testPlan(1, 2), 120, 40)
	update(m, events(
		exec.Event{Type: exec.EventGroupResized, Time: at(time.Minute), Batch: -1, Group: "workers-a", Message: "group workers-a resized to 2/4/6"},
		exec.Event{Type: "brand-new-thing", Time: at(2 * time.Minute), Batch: -1, Node: nodeName(0, 0), Message: "something new"},
	))
	view := plain(m)
	for _, want := range []string{"resized to 2/4/6", "brand new thing: something new"} {
		if !strings.Contains(view, want) {
			t.Errorf("log pane lacks %q:\n%s", want, view)
		}
	}
}

func TestFilterNarrowsTheTable(t *testing.T) {
	m, _ := newTestModel(t, testPlan(2, 4), 120, 40)
	update(m, events(midRotation()...))
	type2 := func(s string) {
		for _, r := range s {
			update(m, press(string(r)))
		}
	}
	update(m, press("/"))
	type2("10-1-0-2")
	view := plain(m)
	if tableRow(view, 1, 2) == "" || tableRow(view, 0, 1) != "" || !strings.Contains(view, "1 shown") {
		t.Fatalf("filter by name did not narrow to one node:\n%s", view)
	}
	if sel := m.selected(); sel == nil || sel.name != nodeName(1, 2) {
		t.Fatalf("the selection is not on the only match: %v", sel)
	}
	update(m, press("esc"))
	if tableRow(plain(m), 0, 1) == "" {
		t.Fatal("esc did not clear the filter")
	}
	update(m, press("/"))
	type2("blocked")
	update(m, press("enter"))
	view = plain(m)
	if tableRow(view, 0, 1) == "" || tableRow(view, 0, 0) != "" || m.filtering {
		t.Fatalf("filter \"blocked\" did not keep only the blocked node:\n%s", view)
	}
	update(m, press("esc"))
	if tableRow(plain(m), 0, 0) == "" {
		t.Fatal("esc on the table did not clear the kept filter")
	}
}

func TestResizeReflowsAndDropsColumnsWhenNarrow(t *testing.T) {
	tests := []struct {
		name    string
		width   int
		want    []string
		notWant []string
	}{
		{name: "wide shows every column", width: 180, want: []string{"ZONE", "OLD IMAGE", "NEW IMAGE", "REPLACEMENT", "IN PHASE"}},
		{name: "120 drops the images", width: 120, want: []string{"ZONE", "PHASE", "PODS", "BLOCKED BY"}, notWant: []string{"OLD IMAGE", "NEW IMAGE"}},
		{name: "under 80 drops zone and replacement", width: 79, want: []string{"PHASE", "PODS", "BLOCKED BY"},
			notWant: []string{"ZONE", "OLD IMAGE", "NEW IMAGE", "REPLACEMENT"}},
		{name: "very narrow keeps phase and blocker", width: 50, want: []string{"PHASE", "BLOCKED BY"}, notWant: []string{"ZONE", "PODS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestModel(t, testPlan(2, 4), 200, 30)
			update(m, events(midRotation()...))
			update(m, tea.WindowSizeMsg{Width: tt.width, Height: 30})
			view := plain(m)
			header := lineWith(view, "NODE ")
			for _, w := range tt.want {
				if !strings.Contains(header, w) {
					t.Errorf("header %q lacks %q", header, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(header, w) {
					t.Errorf("header %q has %q", header, w)
				}
			}
			lines := strings.Split(view, "\n")
			if len(lines) != 30 {
				t.Errorf("%d lines, want the terminal's 30", len(lines))
			}
			for i, l := range lines {
				if w := textWidth(l); w > tt.width {
					t.Errorf("line %d is %d wide, more than %d: %q", i, w, tt.width, l)
				}
			}
		})
	}
}

func TestRendersOnlyVisibleRowsOf5000(t *testing.T) {
	m, _ := newTestModel(t, testPlan(4, 1250), 120, 40)
	view := plain(m)
	if rows := strings.Count(view, "ip-10-"); rows > m.tableHeight() {
		t.Fatalf("%d node rows drawn, more than the %d that fit", rows, m.tableHeight())
	}
	if len(strings.Split(view, "\n")) != 40 {
		t.Fatalf("the view is not the terminal's 40 lines")
	}
	last := nodeName(3, 1249)
	if strings.Contains(view, m.board.short(last)+" ") {
		t.Fatal("the last node shows before scrolling to it")
	}
	update(m, press("G"))
	if view = plain(m); !strings.Contains(view, m.board.short(last)+" ") || !strings.Contains(view, "of 5004") {
		t.Fatalf("G did not scroll to the last node:\n%s", view)
	}
}

func TestDetailShowsPodsAndEvents(t *testing.T) {
	m, _ := newTestModel(t, testPlan(2, 4), 120, 40)
	update(m, events(midRotation()...))
	update(m, press("j"), press("enter"))
	view := plain(m)
	for _, want := range []string{
		"NODE " + nodeName(0, 1),
		"shop/web-1  eviction refused by PodDisruptionBudget shop/web for 6m",
		"shop/cache-1  evicted",
		"kube-system/coredns-1  not evicted yet",
		"eviction of shop/web-1 blocked",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(view)
	}
	update(m, press("esc"))
	if strings.Contains(plain(m), "PODS (") {
		t.Fatal("esc did not close the detail")
	}
}

func TestSummaryNamesFailuresAndTheReport(t *testing.T) {
	m, _ := newTestModel(t, testPlan(1, 3), 120, 40)
	fail := phase(0, 2, exec.PhaseFailed, 5*time.Minute)
	fail.Message = "drain timed out after 15m"
	update(m, eventsMsg{closed: true, events: []exec.Event{
		phase(0, 0, exec.PhaseDone, time.Minute), phase(0, 1, exec.PhaseSkipped, 2*time.Minute), fail,
		{Type: exec.EventFinished, Time: at(6 * time.Minute), Batch: -1,
			Summary: &exec.Summary{Rotated: 1, Skipped: 1, Failed: 1, Duration: 6 * time.Minute}},
	}})
	text := m.result().Summary
	for _, want := range []string{"Rotation finished with failures.", "rotated   1", "skipped   1", "failed    1",
		"duration  6m", "report    rotation.md", nodeName(0, 2) + ": drain timed out after 15m"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if view := plain(m); !strings.Contains(view, "Rotation finished with failures") || !strings.Contains(view, "report    rotation.md") {
		t.Errorf("summary screen:\n%s", view)
	}
}

func TestLogCoalescesInterleavedDrains(t *testing.T) {
	m, _ := newTestModel(t, testPlan(1, 2), 120, 40)
	var burst []exec.Event
	for i := 1; i <= 20; i++ {
		for n := range 2 {
			burst = append(burst, exec.Event{Type: exec.EventDrainProgress, Time: at(time.Duration(i) * time.Second), Batch: 0,
				Node: nodeName(0, n), Evicted: i, Total: 20})
		}
	}
	update(m, events(burst...))
	if len(m.board.log) != 2 {
		t.Fatalf("log keeps %d events, want the latest progress of each of the 2 drains", len(m.board.log))
	}
	view := plain(m)
	for n := range 2 {
		if !strings.Contains(view, m.board.short(nodeName(0, n))+" draining: 20/20 pods evicted") {
			t.Errorf("log lacks the latest progress of node %d:\n%s", n, view)
		}
	}
}

func TestFullHelpFitsTheScreen(t *testing.T) {
	m, _ := newTestModel(t, testPlan(2, 4), 120, 30)
	update(m, press("?"))
	view := plain(m)
	if !strings.Contains(view, "page down") || !strings.Contains(view, "first") {
		t.Fatalf("? did not show every key:\n%s", view)
	}
	if lines := len(strings.Split(view, "\n")); lines != 30 {
		t.Fatalf("with full help the view is %d lines, want 30", lines)
	}
	update(m, press("?"))
	if strings.Contains(plain(m), "page down") {
		t.Fatal("? again did not fold the help")
	}
}
