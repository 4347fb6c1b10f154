package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/eventlog"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/planprint"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/report"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/tui"
)

// nothingToRotate ends the output of a rotation whose plan replaces no node.
const nothingToRotate = "\nNothing to rotate: every selected node already runs its target image."

// Event output formats of a rotation.
const (
	outputPlain = "plain"
	outputJSON  = "json"
)

// ExecFlags are the execution policies of a rotation; rotate and apply share them.
type ExecFlags struct {
	Yes                bool
	DrainTimeout       time.Duration
	OnDrainTimeout     string
	NodeReadyTimeout   time.Duration
	GracePeriod        time.Duration
	WaitBetweenBatches time.Duration
	Output             string
	ReportFile         string
	LockTTL            time.Duration
}

// AddFlags registers the execution flags on c.
func (o *ExecFlags) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVarP(&o.Yes, "yes", "y", false, "rotate without asking for confirmation (pipelines)")
	f.DurationVar(&o.DrainTimeout, "drain-timeout", 15*time.Minute, "give up draining a node after this long; --on-drain-timeout decides what then")
	f.StringVar(&o.OnDrainTimeout, "on-drain-timeout", string(exec.OnDrainTimeoutFail), "when a drain times out: fail (uncordon, mark failed), skip (uncordon, keep the node) or force (delete the remaining pods)")
	f.DurationVar(&o.NodeReadyTimeout, "node-ready-timeout", 10*time.Minute, "how long a replacement node may take to become Ready")
	f.DurationVar(&o.GracePeriod, "grace-period", -1, "termination grace period for evicted pods (default: each pod's own)")
	f.DurationVar(&o.WaitBetweenBatches, "wait-between-batches", 0, "pause this long after each batch")
	f.StringVarP(&o.Output, "output", "o", "", "event output: plain (timestamped lines) or json (NDJSON)")
	f.StringVar(&o.ReportFile, "report", "", "write the run report to this file: Markdown for .md, JSON otherwise")
	f.DurationVar(&o.LockTTL, "lock-ttl", exec.DefaultLockDuration, "how long the cluster lock of a run that was killed keeps other runs out")
}

// Validate checks the execution flags.
func (o *ExecFlags) Validate() error {
	switch exec.DrainTimeoutPolicy(o.OnDrainTimeout) {
	case exec.OnDrainTimeoutFail, exec.OnDrainTimeoutSkip, exec.OnDrainTimeoutForce:
	default:
		return usageErrorf("--on-drain-timeout %q is not one of fail, skip or force", o.OnDrainTimeout)
	}
	switch o.Output {
	case "", outputPlain, outputJSON:
	default:
		return usageErrorf("--output %q is not supported for a rotation; use plain or json", o.Output)
	}
	if o.DrainTimeout <= 0 || o.NodeReadyTimeout <= 0 {
		return usageErrorf("--drain-timeout and --node-ready-timeout must be positive")
	}
	if o.LockTTL < 3*time.Second {
		return usageErrorf("--lock-ttl must be at least 3s")
	}
	if o.WaitBetweenBatches < 0 {
		return usageErrorf("--wait-between-batches must not be negative")
	}
	return nil
}

func (o *ExecFlags) options(deleteEmptyDir bool) exec.Options {
	return exec.Options{
		DrainTimeout:       o.DrainTimeout,
		OnDrainTimeout:     exec.DrainTimeoutPolicy(o.OnDrainTimeout),
		NodeReadyTimeout:   o.NodeReadyTimeout,
		GracePeriod:        o.GracePeriod,
		WaitBetweenBatches: o.WaitBetweenBatches,
		DeleteEmptyDirData: deleteEmptyDir,
		LockDuration:       o.LockTTL,
	}
}

// RotateOptions are the flags of kubectl rotate.
type RotateOptions struct {
	PlanFlags
	ExecFlags

	global  *GlobalOptions
	env     Environment
	streams genericiooptions.IOStreams
}

