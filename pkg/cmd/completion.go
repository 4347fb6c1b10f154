package cmd

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/discover"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/planprint"
)

// pluginBinary is the program the completion scripts complete: the plugin run directly.
const pluginBinary = "kubectl-rotate"

// completionTimeout bounds the Kubernetes and AWS calls behind one completion; past it a
// node group completion falls back to the node labels, a node completion offers nothing.
const completionTimeout = 4 * time.Second

// labelEKSCtlNodegroup names the eksctl node group of a node, managed or self-managed.
const labelEKSCtlNodegroup = "alpha.eksctl.io/nodegroup-name"

func newCompletionCommand(streams genericiooptions.IOStreams) *cobra.Command {
	var noDescriptions bool
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for kubectl-rotate",
		Long: `completion prints a script that completes the subcommands, flags and flag values of
kubectl-rotate: node groups and nodes from the cluster, contexts from the kubeconfig.

Run directly as kubectl-rotate, load the script in your shell:

  bash  source <(kubectl-rotate completion bash)
        (needs the bash-completion package; to keep it, save the script as
        ~/.local/share/bash-completion/completions/kubectl-rotate)
  zsh   source <(kubectl-rotate completion zsh)
        (after compinit; to keep it, save it as _kubectl-rotate in a directory of $fpath)
  fish  kubectl-rotate completion fish | source
        (to keep it: kubectl-rotate completion fish > ~/.config/fish/completions/kubectl-rotate.fish)
  powershell  kubectl-rotate completion powershell | Out-String | Invoke-Expression

The scripts complete the kubectl-rotate program only; they leave kubectl's own completion
alone.

Run as "kubectl rotate", completion comes from kubectl (1.26 or newer) with its own script
loaded (source <(kubectl completion bash)): for the arguments of a plugin, kubectl runs an
executable named kubectl_complete-rotate found on PATH. Put the kubectl_complete-rotate script
that ships with kubectl-rotate next to it on PATH, or create it:

  cat > ~/.local/bin/kubectl_complete-rotate <<'EOF'
  #!/bin/sh
  exec kubectl-rotate __complete "$@"
  EOF
  chmod +x ~/.local/bin/kubectl_complete-rotate`,
		Example: `  # Complete kubectl-rotate in this bash session
  source <(kubectl-rotate completion bash)

  # Check what kubectl rotate --nodegroup <TAB> will offer
  kubectl_complete-rotate --nodegroup ""`,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		DisableFlagsInUseLine: true,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("completion takes one shell: bash, zsh, fish or powershell")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return writeCompletionScript(streams.Out, args[0], !noDescriptions)
		},
	}
	c.Flags().BoolVar(&noDescriptions, "no-descriptions", false, "leave the descriptions out of the completion choices")
	return c
}

// writeCompletionScript writes the completion script of shell for kubectl-rotate.
//
// cobra names the completed program and the script's functions after the root command, which
// is "kubectl rotate" and so named "kubectl": such a script would replace kubectl's own
// completion. The scripts ask the program for every choice at run time ("__complete"), so a
// stand-in root named kubectl-rotate writes the right script without the command tree.
func writeCompletionScript(w io.Writer, shell string, descriptions bool) error {
	program := &cobra.Command{Use: pluginBinary}
	switch shell {
	case "bash":
		return program.GenBashCompletionV2(w, descriptions)
	case "zsh":
		if descriptions {
			return program.GenZshCompletion(w)
		}
		return program.GenZshCompletionNoDesc(w)
	case "fish":
		return program.GenFishCompletion(w, descriptions)
	case "powershell":
		if descriptions {
			return program.GenPowerShellCompletionWithDesc(w)
		}
		return program.GenPowerShellCompletion(w)
	}
	return usageErrorf("shell %q is not supported; use bash, zsh, fish or powershell", shell)
}

// candidate is one completion choice and what it is.
type candidate struct {
	value, description string
}

// completer computes the choices of the flags that depend on the cluster, the cloud or the
// kubeconfig. The global flags on the command line are parsed when its functions run.
type completer struct {
	global *GlobalOptions
	env    Environment
}

