// Package tui is the live terminal dashboard of a rotation. It shows the plan and asks for
// consent, then follows the engine's events: a header with the context, target image, policy,
// elapsed time, ETA and overall progress; a table of nodes grouped by node group; a log of
// recent events; and key help. It sends the operator's pause, resume, skip and abort requests
// back to the engine.
//
// The dashboard never blocks the engine. Events enter through a command that reads a burst
// of them from the channel and re-arms itself, so one frame shows many events; controls are
// sent without waiting, and a control the engine cannot take yet is kept and retried with a
// note on screen.
package tui

import (
	"context"
	"fmt"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// maxFPS caps how often the screen is redrawn.
const maxFPS = 30

// Config is what the dashboard shows and whom it talks to.
type Config struct {
	// Plan is the plan being executed. Its nodes to rotate fill the table.
	Plan *plan.Plan
	// Context is the kubeconfig context, shown in the header.
	Context string
	// Target describes the target image, such as "drift (launch templates)" or "ami-...".
	Target string
	// Policy describes the policy, such as "max-surge 1, max-unavailable 0, drain-timeout 15m".
	Policy string
	// Events is the engine's event stream. The engine closes it after EventFinished.
	Events <-chan exec.Event
	// Controls receives the operator's requests. The dashboard never blocks on it: a request
	// the channel cannot take is retried on every frame until it can.
	Controls chan<- exec.Control
	// Start begins the rotation. It is called once, from a goroutine of its own, when the
	// operator confirms the plan, or at once when Confirm is false; events are read from then
	// on. It must return promptly: start the engine in a goroutine of its own.
	Start func()
	// ReportPath, if set, is shown on the summary screen.
	ReportPath string
	// Confirm shows the plan first and starts nothing until the operator confirms it.
	Confirm bool
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
}

// Result is how a dashboard ended.
type Result struct {
	// Confirmed is true when the rotation was started: the operator confirmed the plan, or
	// Config.Confirm was false. False means nothing was started.
	Confirmed bool
	// Summary is the outcome in plain text, to print once the terminal is restored. It is
	// empty when nothing was started.
	Summary string
}

// interruptMsg tells the model that Run's context was cancelled.
type interruptMsg struct{}

// Run owns the terminal until the operator leaves the summary screen, or cancels at the plan
// screen. It reads keys from in and draws on out, which must be a terminal. With
// Config.Confirm the plan is shown first and Config.Start is called only once the operator
// confirms; without it Start is called at once. After the run, the summary screen stays until
// a key is pressed; print Result.Summary once Run has returned.
//
// In the dashboard Ctrl-C is a key like q: while a rotation runs it asks whether to abort, and
// a second Ctrl-C confirms. Run installs no signal handler: cancelling ctx (the caller's
// SIGINT/SIGTERM context) asks the engine to abort and leaves without waiting for a key once
// the engine has finished. If Run returns while the engine still runs (a terminal error), it
// keeps draining Config.Events in the background so that the engine never blocks.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer) (Result, error) {
	model := NewModel(cfg)
	program := tea.NewProgram(model,
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithFPS(maxFPS),
		tea.WithoutSignalHandler(),
	)
	stop := context.AfterFunc(ctx, func() { program.Send(interruptMsg{}) })
	defer stop()
	final, err := program.Run()
	if m, ok := final.(*Model); ok {
		model = m
	}
	res := model.result()
	if model.started && !model.eventsClosed && cfg.Events != nil {
		go func() {
			for range cfg.Events {
			}
		}()
	}
	if err != nil {
		return res, fmt.Errorf("run the dashboard: %w", err)
	}
	return res, nil
}