// bindRotate makes the root command run a rotation.
func bindRotate(root *cobra.Command, streams genericiooptions.IOStreams, g *GlobalOptions, env Environment) {
	o := &RotateOptions{global: g, env: env, streams: streams}
	root.Example = `  # Plan, confirm, then rotate every node whose image differs from its group's launch template
  kubectl rotate

  # In a pipeline: no prompt, NDJSON events, a report
  kubectl rotate --yes -o json --report rotation.md

  # One node group onto the newest EKS-optimized image, two nodes at a time
  kubectl rotate --nodegroup workers-a --ami latest --max-surge 2`
	root.Args = cobra.NoArgs
	root.RunE = func(c *cobra.Command, _ []string) error {
		if err := o.PlanFlags.Validate(); err != nil {
			return err
		}
		if err := o.ExecFlags.Validate(); err != nil {
			return err
		}
		clients, err := newClients(c.Context(), o.global, o.env)
		if err != nil {
			return err
		}
		if err := preflight(c.Context(), clients, o.OnDrainTimeout); err != nil {
			return err
		}
		p, err := o.buildPlan(c.Context(), clients, o.global, o.env)
		if err != nil {
			return err
		}
		return execute(c.Context(), p, clients, o.global, &o.ExecFlags, o.DeleteEmptyDirData, o.streams)
	}
	o.PlanFlags.AddFlags(root)
	o.ExecFlags.AddFlags(root)
}

// execute shows the plan, asks for consent unless --yes, runs the engine and reports: on the
// live dashboard when it has a terminal, as plain lines or NDJSON otherwise.
func execute(ctx context.Context, p *plan.Plan, clients *Clients, g *GlobalOptions, o *ExecFlags, deleteEmptyDir bool, streams genericiooptions.IOStreams) error {
	// A group that launches another image than its target would be churned for nothing.
	if err := p.Unreachable(); err != nil {
		return err
	}
	toRotate := countRotate(p)
	if useDashboard(streams, o) {
		return executeOnDashboard(ctx, p, clients, g, o, deleteEmptyDir, streams, toRotate)
	}
	jsonOut := o.Output == outputJSON
	if !jsonOut {
		if err := planprint.Print(streams.Out, p, planprint.FormatTable); err != nil {
			return err
		}
	}
	if toRotate == 0 {
		if !jsonOut {
			fmt.Fprintln(streams.Out, nothingToRotate)
		}
		return nil
	}
	if !o.Yes {
		ok, err := confirm(streams, toRotate, len(p.Batches))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(streams.Out, "Cancelled; nothing was changed.")
			return nil
		}
	}
	engine, err := newEngine(p, clients, g, o, deleteEmptyDir)
	if err != nil {
		return err
	}
	controls := make(chan exec.Control, 1)
	finished := make(chan struct{})
	defer close(finished)
	// Ctrl-C or SIGTERM cancel ctx; the engine then aborts and still restores the groups.
	go func() {
		select {
		case <-ctx.Done():
			controls <- exec.Control{Type: exec.ControlAbort}
		case <-finished:
		}
	}()
	printed := make(chan error, 1)
	go func() { printed <- present(engine.Events(), streams.Out, jsonOut, toRotate, len(p.Batches)) }()
	rep, runErr := engine.Run(context.WithoutCancel(ctx), controls)
	if err := <-printed; err != nil && runErr == nil {
		runErr = err
	}
	return finish(rep, runErr, o)
}

// executeOnDashboard runs the rotation behind the live dashboard, which shows the plan and
// takes the operator's consent and controls.
func executeOnDashboard(ctx context.Context, p *plan.Plan, clients *Clients, g *GlobalOptions, o *ExecFlags, deleteEmptyDir bool, streams genericiooptions.IOStreams, toRotate int) error {
	if toRotate == 0 {
		if err := planprint.Print(streams.Out, p, planprint.FormatTable); err != nil {
			return err
		}
		fmt.Fprintln(streams.Out, nothingToRotate)
		return nil
	}
	engine, err := newEngine(p, clients, g, o, deleteEmptyDir)
	if err != nil {
		return err
	}
	// Client libraries log to stderr; nothing but the dashboard may write to the terminal.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	controls := make(chan exec.Control, 8)
	type outcome struct {
		rep *exec.Report
		err error
	}
	ran := make(chan outcome, 1)
	cfg := tui.Config{
		Plan: p, Context: clients.Context, Target: targetText(p), Policy: o.policyText(p),
		Events: engine.Events(), Controls: controls, ReportPath: o.ReportFile, Confirm: !o.Yes,
		Start: func() {
			go func() {
				rep, err := engine.Run(context.WithoutCancel(ctx), controls)
				ran <- outcome{rep, err}
			}()
		},
	}
	res, err := tui.Run(ctx, cfg, streams.In, streams.Out)
	if err != nil {
		return err
	}
	if !res.Confirmed {
		fmt.Fprintln(streams.Out, "Cancelled; nothing was changed.")
		return nil
	}
	done := <-ran
	if res.Summary != "" {
		fmt.Fprintln(streams.Out, res.Summary)
	}
	return finish(done.rep, done.err, o)
}