// registerCompletions gives the flags of root and every subcommand their completion
// functions. Call it once every subcommand is added; a flag that already has one keeps it.
func registerCompletions(root *cobra.Command, g *GlobalOptions, env Environment) {
	cc := completer{global: g, env: env}
	files := func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveDefault
	}
	byFlag := map[string]cobra.CompletionFunc{
		"nodegroup":    cc.nodegroups("nodegroup"),
		"node":         cc.nodes("node"),
		"nodegroup-of": cc.nodes("nodegroup-of"),
		"ami":          fixedChoices(candidate{amiLatest, "the newest EKS-optimized image for each node's version, architecture and OS"}),
		"on-drain-timeout": fixedChoices(
			candidate{string(exec.OnDrainTimeoutFail), "uncordon the node and mark it failed"},
			candidate{string(exec.OnDrainTimeoutSkip), "uncordon the node and keep it on its old image"},
			candidate{string(exec.OnDrainTimeoutForce), "delete the remaining pods"},
		),
		"context":  cc.kubeconfigNames(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.Contexts)) }),
		"cluster":  cc.kubeconfigNames(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.Clusters)) }),
		"user":     cc.kubeconfigNames(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.AuthInfos)) }),
		"filename": files,
		"report":   files,
		"out":      files,
	}
	for _, name := range []string{"region", "profile", "eks-cluster", "selector", "max-surge", "max-unavailable", "older-than",
		"drain-timeout", "node-ready-timeout", "grace-period", "wait-between-batches", "lock-ttl"} {
		byFlag[name] = cobra.NoFileCompletions
	}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		// No command takes arguments but completion, which lists its shells.
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		register := func(name string, fn cobra.CompletionFunc) {
			if c.LocalFlags().Lookup(name) == nil {
				return
			}
			if _, registered := c.GetFlagCompletionFunc(name); !registered {
				// Cannot fail: the flag exists and has no function yet.
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		for name, fn := range byFlag {
			register(name, fn)
		}
		if choices := outputChoices(c); choices != nil {
			register("output", fixedChoices(choices...))
		}
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(root)
}

// outputChoices are the formats the --output flag of c accepts, nil when unknown.
func outputChoices(c *cobra.Command) []candidate {
	switch {
	case !c.HasParent(), c.Name() == "apply":
		return []candidate{{outputPlain, "timestamped lines"}, {outputJSON, "NDJSON events"}}
	case c.Name() == "plan":
		return []candidate{{planprint.FormatWide, "the table with more columns"}, {planprint.FormatJSON, "the plan as JSON"}, {planprint.FormatYAML, "the plan as YAML"}}
	case c.Name() == "check":
		return []candidate{{"json", "the results as JSON"}}
	case c.Name() == "version":
		return []candidate{{"json", "the version as JSON"}}
	}
	return nil
}

// nodegroups completes node group names as --nodegroup accepts them: the groups discovery
// finds on the cluster and its cloud. Without AWS (no credentials, unreachable, too slow) it
// offers the groups the nodes' well-known labels name.
func (cc completer) nodegroups(flag string) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(c.Context(), completionTimeout)
		defer cancel()
		groups, err := cc.groups(ctx)
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("complete --%s: %v", flag, err), false)
			return nil, cobra.ShellCompDirectiveError
		}
		return matching(groups, toComplete, given(c, flag)), cobra.ShellCompDirectiveNoFileComp
	}
}

// nodes completes the names of the cluster's nodes.
func (cc completer) nodes(flag string) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(c.Context(), completionTimeout)
		defer cancel()
		cluster, _, err := cc.readNodes(ctx)
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("complete --%s: %v", flag, err), false)
			return nil, cobra.ShellCompDirectiveError
		}
		out := make([]candidate, 0, len(cluster.Nodes))
		for _, n := range cluster.Nodes {
			out = append(out, candidate{n.Name, nodeDescription(n)})
		}
		return matching(out, toComplete, given(c, flag)), cobra.ShellCompDirectiveNoFileComp
	}
}

// kubeconfigNames completes names from the kubeconfig the flags select.
func (cc completer) kubeconfigNames(names func(*clientcmdapi.Config) []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := cc.global.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("complete from the kubeconfig: %v", err), false)
			return nil, cobra.ShellCompDirectiveError
		}
		var out []candidate
		for _, name := range names(&raw) {
			out = append(out, candidate{value: name})
		}
		return matching(out, toComplete, nil), cobra.ShellCompDirectiveNoFileComp
	}
}

// groups lists the node groups as discovery names them, or as the node labels do when AWS
// cannot tell.
func (cc completer) groups(ctx context.Context) ([]candidate, error) {
	cluster, clients, err := cc.readNodes(ctx)
	if err != nil {
		return nil, err
	}
	cloud, err := cc.cloud(ctx, clients)
	if err == nil {
		d := discoverer(&Clients{Kubernetes: clients.Kubernetes, Cloud: cloud})
		// Pods and PodDisruptionBudgets do not change which groups there are.
		d.Cluster = nodesRead{cluster}
		var facts *plan.Facts
		if facts, err = d.Discover(ctx, discover.Options{ClusterName: cc.global.EKSCluster, Now: cc.env.Now()}); err == nil {
			return discoveredGroups(facts), nil
		}
	}
	cobra.CompDebugln(fmt.Sprintf("node groups from node labels, AWS did not answer: %v", err), false)
	return labelledGroups(cluster.Nodes), nil
}

// readNodes lists the cluster's nodes in pages.
func (cc completer) readNodes(ctx context.Context) (*kube.Cluster, *Clients, error) {
	clients, err := cc.clients(ctx)
	if err != nil {
		return nil, nil, err
	}
	cluster, err := kube.Reader{Client: clients.Kubernetes}.ReadNodes(ctx)
	if err != nil {
		return nil, nil, err
	}
	return cluster, clients, nil
}

