// Package report writes the record of a rotation run as JSON or Markdown: per node the old
// and new instance and image, how long each phase took, the pods evicted and the retries.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// Formats of a report file.
const (
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// FormatOf picks the format from a file name: .md and .markdown are Markdown, anything else JSON.
func FormatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".md", ".markdown":
		return FormatMarkdown
	default:
		return FormatJSON
	}
}

// WriteFile writes r to path in the format its name asks for.
func WriteFile(path string, r *exec.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if FormatOf(path) == FormatMarkdown {
		err = Markdown(f, r)
	} else {
		err = JSON(f, r)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write report: %w", cerr)
	}
	return err
}

// JSON writes the report as indented JSON.
func JSON(w io.Writer, r *exec.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return nil
}

// Markdown writes the report as a Markdown document: a summary and a table of nodes.
func Markdown(w io.Writer, r *exec.Report) error {
	var b strings.Builder
	s := r.Summary
	outcome := "finished"
	if s.Aborted {
		outcome = "aborted"
	}
	fmt.Fprintf(&b, "# Node rotation report\n\n")
	fmt.Fprintf(&b, "Rotation %s: %d rotated, %d skipped, %d failed in %s (%s to %s).\n\n",
		outcome, s.Rotated, s.Skipped, s.Failed, s.Duration.Round(time.Second), r.Started.UTC().Format(time.RFC3339), r.Finished.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "| Node | Group | Batch | Result | Old instance | New instances | Old image | New image | Drain | Pods evicted | Retries | Total | Reason |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range r.Nodes {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %d | %d | %s | %s |\n",
			n.Name, n.Group, n.Batch+1, n.Phase, dash(n.OldInstance), dash(strings.Join(n.NewInstances, ", ")), dash(n.OldImage), dash(n.NewImage),
			phaseTime(n, exec.PhaseDraining), n.PodsEvicted, n.EvictionRetries, total(n), escape(n.Reason))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// phaseTime is how long the node spent in phase p, "-" if it never was in it.
func phaseTime(n exec.NodeReport, p exec.Phase) string {
	var d time.Duration
	seen := false
	for _, t := range n.Phases {
		if t.Phase == p && !t.End.IsZero() {
			d += t.End.Sub(t.Start)
			seen = true
		}
	}
	if !seen {
		return "-"
	}
	return d.Round(time.Second).String()
}

// total is the time from the node's first phase to its last.
func total(n exec.NodeReport) string {
	if len(n.Phases) == 0 {
		return "-"
	}
	first, last := n.Phases[0].Start, n.Phases[len(n.Phases)-1].End
	if last.IsZero() {
		last = n.Phases[len(n.Phases)-1].Start
	}
	return last.Sub(first).Round(time.Second).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func escape(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
