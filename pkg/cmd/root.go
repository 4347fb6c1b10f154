// Package cmd holds the kubectl rotate command line: the cobra commands, their options and
// how errors map to exit codes. It builds the real API clients unless an Environment supplies
// others.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Exit codes of kubectl rotate.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	// ExitIncomplete: the rotation finished with nodes skipped or failed.
	ExitIncomplete = 3
	// ExitAborted: the rotation was aborted (Ctrl-C, SIGTERM or the abort control).
	ExitAborted = 130
)

// Environment is what the commands take from the world: clients, the clock and the build.
type Environment struct {
	// NewClients builds the Kubernetes and AWS clients from the global flags. Nil means the
	// real clients (kubeconfig and the AWS default configuration chain).
	NewClients func(ctx context.Context, g *GlobalOptions) (*Clients, error)
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// Version describes the build.
	Version VersionInfo
}

// GlobalOptions are the flags every subcommand shares: the standard kubectl flags and AWS's.
type GlobalOptions struct {
	ConfigFlags *genericclioptions.ConfigFlags
	// Region and Profile override the AWS default configuration chain when set.
	Region  string
	Profile string
	// EKSCluster names the EKS cluster for managed node groups; read from tags when empty.
	EKSCluster string
}

// UsageError is a mistake in the command line; it exits with ExitUsage.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ExitCodeError ends the command with a given exit code.
type ExitCodeError struct {
	Code int
	Err  error
}

func (e *ExitCodeError) Error() string { return e.Err.Error() }
func (e *ExitCodeError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// NewRootCommand returns the kubectl rotate command with its subcommands.
func NewRootCommand(streams genericiooptions.IOStreams, env Environment) *cobra.Command {
	if env.Now == nil {
		env.Now = time.Now
	}
	g := &GlobalOptions{ConfigFlags: genericclioptions.NewConfigFlags(true)}
	root := &cobra.Command{
		Use:   "kubectl rotate",
		Short: "Rotate Kubernetes nodes on AWS onto a new machine image",
		Long: `kubectl rotate replaces the nodes of EKS self-managed Auto Scaling groups, EKS managed
node groups, kops instance groups and Karpenter node pools with nodes on a new machine image
(AMI), batch by batch, respecting PodDisruptionBudgets.

Run without a subcommand, it discovers the cluster, shows the plan, asks for confirmation
(or takes --yes) and rotates. "kubectl rotate plan" only shows what would change.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl rotate",
		},
	}
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetIn(streams.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &UsageError{Err: err}
	})
	flags := root.PersistentFlags()
	g.ConfigFlags.AddFlags(flags)
	flags.StringVar(&g.Region, "region", "", "AWS region (default: from AWS_REGION or the AWS profile)")
	flags.StringVar(&g.Profile, "profile", "", "AWS shared config profile (default: AWS_PROFILE or default)")
	flags.StringVar(&g.EKSCluster, "eks-cluster", "", "EKS cluster name for managed node groups (default: from instance tags)")

	bindRotate(root, streams, g, env)
	root.AddCommand(newPlanCommand(streams, g, env))
	root.AddCommand(newApplyCommand(streams, g, env))
	root.AddCommand(newCheckCommand(streams, g, env))
	root.AddCommand(newVersionCommand(streams, env.Version))
	root.AddCommand(newCompletionCommand(streams))
	registerCompletions(root, g, env)
	return root
}

// Main runs kubectl rotate with args, prints any error once and returns the exit code.
func Main(ctx context.Context, args []string, streams genericiooptions.IOStreams, env Environment) int {
	root := NewRootCommand(streams, env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var exit *ExitCodeError
	if errors.As(err, &exit) {
		fmt.Fprintf(streams.ErrOut, "%v\n", err)
		return exit.Code
	}
	fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
	if isUsage(err) {
		fmt.Fprintf(streams.ErrOut, "Run 'kubectl rotate --help' for usage.\n")
		return ExitUsage
	}
	return ExitError
}

func isUsage(err error) bool {
	var u *UsageError
	if errors.As(err, &u) {
		return true
	}
	// cobra reports unknown commands and argument count mistakes as plain errors.
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires "} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}
