package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
)

// Clients are the API clients a command works with.
type Clients struct {
	Kubernetes kubernetes.Interface
	Cloud      *awscloud.Clients
	// Context is the kubeconfig context in use, for the lock record.
	Context string
}

// newClients builds the clients through the environment, or the real ones.
func newClients(ctx context.Context, g *GlobalOptions, env Environment) (*Clients, error) {
	if env.NewClients != nil {
		return env.NewClients(ctx, g)
	}
	return realClients(ctx, g)
}

// realClients builds a Kubernetes client from the kubeconfig flags and AWS clients from the
// default configuration chain, turning the common set-up mistakes into one clear sentence.
func realClients(ctx context.Context, g *GlobalOptions) (*Clients, error) {
	kc, err := kubernetesClient(g)
	if err != nil {
		return nil, err
	}
	cfg, err := awscloud.LoadConfig(ctx, g.Region, g.Profile)
	if err != nil {
		return nil, err
	}
	return &Clients{Kubernetes: kc, Cloud: awscloud.NewClients(cfg), Context: currentContext(g)}, nil
}

func kubernetesClient(g *GlobalOptions) (kubernetes.Interface, error) {
	if path := *g.ConfigFlags.KubeConfig; path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, explained(err, "kubeconfig %s cannot be read; pass an existing file with --kubeconfig", path)
		}
	}
	if err := requireKubeconfig(g); err != nil {
		return nil, err
	}
	rc, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, explainKubeconfigError(err, g)
	}
	rc.UserAgent = "kubectl-rotate"
	// API warnings would be printed to stderr, under the dashboard.
	rc.WarningHandler = rest.NoWarnings{}
	kc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("build Kubernetes client: %w", err)
	}
	return kc, nil
}

func explainKubeconfigError(err error, g *GlobalOptions) error {
	msg := err.Error()
	switch {
	case g.ConfigFlags.Context != nil && *g.ConfigFlags.Context != "" && (strings.Contains(msg, "context was not found") || strings.Contains(msg, "does not exist")):
		return explained(err, "context %q is not in your kubeconfig; list contexts with \"kubectl config get-contexts\" and pass one with --context", *g.ConfigFlags.Context)
	case clientcmd.IsEmptyConfig(err) || errors.Is(err, clientcmd.ErrEmptyConfig):
		return explained(err, "no kubeconfig found; set KUBECONFIG or pass --kubeconfig (for EKS: aws eks update-kubeconfig --name CLUSTER)")
	default:
		return fmt.Errorf("load kubeconfig: %w", err)
	}
}

// currentContext names the kubeconfig context the flags select.
func currentContext(g *GlobalOptions) string {
	if g.ConfigFlags.Context != nil && *g.ConfigFlags.Context != "" {
		return *g.ConfigFlags.Context
	}
	raw, err := g.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}

// requireKubeconfig refuses to fall back to an unauthenticated localhost:8080 when no
// kubeconfig names a cluster and the process does not run inside one.
func requireKubeconfig(g *GlobalOptions) error {
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" || (g.ConfigFlags.APIServer != nil && *g.ConfigFlags.APIServer != "") {
		return nil
	}
	raw, err := g.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return explainKubeconfigError(err, g)
	}
	if raw.CurrentContext == "" && (g.ConfigFlags.Context == nil || *g.ConfigFlags.Context == "") {
		return explained(clientcmd.ErrEmptyConfig, "no kubeconfig with a current context found; set KUBECONFIG, pass --kubeconfig or --context (for EKS: aws eks update-kubeconfig --name CLUSTER)")
	}
	return nil
}

// explainedError is a sentence a user can act on, standing for a lower-level error that stays
// reachable through errors.Is and errors.As but is not printed.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

func explained(err error, format string, args ...any) error {
	return &explainedError{msg: fmt.Sprintf(format, args...), err: err}
}
