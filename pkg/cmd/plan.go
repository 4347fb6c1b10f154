package cmd

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/discover"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/planprint"
)

// amiLatest asks for the newest EKS-optimized image of each node's version, arch and OS.
const amiLatest = "latest"

// PlanFlags choose the nodes, their target image and the batching policy; plan, rotate and
// apply share them.
type PlanFlags struct {
	AMI                string
	OlderThan          time.Duration
	Nodegroups         []string
	NodegroupsOf       []string
	Selector           string
	Nodes              []string
	MaxSurge           string
	MaxUnavailable     string
	DeleteEmptyDirData bool

	selector labels.Selector
}

// PlanOptions are the flags of kubectl rotate plan.
type PlanOptions struct {
	PlanFlags
	Output  string
	OutFile string

	global  *GlobalOptions
	env     Environment
	streams genericiooptions.IOStreams
}

func newPlanCommand(streams genericiooptions.IOStreams, g *GlobalOptions, env Environment) *cobra.Command {
	o := &PlanOptions{global: g, env: env, streams: streams}
	c := &cobra.Command{
		Use:   "plan",
		Short: "Show which nodes would be rotated, in which batches, and what would block them",
		Long: `plan discovers the cluster's nodes and their AWS groups, compares each node's image with
the target image and prints the rotation plan. It never changes anything.

The target image is, by default, what each group's launch template, launch configuration or
node group release says (drift); --ami ami-... names one image for every node; --ami latest
picks the newest EKS-optimized image for each node's Kubernetes version, architecture and OS.`,
		Example: `  # What would change on the current context
  kubectl rotate plan

  # One node group onto an explicit image, as JSON saved for a later apply
  kubectl rotate plan --nodegroup workers-a --ami ami-0123456789abcdef0 --out plan.json

  # Nodes older than 30 days, two at a time
  kubectl rotate plan --older-than 30d --max-surge 2`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.AddFlags(c)
	return c
}

// AddFlags registers the plan flags on c.
func (o *PlanOptions) AddFlags(c *cobra.Command) {
	o.PlanFlags.AddFlags(c)
	f := c.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "output format: wide, json or yaml (default: a table)")
	f.StringVar(&o.OutFile, "out", "", "also save the plan as JSON to this file, for a later apply")
}

// AddFlags registers the node selection, target and policy flags on c.
func (o *PlanFlags) AddFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.AMI, "ami", "", `target image: an AMI ID, or "latest" for the newest EKS-optimized image (default: each group's launch template)`)
	f.Var(ageValue{&o.OlderThan}, "older-than", "also rotate nodes older than this, whatever their image (e.g. 30d or 36h)")
	f.StringArrayVar(&o.Nodegroups, "nodegroup", nil, "rotate only this node group: ASG, EKS node group, kops instance group or Karpenter node pool (repeatable)")
	f.StringArrayVar(&o.NodegroupsOf, "nodegroup-of", nil, "rotate the whole node group of this node (repeatable)")
	f.StringVarP(&o.Selector, "selector", "l", "", "rotate only nodes matching this label selector")
	f.StringArrayVar(&o.Nodes, "node", nil, "rotate only this node (repeatable)")
	f.StringVar(&o.MaxSurge, "max-surge", "1", "extra nodes per group launched before old ones drain: a count or a percentage of the group")
	f.StringVar(&o.MaxUnavailable, "max-unavailable", "0", "nodes per group drained before their replacement is Ready: a count or a percentage of the group")
	f.BoolVar(&o.DeleteEmptyDirData, "delete-emptydir-data", false, "allow draining pods whose emptyDir data is lost")
}

// Validate checks the flags without touching the network.
func (o *PlanOptions) Validate() error {
	switch o.Output {
	case "", "wide", "json", "yaml":
	default:
		return usageErrorf("--output %q is not supported; use wide, json or yaml", o.Output)
	}
	return o.PlanFlags.Validate()
}

// Validate checks the selection, target and policy flags without touching the network.
func (o *PlanFlags) Validate() error {
	if o.AMI != "" && o.AMI != amiLatest {
		if err := awscloud.ValidateImageID(o.AMI); err != nil {
			return &UsageError{Err: err}
		}
	}
	if o.OlderThan < 0 {
		return usageErrorf("--older-than must be positive, e.g. 30d")
	}
	if err := plan.ValidatePolicy(o.policy()); err != nil {
		return &UsageError{Err: err}
	}
	o.selector = labels.Everything()
	if o.Selector != "" {
		sel, err := labels.Parse(o.Selector)
		if err != nil {
			return usageErrorf("--selector %q is not a valid label selector: %w", o.Selector, err)
		}
		o.selector = sel
	}
	return nil
}

// Run discovers the cluster, builds the plan and prints it.
func (o *PlanOptions) Run(ctx context.Context) error {
	p, err := o.BuildPlan(ctx, o.global, o.env)
	if err != nil {
		return err
	}
	if o.OutFile != "" {
		data, err := planprint.JSON(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.OutFile, data, 0o644); err != nil {
			return fmt.Errorf("save plan: %w", err)
		}
	}
	return planprint.Print(o.streams.Out, p, o.Output)
}

// BuildPlan discovers the cluster and its cloud and computes the plan.
func (o *PlanFlags) BuildPlan(ctx context.Context, g *GlobalOptions, env Environment) (*plan.Plan, error) {
	clients, err := newClients(ctx, g, env)
	if err != nil {
		return nil, err
	}
	return o.buildPlan(ctx, clients, g, env)
}

func (o *PlanFlags) buildPlan(ctx context.Context, clients *Clients, g *GlobalOptions, env Environment) (*plan.Plan, error) {
	var images []string
	if o.AMI != "" && o.AMI != amiLatest {
		images = append(images, o.AMI)
	}
	target := plan.Target{OlderThan: o.OlderThan}
	facts, err := o.discover(ctx, clients, g, env, images)
	if err != nil {
		return nil, err
	}
	switch o.AMI {
	case "":
	case amiLatest:
		if target.PerNode, err = discoverer(clients).LatestTargets(ctx, facts); err != nil {
			return nil, err
		}
	default:
		target.AMI = o.AMI
	}
	sel := plan.Selection{Groups: o.Nodegroups, GroupsOf: o.NodegroupsOf, Nodes: o.Nodes, Selector: o.selector}
	return plan.Build(*facts, target, sel, o.policy())
}

// discover gathers the facts of the cluster and its cloud, describing extra images too.
func (o *PlanFlags) discover(ctx context.Context, clients *Clients, g *GlobalOptions, env Environment, images []string) (*plan.Facts, error) {
	return discoverer(clients).Discover(ctx, discover.Options{ClusterName: g.EKSCluster, Images: images, Now: env.Now()})
}

func discoverer(clients *Clients) discover.Discoverer {
	return discover.Discoverer{Cluster: kube.Reader{Client: clients.Kubernetes}, Cloud: clients.Cloud}
}

func (o *PlanFlags) policy() plan.Policy {
	return plan.Policy{MaxSurge: o.MaxSurge, MaxUnavailable: o.MaxUnavailable, DeleteEmptyDirData: o.DeleteEmptyDirData}
}
