// Package eventlog writes a rotation's events for pipelines and logs: one timestamped line
// per event with a progress summary every so often (plain), or one JSON object per line
// (NDJSON) in the engine's stable event schema.
package eventlog

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// DefaultSummaryEvery is how often Plain prints a progress summary line.
const DefaultSummaryEvery = 30 * time.Second

// Plain writes events as lines such as
//
//	2026-11-21T10:15:02Z [batch 3/12] ip-10-0-0-12.ec2.internal draining: 3/7 pods evicted
type Plain struct {
	W io.Writer
	// Total is the number of nodes to rotate, Batches the number of batches.
	Total, Batches int
	// SummaryEvery defaults to DefaultSummaryEvery; Now to time.Now.
	SummaryEvery time.Duration
	Now          func() time.Time

	started     time.Time
	lastSummary time.Time
	phases      map[string]exec.Phase
	batch       int
}

// Write prints one event and, when due, a summary line.
func (p *Plain) Write(e exec.Event) error {
	now := p.now()
	if p.phases == nil {
		p.phases = map[string]exec.Phase{}
		p.started, p.lastSummary = now, now
	}
	if e.Type == exec.EventBatchStarted {
		p.batch = e.Batch
	}
	if e.Type == exec.EventNodePhase {
		p.phases[e.Node] = e.Phase
	}
	line := Describe(e)
	if line != "" {
		if _, err := fmt.Fprintf(p.W, "%s %s%s\n", e.Time.UTC().Format(time.RFC3339), p.prefix(e), line); err != nil {
			return err
		}
	}
	every := p.SummaryEvery
	if every <= 0 {
		every = DefaultSummaryEvery
	}
	if now.Sub(p.lastSummary) >= every && e.Type != exec.EventFinished {
		p.lastSummary = now
		_, err := fmt.Fprintf(p.W, "%s %s\n", now.UTC().Format(time.RFC3339), p.Progress(now))
		return err
	}
	return nil
}

// Progress is the summary line: nodes done of total, in flight, skipped, failed, elapsed.
func (p *Plain) Progress(now time.Time) string {
	var done, skipped, failed, active int
	for _, ph := range p.phases {
		switch ph {
		case exec.PhaseDone:
			done++
		case exec.PhaseSkipped:
			skipped++
		case exec.PhaseFailed:
			failed++
		case exec.PhasePending:
		default:
			active++
		}
	}
	return fmt.Sprintf("progress: %d/%d nodes rotated, %d in flight, %d skipped, %d failed; batch %d/%d; elapsed %s",
		done, p.Total, active, skipped, failed, p.batch+1, p.Batches, duration.HumanDuration(now.Sub(p.started)))
}

func (p *Plain) prefix(e exec.Event) string {
	if e.Batch < 0 || p.Batches == 0 {
		return ""
	}
	return fmt.Sprintf("[batch %d/%d] ", e.Batch+1, p.Batches)
}

func (p *Plain) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Describe renders an event as a short sentence, empty for events not worth a line.
func Describe(e exec.Event) string {
	switch e.Type {
	case exec.EventRunStarted:
		return "rotation started" + suffix(e.Message)
	case exec.EventBatchStarted:
		return fmt.Sprintf("batch of group %s started: %s", e.Group, e.Message)
	case exec.EventBatchFinished:
		return fmt.Sprintf("batch of group %s finished%s", e.Group, suffix(e.Message))
	case exec.EventNodePhase:
		return fmt.Sprintf("%s %s%s", e.Node, e.Phase, suffix(e.Message))
	case exec.EventDrainProgress:
		return fmt.Sprintf("%s draining: %d/%d pods evicted", e.Node, e.Evicted, e.Total)
	case exec.EventEvictionBlocked:
		return fmt.Sprintf("%s: eviction of %s blocked by PodDisruptionBudget %s for %s", e.Node, e.Pod, e.PDB, e.BlockedFor.Round(time.Second))
	case exec.EventReplacement:
		return fmt.Sprintf("replacement %s (%s) Ready in group %s", e.Replacement, e.InstanceID, e.Group)
	case exec.EventWarning:
		return "warning: " + e.Message
	case exec.EventFinished:
		if s := e.Summary; s != nil {
			state := "finished"
			if s.Aborted {
				state = "aborted"
			}
			return fmt.Sprintf("rotation %s: %d rotated, %d skipped, %d failed in %s", state, s.Rotated, s.Skipped, s.Failed, s.Duration.Round(time.Second))
		}
		return "rotation finished"
	default:
		text := strings.ReplaceAll(string(e.Type), "-", " ")
		if e.Node != "" {
			text = e.Node + ": " + text
		}
		return text + suffix(e.Message)
	}
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// JSON writes each event as one line of JSON.
type JSON struct {
	W io.Writer
}

// Write prints one event.
func (j JSON) Write(e exec.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	_, err = j.W.Write(append(data, '\n'))
	return err
}
