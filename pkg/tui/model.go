package tui

import (
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// Timing of the dashboard.
const (
	frameInterval  = 100 * time.Millisecond // spinner and clocks advance this often
	coalesceWindow = 20 * time.Millisecond  // events arriving this soon after one share its frame
	maxEventBurst  = 1024                   // most events applied in one frame
	noteLifetime   = 5 * time.Second
)

// screen is which of the dashboard's screens is showing.
type screen int

// The screens, in the order a run goes through them.
const (
	screenPlan screen = iota
	screenRun
	screenSummary
)

// dialog is a question waiting for y or n.
type dialog int

// The confirmations the dashboard asks for.
const (
	dialogNone  dialog = iota
	dialogSkip         // skip the selected node
	dialogAbort        // abort the rotation
	dialogQuit         // quit while running: abort and quit
)

// pauseState is where a pause stands between the operator and the engine.
type pauseState int

// The pause states. A request shows at once; the engine's event confirms it.
const (
	pauseNone pauseState = iota
	pauseRequested
	pausePaused
	pauseResumeRequested
)

// eventsMsg carries a burst of events read from the engine, and whether the stream ended.
type eventsMsg struct {
	events []exec.Event
	closed bool
}

// tickMsg advances spinners and clocks.
type tickMsg time.Time

// row is one line of the node table: a group header (node < 0) or a node.
type row struct {
	group int
	node  int
}

// Model is the dashboard's tea.Model. Build it with NewModel; Run drives it on a terminal and
// tests drive it with messages.
type Model struct {
	cfg     Config
	clock   func() time.Time
	keys    keyMap
	help    help.Model
	styles  styles
	profile colorprofile.Profile

	screen        screen
	width, height int
	now           time.Time
	board         *board

	planLines  []string
	planWidth  int
	planOffset int

	rows        []row
	rowsVersion int
	cursor      int // index in rows of the selected node
	offset      int // first row shown
	filter      string
	filtering   bool
	detail      bool
	dialog      dialog
	dialogNode  int

	started        bool
	runStart       time.Time
	batch          int
	pause          pauseState
	pauseDetail    string // the engine's word on a requested pause
	abortRequested bool
	aborting       bool
	outbox         []exec.Control
	note           string
	noteUntil      time.Time
	eventsClosed   bool
	finished       bool
	summary        exec.Summary
	guessedSummary bool // the engine gave no summary: it was counted from the events
	interrupted    bool
}

// NewModel returns the dashboard for cfg: on the plan screen when cfg.Confirm is set, else on
// the live screen, with Config.Start called from Init.
func NewModel(cfg Config) *Model {
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	m := &Model{
		cfg:    cfg,
		clock:  clock,
		keys:   newKeyMap(),
		help:   help.New(),
		board:  newBoard(cfg.Plan),
		batch:  -1,
		width:  80,
		height: 24,
	}
	m.now = clock()
	m.setProfile(colorprofile.ASCII)
	m.rebuildRows()
	if !cfg.Confirm {
		m.screen = screenRun
	}
	return m
}

// Init starts the rotation at once when no confirmation is asked for.
func (m *Model) Init() tea.Cmd {
	if m.cfg.Confirm {
		return nil
	}
	return m.begin()
}

// begin moves to the live screen, calls Config.Start and starts reading events.
func (m *Model) begin() tea.Cmd {
	m.started = true
	m.screen = screenRun
	m.runStart = m.now
	cmds := []tea.Cmd{tick()}
	if start := m.cfg.Start; start != nil {
		cmds = append(cmds, func() tea.Msg { start(); return nil })
	}
	if m.cfg.Events != nil {
		cmds = append(cmds, listen(m.cfg.Events))
	}
	return tea.Batch(cmds...)
}

// listen reads one event, then whatever else arrives within coalesceWindow, so that a burst of
// events costs one frame.
func listen(events <-chan exec.Event) tea.Cmd {
	return func() tea.Msg {
		e, ok := <-events
		if !ok {
			return eventsMsg{closed: true}
		}
		burst := []exec.Event{e}
		timer := time.NewTimer(coalesceWindow)
		defer timer.Stop()
		for len(burst) < maxEventBurst {
			select {
			case e, ok := <-events:
				if !ok {
					return eventsMsg{events: burst, closed: true}
				}
				burst = append(burst, e)
			case <-timer.C:
				return eventsMsg{events: burst}
			}
		}
		return eventsMsg{events: burst}
	}
}

// tick schedules the next frame of spinners and clocks.
func tick() tea.Cmd {
	return tea.Tick(frameInterval, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// setProfile rebuilds the styles for a color profile.
func (m *Model) setProfile(p colorprofile.Profile) {
	m.profile = p
	m.styles = newStyles(p)
	m.help.Styles = m.styles.help
	m.planLines = nil
}

// Update applies one message. It does no I/O: events arrive as eventsMsg from listen, and
// controls go to the engine without blocking (see send).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.now = m.clock()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.planLines = nil
		m.keepCursorVisible()
		return m, nil
	case tea.ColorProfileMsg:
		m.setProfile(msg.Profile)
		return m, nil
	case eventsMsg:
		return m, m.applyEvents(msg)
	case tickMsg:
		m.flushOutbox()
		if m.screen == screenSummary {
			return m, nil
		}
		return m, tick()
	case interruptMsg:
		return m, m.interrupt()
	case tea.KeyPressMsg:
		return m, m.updateKey(msg)
	}
	return m, nil
}

// applyEvents records a burst of events and re-arms the reader.
func (m *Model) applyEvents(msg eventsMsg) tea.Cmd {
	for _, e := range msg.events {
		m.board.apply(e)
		m.applyRunEvent(e)
	}
	if m.filter != "" || m.rowsVersion != m.board.version {
		m.rebuildRows()
	}
	m.flushOutbox()
	if msg.closed {
		m.eventsClosed = true
		if !m.finished {
			m.finish(nil)
		}
	}
	if m.finished && m.interrupted {
		return tea.Quit
	}
	if msg.closed {
		return nil
	}
	return listen(m.cfg.Events)
}

// applyRunEvent updates the state of the run as a whole.
func (m *Model) applyRunEvent(e exec.Event) {
	switch e.Type {
	case exec.EventRunStarted:
		if !e.Time.IsZero() {
			m.runStart = e.Time
		}
	case exec.EventBatchStarted:
		m.batch = e.Batch
	case exec.EventPauseRequested:
		if m.pause == pauseNone {
			m.pause = pauseRequested
		}
		m.pauseDetail = e.Message
	case exec.EventPaused:
		if m.pause != pauseResumeRequested {
			m.pause = pausePaused
		}
	case exec.EventResumed:
		if m.pause != pauseRequested {
			m.pause = pauseNone
		}
	case exec.EventAborting:
		m.aborting = true
		m.abortRequested = true
	case exec.EventFinished:
		m.finish(e.Summary)
	}
}

// finish moves to the summary screen, with the engine's summary or, without one, what the
// events told.
func (m *Model) finish(s *exec.Summary) {
	m.finished = true
	m.guessedSummary = s == nil
	if s != nil {
		m.summary = *s
	} else {
		m.summary = exec.Summary{
			Rotated: m.board.done, Skipped: m.board.skipped, Failed: m.board.failed,
			Aborted: m.abortRequested, Duration: m.now.Sub(m.runStart),
		}
	}
	m.screen = screenSummary
	m.dialog = dialogNone
	m.detail = false
	m.filtering = false
}

// interrupt handles the cancellation of Run's context: cancel at the plan, abort a running
// rotation, leave once it has finished.
func (m *Model) interrupt() tea.Cmd {
	m.interrupted = true
	switch {
	case m.screen == screenPlan:
		return tea.Quit
	case m.finished:
		return tea.Quit
	}
	if !m.abortRequested {
		m.requestAbort()
	}
	m.setNote("interrupted: aborting the rotation")
	return nil
}

// send queues a control for the engine and tries to hand it over without blocking.
func (m *Model) send(c exec.Control) {
	if m.cfg.Controls == nil {
		m.setNote("controls are not connected to the engine")
		return
	}
	m.outbox = append(m.outbox, c)
	m.flushOutbox()
}

// flushOutbox hands queued controls to the engine, in order, as far as the channel takes them
// without blocking. What remains is retried on the next frame and shown as waiting.
func (m *Model) flushOutbox() {
	for len(m.outbox) > 0 {
		select {
		case m.cfg.Controls <- m.outbox[0]:
			m.outbox = m.outbox[1:]
		default:
			return
		}
	}
}

// setNote shows a short message in the status line for a few seconds.
func (m *Model) setNote(s string) {
	m.note = s
	m.noteUntil = m.now.Add(noteLifetime)
}

// currentNote returns the note if it has not expired.
func (m *Model) currentNote() string {
	if m.note == "" || m.now.After(m.noteUntil) {
		return ""
	}
	return m.note
}

// result is what Run returns.
func (m *Model) result() Result {
	if !m.started {
		return Result{}
	}
	return Result{Confirmed: true, Summary: m.summaryText()}
}
