package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// maxDriftLines bounds how many differences a refused apply names.
const maxDriftLines = 5

// ApplyOptions are the flags of kubectl rotate apply.
type ApplyOptions struct {
	ExecFlags
	File string

	global  *GlobalOptions
	env     Environment
	streams genericiooptions.IOStreams
}

func newApplyCommand(streams genericiooptions.IOStreams, g *GlobalOptions, env Environment) *cobra.Command {
	o := &ApplyOptions{global: g, env: env, streams: streams}
	c := &cobra.Command{
		Use:   "apply -f PLAN",
		Short: "Execute a plan saved with \"kubectl rotate plan --out\", if the cluster still matches it",
		Long: `apply executes a plan saved with "kubectl rotate plan --out FILE". It first discovers the
cluster again and refuses, naming the differences, when the nodes, instances or images of the
plan changed since it was saved.`,
		Example: `  kubectl rotate plan --nodegroup workers-a --out plan.json
  kubectl rotate apply -f plan.json --yes`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.File == "" {
				return usageErrorf("-f PLAN is required: a file written by kubectl rotate plan --out")
			}
			if err := o.ExecFlags.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	c.Flags().StringVarP(&o.File, "filename", "f", "", "the saved plan (JSON)")
	o.ExecFlags.AddFlags(c)
	return c
}

// Run loads the saved plan, checks the cluster against it and executes it.
func (o *ApplyOptions) Run(ctx context.Context) error {
	saved, err := loadPlan(o.File)
	if err != nil {
		return err
	}
	clients, err := newClients(ctx, o.global, o.env)
	if err != nil {
		return err
	}
	if err := preflight(ctx, clients, o.OnDrainTimeout); err != nil {
		return err
	}
	flags := flagsOf(saved)
	if err := flags.Validate(); err != nil {
		return fmt.Errorf("%s holds an invalid policy: %w", o.File, err)
	}
	fresh, err := flags.buildPlanWithTargets(ctx, clients, o.global, o.env, targetsOf(saved))
	if err != nil {
		return fmt.Errorf("the cluster no longer matches %s: %w", o.File, err)
	}
	if diffs := Drift(saved, fresh); len(diffs) > 0 {
		more := ""
		if len(diffs) > maxDriftLines {
			more = fmt.Sprintf("; and %d more", len(diffs)-maxDriftLines)
			diffs = diffs[:maxDriftLines]
		}
		return fmt.Errorf("the cluster drifted from %s: %s%s; make a new plan with kubectl rotate plan --out", o.File, strings.Join(diffs, "; "), more)
	}
	return execute(ctx, fresh, clients, o.global, &o.ExecFlags, saved.Policy.DeleteEmptyDirData, o.streams)
}

func loadPlan(path string) (*plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, explained(err, "plan file %s cannot be read; save one with kubectl rotate plan --out %s", path, path)
	}
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, explained(err, "%s is not a plan saved by kubectl rotate plan --out (%v)", path, err)
	}
	if p.APIVersion != plan.APIVersion || p.Kind != plan.KindRotationPlan {
		return nil, explained(errors.New("wrong kind"), "%s is a %s %s, not a %s %s", path, p.APIVersion, p.Kind, plan.APIVersion, plan.KindRotationPlan)
	}
	return &p, nil
}

// flagsOf recreates the selection and policy a saved plan was cut with: exactly its nodes.
func flagsOf(p *plan.Plan) PlanFlags {
	f := PlanFlags{MaxSurge: p.Policy.MaxSurge, MaxUnavailable: p.Policy.MaxUnavailable, DeleteEmptyDirData: p.Policy.DeleteEmptyDirData}
	for _, g := range p.Groups {
		for _, n := range g.Nodes {
			f.Nodes = append(f.Nodes, n.Name)
		}
	}
	return f
}

// targetsOf is the image each node of a saved plan was to end on.
func targetsOf(p *plan.Plan) map[string]string {
	out := map[string]string{}
	for _, g := range p.Groups {
		for _, n := range g.Nodes {
			if n.TargetAMI != "" {
				out[n.Name] = n.TargetAMI
			}
		}
	}
	return out
}

// buildPlanWithTargets plans the flags' nodes onto the given per-node images.
func (o *PlanFlags) buildPlanWithTargets(ctx context.Context, clients *Clients, g *GlobalOptions, env Environment, targets map[string]string) (*plan.Plan, error) {
	facts, err := o.discover(ctx, clients, g, env, nil)
	if err != nil {
		return nil, err
	}
	sel := plan.Selection{Nodes: o.Nodes, Selector: labels.Everything()}
	return plan.Build(*facts, plan.Target{PerNode: targets}, sel, o.policy())
}

// Drift lists, one sentence each, how the fresh plan of the saved plan's nodes differs from
// the saved one in what a rotation would do: nodes gone or moved, instances replaced, images
// changed, actions changed.
func Drift(saved, fresh *plan.Plan) []string {
	freshNodes := map[string]plan.Node{}
	freshGroup := map[string]string{}
	for _, g := range fresh.Groups {
		for _, n := range g.Nodes {
			freshNodes[n.Name] = n
			freshGroup[n.Name] = g.Name
		}
	}
	var diffs []string
	for _, g := range saved.Groups {
		for _, n := range g.Nodes {
			f, ok := freshNodes[n.Name]
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("node %s is gone", n.Name))
			case freshGroup[n.Name] != g.Name:
				diffs = append(diffs, fmt.Sprintf("node %s moved from group %s to %s", n.Name, g.Name, freshGroup[n.Name]))
			case f.InstanceID != n.InstanceID:
				diffs = append(diffs, fmt.Sprintf("node %s now runs on instance %s (plan: %s)", n.Name, f.InstanceID, n.InstanceID))
			case f.CurrentAMI != n.CurrentAMI:
				diffs = append(diffs, fmt.Sprintf("node %s now runs image %s (plan: %s)", n.Name, f.CurrentAMI, n.CurrentAMI))
			case f.Action != n.Action:
				diffs = append(diffs, fmt.Sprintf("node %s would now %s (plan: %s)", n.Name, f.Action, n.Action))
			}
		}
	}
	return diffs
}
