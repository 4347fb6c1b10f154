// Package planprint writes a rotation plan for people (a table, or a wide one) and for
// programs (JSON or YAML in the plan's stable, versioned shape).
package planprint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// Formats Print accepts.
const (
	FormatTable = ""
	FormatWide  = "wide"
	FormatJSON  = "json"
	FormatYAML  = "yaml"
)

// maxBlockerLines bounds the blockers the plain table lists; wide lists them all.
const maxBlockerLines = 25

// JSON returns the plan as indented JSON followed by a newline.
func JSON(p *plan.Plan) ([]byte, error) {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return append(data, '\n'), nil
}

// Print writes the plan to w in the given format.
func Print(w io.Writer, p *plan.Plan, format string) error {
	switch format {
	case FormatJSON:
		data, err := JSON(p)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	case FormatYAML:
		data, err := JSON(p)
		if err != nil {
			return err
		}
		out, err := yaml.JSONToYAML(data)
		if err != nil {
			return fmt.Errorf("encode plan as YAML: %w", err)
		}
		_, err = w.Write(out)
		return err
	case FormatTable, FormatWide:
		return printTable(w, p, format == FormatWide)
	default:
		return fmt.Errorf("output format %q is not supported; use wide, json or yaml", format)
	}
}

func printTable(w io.Writer, p *plan.Plan, wide bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var total plan.Counts
	for _, g := range p.Groups {
		total.Rotate += g.Counts.Rotate
		total.Keep += g.Counts.Keep
		total.Skip += g.Counts.Skip
	}
	fmt.Fprintf(tw, "Rotation plan: %d to rotate, %d to keep, %d to skip in %d groups; %d batches (max-surge %s, max-unavailable %s); estimated %s.\n\n",
		total.Rotate, total.Keep, total.Skip, len(p.Groups), len(p.Batches), p.Policy.MaxSurge, p.Policy.MaxUnavailable, humanDuration(time.Duration(p.Estimate)))
	if len(p.Groups) == 0 {
		fmt.Fprintln(tw, "No managed nodes were selected.")
	} else {
		fmt.Fprintln(tw, "GROUP\tKIND\tNODES\tROTATE\tKEEP\tSKIP\tMIN/DESIRED/MAX\tSURGE\tTARGET IMAGE\tSOURCE")
		for _, g := range p.Groups {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t%s\t%s\n", g.Name, g.Kind, len(g.Nodes), g.Counts.Rotate, g.Counts.Keep, g.Counts.Skip,
				sizes(g), g.Surge, orDash(g.TargetAMI), orDash(g.TargetSource))
		}
	}
	for _, g := range p.Groups {
		fmt.Fprintf(tw, "\n%s (%s)\n", g.Name, g.Kind)
		if wide {
			fmt.Fprintln(tw, "  NODE\tZONE\tCURRENT IMAGE\tTARGET IMAGE\tACTION\tBATCH\tINSTANCE\tTYPE\tAGE\tEVICTIONS\tREASON")
		} else {
			fmt.Fprintln(tw, "  NODE\tZONE\tCURRENT IMAGE\tTARGET IMAGE\tACTION\tBATCH\tREASON")
		}
		for _, n := range g.Nodes {
			batch := "-"
			if n.Batch >= 0 {
				batch = fmt.Sprint(n.Batch + 1)
			}
			if wide {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", n.Name, orDash(n.Zone), orDash(n.CurrentAMI), orDash(n.TargetAMI), n.Action, batch,
					orDash(n.InstanceID), orDash(n.InstanceType), humanDuration(time.Duration(n.Age)), len(n.Evictions), n.Reason)
			} else {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, orDash(n.Zone), orDash(n.CurrentAMI), orDash(n.TargetAMI), n.Action, batch, n.Reason)
			}
		}
	}
	if len(p.Batches) > 0 {
		fmt.Fprintln(tw, "\nBATCH\tGROUP\tSURGE\tZONES\tNODES")
		for _, b := range p.Batches {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", b.Index+1, b.Group, b.Surge, strings.Join(b.Zones, ","), strings.Join(b.Nodes, ","))
		}
	}
	if len(p.Blockers) > 0 {
		fmt.Fprintf(tw, "\nBlockers (%d): these would stall or slow the rotation\n", len(p.Blockers))
		fmt.Fprintln(tw, "  KIND\tGROUP\tNODE\tMESSAGE")
		for i, b := range p.Blockers {
			if i == maxBlockerLines && !wide {
				fmt.Fprintf(tw, "  ... and %d more (-o wide or -o json lists them all)\n", len(p.Blockers)-i)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", b.Kind, orDash(b.Group), orDash(b.Node), b.Message)
		}
	}
	if len(p.Unmanaged) > 0 {
		fmt.Fprintf(tw, "\nNot managed (%d): never rotated\n", len(p.Unmanaged))
		fmt.Fprintln(tw, "  NODE\tINSTANCE\tREASON")
		for _, u := range p.Unmanaged {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Name, orDash(u.InstanceID), u.Reason)
		}
	}
	return tw.Flush()
}

func sizes(g plan.Group) string {
	if g.Kind == plan.KindKarpenter {
		return "-"
	}
	return fmt.Sprintf("%d/%d/%d", g.MinSize, g.DesiredCapacity, g.MaxSize)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// humanDuration renders a duration the way kubectl renders ages: 45s, 12m, 3h10m, 45d.
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return duration.HumanDuration(d)
}