func newEngine(p *plan.Plan, clients *Clients, g *GlobalOptions, o *ExecFlags, deleteEmptyDir bool) (*exec.Engine, error) {
	return exec.New(exec.Config{
		Plan: p, Options: o.options(deleteEmptyDir), Kube: clients.Kubernetes, Cloud: clients.Cloud,
		Identity: identity(), Context: clients.Context, EKSCluster: g.EKSCluster,
	})
}

// finish writes the report and maps the run's end to an error and exit code.
func finish(rep *exec.Report, runErr error, o *ExecFlags) error {
	if rep != nil && o.ReportFile != "" {
		if err := report.WriteFile(o.ReportFile, rep); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		return runErr
	}
	return outcome(rep)
}

// useDashboard says whether the live dashboard may own the terminal: both ends are
// terminals, CI is not set, the terminal is not dumb, and no plain or JSON output was asked for.
func useDashboard(streams genericiooptions.IOStreams, o *ExecFlags) bool {
	if o.Output != "" || os.Getenv("CI") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(streams.In) && isTerminal(streams.Out)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// targetText describes the plan's target for the dashboard header.
func targetText(p *plan.Plan) string {
	targets := map[string]bool{}
	for _, g := range p.Groups {
		if g.TargetAMI != "" {
			targets[g.TargetAMI] = true
		}
	}
	if len(targets) == 1 {
		for t := range targets {
			return t
		}
	}
	return fmt.Sprintf("%d images (per group)", len(targets))
}

func (o *ExecFlags) policyText(p *plan.Plan) string {
	return fmt.Sprintf("max-surge %s, max-unavailable %s, drain-timeout %s, on-drain-timeout %s",
		p.Policy.MaxSurge, p.Policy.MaxUnavailable, o.DrainTimeout, o.OnDrainTimeout)
}

// present writes every event until the engine closes the stream.
func present(events <-chan exec.Event, w io.Writer, jsonOut bool, total, batches int) error {
	var write func(exec.Event) error
	if jsonOut {
		write = eventlog.JSON{W: w}.Write
	} else {
		write = (&eventlog.Plain{W: w, Total: total, Batches: batches}).Write
	}
	var firstErr error
	for e := range events {
		if err := write(e); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("write events: %w", err)
		}
	}
	return firstErr
}

// outcome maps a finished run to its exit: aborted 130, skipped or failed nodes 3.
func outcome(rep *exec.Report) error {
	if rep == nil {
		return nil
	}
	s := rep.Summary
	switch {
	case s.Aborted:
		return &ExitCodeError{Code: ExitAborted, Err: fmt.Errorf("rotation aborted: %d rotated, %d skipped, %d failed", s.Rotated, s.Skipped, s.Failed)}
	case s.Failed > 0 || s.Skipped > 0:
		return &ExitCodeError{Code: ExitIncomplete, Err: fmt.Errorf("rotation finished with %d nodes skipped and %d failed; see the events above or --report", s.Skipped, s.Failed)}
	}
	return nil
}

// confirm asks on a terminal; without one it refuses, naming --yes.
func confirm(streams genericiooptions.IOStreams, nodes, batches int) (bool, error) {
	if !isTerminal(streams.In) {
		return false, usageErrorf("refusing to rotate without confirmation: no terminal to ask on; pass --yes to rotate %d nodes", nodes)
	}
	fmt.Fprintf(streams.Out, "\nRotate %d nodes in %d batches? Only \"yes\" proceeds: ", nodes, batches)
	line, err := bufio.NewReader(streams.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimSpace(strings.ToLower(line)) == "yes", nil
}

func countRotate(p *plan.Plan) int {
	n := 0
	for _, g := range p.Groups {
		n += g.Counts.Rotate
	}
	return n
}

// identity names who runs the rotation, for the lock: user@host (pid N).
func identity() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s@%s (pid %d)", name, host, os.Getpid())
}