// clients builds the Kubernetes client; AWS is configured later, and only if needed.
func (cc completer) clients(ctx context.Context) (*Clients, error) {
	if cc.env.NewClients != nil {
		return cc.env.NewClients(ctx, cc.global)
	}
	kc, err := kubernetesClient(cc.global)
	if err != nil {
		return nil, err
	}
	return &Clients{Kubernetes: kc}, nil
}

// cloud returns the AWS clients, configuring them from the default chain if need be.
func (cc completer) cloud(ctx context.Context, clients *Clients) (*awscloud.Clients, error) {
	if clients.Cloud != nil {
		return clients.Cloud, nil
	}
	if cc.env.NewClients != nil {
		return nil, fmt.Errorf("the environment provides no AWS clients")
	}
	cfg, err := awscloud.LoadConfig(ctx, cc.global.Region, cc.global.Profile)
	if err != nil {
		return nil, err
	}
	return awscloud.NewClients(cfg), nil
}

// nodesRead hands discovery nodes that were already read.
type nodesRead struct{ cluster *kube.Cluster }

var _ discover.ClusterReader = nodesRead{}

// Read returns the nodes read before.
func (r nodesRead) Read(context.Context) (*kube.Cluster, error) { return r.cluster, nil }

// discoveredGroups names the groups a --nodegroup filter accepts: the groups of the facts and
// of their managed nodes, as plan.Build knows them.
func discoveredGroups(f *plan.Facts) []candidate {
	kinds := map[string]plan.Kind{}
	for _, g := range f.Groups {
		kinds[g.Name] = g.Kind
	}
	counts := map[string]int{}
	for _, n := range f.Nodes {
		if n.Kind == plan.KindUnmanaged || n.Kind == "" || n.Group == "" {
			continue
		}
		counts[n.Group]++
		if _, ok := kinds[n.Group]; !ok {
			kinds[n.Group] = n.Kind
		}
	}
	out := make([]candidate, 0, len(kinds))
	for name, kind := range kinds {
		out = append(out, candidate{name, fmt.Sprintf("%s, %s", kind, nodeCount(counts[name]))})
	}
	return out
}

// labelledGroups names groups by the group labels of the nodes.
func labelledGroups(nodes []plan.NodeFacts) []candidate {
	counts := map[string]int{}
	labelOf := map[string]string{}
	for _, n := range nodes {
		name, key := labelledGroup(n)
		if name == "" {
			continue
		}
		counts[name]++
		if _, ok := labelOf[name]; !ok {
			labelOf[name] = key
		}
	}
	out := make([]candidate, 0, len(counts))
	for name, count := range counts {
		out = append(out, candidate{name, fmt.Sprintf("%s, label %s", nodeCount(count), labelOf[name])})
	}
	return out
}

// labelledGroup returns the group the first well-known group label of n names, and the label.
// Nodes of self-managed Auto Scaling groups carry none: only AWS knows their group.
func labelledGroup(n plan.NodeFacts) (name, label string) {
	for _, key := range []string{discover.LabelKarpenterPool, discover.LabelKarpenterLegacy, discover.LabelEKSNodegroup, discover.LabelKopsGroup, labelEKSCtlNodegroup} {
		if name := n.Labels[key]; name != "" {
			return name, key
		}
	}
	return "", ""
}

func nodeCount(n int) string {
	if n == 1 {
		return "1 node"
	}
	return fmt.Sprintf("%d nodes", n)
}

// nodeDescription says what a node is: its group when a label names it, instance type, zone
// and whether it is ready and schedulable.
func nodeDescription(n plan.NodeFacts) string {
	group, _ := labelledGroup(n)
	var parts []string
	for _, p := range []string{group, n.InstanceType, n.Zone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if !n.Ready {
		parts = append(parts, "NotReady")
	}
	if n.Unschedulable {
		parts = append(parts, "cordoned")
	}
	return strings.Join(parts, ", ")
}

// fixedChoices completes a flag with fixed values.
func fixedChoices(choices ...candidate) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return matching(choices, toComplete, nil), cobra.ShellCompDirectiveNoFileComp
	}
}

// matching returns the choices that start with prefix and were not given already, sorted,
// in cobra's "value<TAB>description" form.
func matching(choices []candidate, prefix string, taken []string) []cobra.Completion {
	sorted := slices.Clone(choices)
	slices.SortFunc(sorted, func(a, b candidate) int { return strings.Compare(a.value, b.value) })
	out := []cobra.Completion{}
	for _, ch := range sorted {
		if !strings.HasPrefix(ch.value, prefix) || slices.Contains(taken, ch.value) {
			continue
		}
		if ch.description == "" {
			out = append(out, ch.value)
			continue
		}
		out = append(out, cobra.CompletionWithDesc(ch.value, ch.description))
	}
	return out
}

// given returns the values a repeatable flag already has on the command line.
func given(c *cobra.Command, flag string) []string {
	f := c.Flag(flag)
	if f == nil {
		return nil
	}
	if values, ok := f.Value.(cobra.SliceValue); ok {
		return values.GetSlice()
	}
	return nil
}
