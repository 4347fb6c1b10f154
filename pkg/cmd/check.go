package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/permissions"
)

// Results of one check, as the JSON document spells them; the table upper-cases the bad ones.
const (
	resultOK         = "ok"
	resultMissing    = "missing"
	resultUnverified = "unverified"
	resultSkipped    = "skipped"
	resultFailed     = "failed"
)

const (
	// checkKind is the kind of the JSON document of kubectl rotate check.
	checkKind = "PermissionCheck"
	// checkTimeout bounds the Kubernetes side of a check.
	checkTimeout = time.Minute
	// sampleNodes is how many nodes are read to find the EKS cluster in instance tags.
	sampleNodes = 50
	// The fixes named when something is missing.
	fixRBAC      = "apply deploy/rbac.yaml and bind this identity to it"
	fixRBACForce = "bind this identity to the kubectl-rotate-force ClusterRole of deploy/rbac.yaml"
	fixIAM       = "attach deploy/iam-policy.json to the AWS identity in use"
)

// CheckOptions are the flags of kubectl rotate check.
type CheckOptions struct {
	Force          bool
	OnDrainTimeout string
	Output         string

	global  *GlobalOptions
	env     Environment
	streams genericiooptions.IOStreams
}

func newCheckCommand(streams genericiooptions.IOStreams, g *GlobalOptions, env Environment) *cobra.Command {
	o := &CheckOptions{global: g, env: env, streams: streams}
	c := &cobra.Command{
		Use:   "check",
		Short: "Verify that this identity holds every Kubernetes and AWS permission a rotation needs",
		Long: `check asks the API server, one SelfSubjectAccessReview per rule, whether the current
Kubernetes identity holds each permission a rotation uses, and tries every AWS action that can
be tried harmlessly: EC2 calls with DryRun, other reads that return next to nothing. AWS actions
that change groups have no dry run; they are listed as unverified, never called.

It changes nothing. It exits 0 when nothing required is missing and 1 otherwise, naming the
fix: deploy/rbac.yaml for Kubernetes, deploy/iam-policy.json for AWS.`,
		Example: `  # Before the first rotation of a cluster
  kubectl rotate check --context prod --profile ops

  # Including the pod deletion that --on-drain-timeout force needs, as JSON
  kubectl rotate check --force -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	f.BoolVar(&o.Force, "force", false, "also check what --on-drain-timeout force needs (deleting pods)")
	f.StringVar(&o.OnDrainTimeout, "on-drain-timeout", string(exec.OnDrainTimeoutFail), "the drain timeout policy of the rotation to check for: fail, skip or force")
	f.StringVarP(&o.Output, "output", "o", "", "output format: json (default: a table)")
	return c
}

// Validate checks the flags without touching the network.
func (o *CheckOptions) Validate() error {
	switch exec.DrainTimeoutPolicy(o.OnDrainTimeout) {
	case exec.OnDrainTimeoutFail, exec.OnDrainTimeoutSkip:
	case exec.OnDrainTimeoutForce:
		o.Force = true
	default:
		return usageErrorf("--on-drain-timeout %q is not one of fail, skip or force", o.OnDrainTimeout)
	}
	if o.Output != "" && o.Output != "json" {
		return usageErrorf("--output %q is not supported; use json or leave it out for a table", o.Output)
	}
	return nil
}

// checkTarget is what a check talks to: each side, or why it cannot be had.
type checkTarget struct {
	kube        kubernetes.Interface
	kubeErr     error
	host        string
	context     string
	cloud       *awscloud.Clients
	identity    awscloud.CallerIdentityAPI
	credentials string
	awsErr      error
}

// Run checks both sides, prints the report and fails naming what is missing.
func (o *CheckOptions) Run(ctx context.Context) error {
	t := o.connect(ctx)
	rep := CheckReport{APIVersion: "rotate.kubectl.io/v1alpha1", Kind: checkKind, Force: o.Force}
	minor := o.checkKubernetes(ctx, t, &rep.Kubernetes)
	cluster, clusterWhy := o.eksCluster(ctx, t, rep.Kubernetes.Reachable)
	o.checkAWS(ctx, t, minor, cluster, &rep.AWS)
	failure := summarize(&rep)
	if err := o.print(rep, clusterWhy); err != nil {
		return err
	}
	if failure != "" {
		return &ExitCodeError{Code: ExitError, Err: errors.New(failure)}
	}
	return nil
}

// connect builds each side's client on its own, so that one failing still checks the other.
func (o *CheckOptions) connect(ctx context.Context) *checkTarget {
	t := &checkTarget{}
	if o.env.NewClients != nil {
		c, err := o.env.NewClients(ctx, o.global)
		if err != nil {
			t.kubeErr, t.awsErr = err, err
			return t
		}
		t.kube, t.cloud, t.context = c.Kubernetes, c.Cloud, c.Context
		return t
	}
	t.kube, t.kubeErr = kubernetesClient(o.global)
	if t.kubeErr == nil {
		t.context = currentContext(o.global)
		if rc, err := o.global.ConfigFlags.ToRESTConfig(); err == nil {
			t.host = rc.Host
		}
	}
	cfg, err := awscloud.LoadConfig(ctx, o.global.Region, o.global.Profile)
	if err != nil {
		t.awsErr = err
		return t
	}
	t.cloud, t.identity = awscloud.NewClients(cfg), awscloud.NewCallerIdentity(cfg)
	if creds, err := cfg.Credentials.Retrieve(ctx); err == nil {
		t.credentials = creds.Source
	}
	return t
}

// checkKubernetes asks the API server for its version, then reviews every rule. It returns
// the cluster's Kubernetes minor version, such as "1.36", or "".
func (o *CheckOptions) checkKubernetes(ctx context.Context, t *checkTarget, k *KubernetesCheck) string {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	k.Context, k.Server = t.context, t.host
	notAsked := func(why string) {
		for _, r := range permissions.Kubernetes() {
			k.Permissions = append(k.Permissions, PermissionCheck{Permission: r.String(), Result: resultSkipped, Required: o.required(r), Why: why})
		}
	}
	if t.kubeErr != nil {
		k.Error = t.kubeErr.Error()
		notAsked("not checked: the kubeconfig could not be used")
		return ""
	}
	info, err := t.kube.Discovery().ServerVersion()
	if err != nil {
		k.Error = explainAPIServerError(err, t.host, t.context)
		notAsked("not checked: the API server could not be reached")
		return ""
	}
	k.Reachable, k.Version = true, info.GitVersion
	results, err := permissions.ReviewKubernetes(ctx, t.kube.AuthorizationV1(), permissions.Needed(o.Force))
	if err != nil {
		k.Reachable, k.Error = false, explainAPIServerError(err, t.host, t.context)
		notAsked("not checked: the API server did not answer the access review")
		return ""
	}
	allowed := map[string]bool{}
	for _, r := range results {
		allowed[r.Rule.String()] = r.Allowed
	}
	for _, r := range permissions.Kubernetes() {
		row := PermissionCheck{Permission: r.String(), Required: o.required(r), Why: r.Why}
		granted, asked := allowed[r.String()]
		switch {
		case !asked:
			row.Result, row.Why = resultSkipped, "only needed with --on-drain-timeout force; pass --force to check it"
		case granted:
			row.Result = resultOK
		default:
			row.Result = resultMissing
		}
		k.Permissions = append(k.Permissions, row)
	}
	return minorOf(info.Major, info.Minor)
}

// required says whether a rotation run with the check's flags needs rule.
func (o *CheckOptions) required(r permissions.KubernetesRule) bool {
	return r.Need == permissions.Always || o.Force
}

// eksCluster names the EKS cluster to probe the eks: actions against: --eks-cluster, or the
// one the instances of some nodes are tagged with, as discovery finds it. The second result
// says where the name came from, or why there is none.
func (o *CheckOptions) eksCluster(ctx context.Context, t *checkTarget, kubeReachable bool) (string, string) {
	const hint = "; pass --eks-cluster to check the eks: actions"
	if o.global.EKSCluster != "" {
		return o.global.EKSCluster, "from --eks-cluster"
	}
	if t.cloud == nil {
		return "", "none named, and AWS cannot be asked to find one" + hint
	}
	if !kubeReachable {
		return "", "none named, and the nodes could not be read to find one" + hint
	}
	nodes, err := t.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: sampleNodes})
	if err != nil {
		return "", "none named, and the nodes could not be listed to find one" + hint
	}
	var ids []string
	for _, n := range nodes.Items {
		if _, id, ok := kube.ParseProviderID(n.Spec.ProviderID); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", "none named, and no node is an EC2 instance" + hint
	}
	instances, err := t.cloud.Instances(ctx, ids)
	if err != nil {
		return "", "none named, and the nodes' instances could not be described to find one" + hint
	}
	if name := awscloud.ClusterName(instances); name != "" {
		return name, "from the tags of the nodes' instances"
	}
	return "", "none named, and no instance is tagged with one" + hint
}

// checkAWS resolves the identity, then probes every action of permissions.AWS().
func (o *CheckOptions) checkAWS(ctx context.Context, t *checkTarget, minor, cluster string, a *AWSCheck) {
	a.EKSCluster, a.Credentials = cluster, t.credentials
	skipAll := func(why string) {
		for _, act := range permissions.AWS() {
			a.Actions = append(a.Actions, PermissionCheck{Permission: act.Action, Result: resultSkipped, Required: true, Why: why})
		}
	}
	if t.awsErr != nil {
		a.Error = t.awsErr.Error()
		skipAll("not checked: no AWS credentials or region")
		return
	}
	a.Region = t.cloud.Region
	probe := awscloud.NewAccessProbe(t.cloud)
	probe.STS, probe.Cluster, probe.KubernetesMinor = t.identity, cluster, minor
	if t.identity != nil {
		arn, err := probe.CallerIdentity(ctx)
		if awscloud.IsCredentialsRejected(err) {
			a.Error = err.Error()
			skipAll("not checked: AWS rejected the credentials")
			return
		}
		a.Identity = arn
		if err != nil {
			a.identityWhy = err.Error() + "; the actions below are checked all the same"
		}
	}
	a.Reachable = true
	for _, act := range permissions.AWS() {
		row := PermissionCheck{Permission: act.Action, Required: true, Why: act.Why}
		switch {
		case !a.Reachable:
			row.Result, row.Why = resultSkipped, "not checked: AWS could not be reached"
		case act.Mutates || !probe.Probes(act.Action):
			row.Result, row.Why = resultUnverified, act.Why+"; not verifiable without acting: grant it as deploy/iam-policy.json does"
		default:
			r := probe.Probe(ctx, act.Action)
			switch r.Verdict {
			case awscloud.AccessAllowed:
				row.Result = resultOK
				if r.Warning != "" {
					row.Why = r.Warning
				}
			case awscloud.AccessDenied:
				row.Result = resultMissing
			case awscloud.AccessSkipped:
				row.Result, row.Why = resultSkipped, r.Detail
			case awscloud.AccessFailed:
				row.Result, row.Why = resultUnverified, r.Detail
				a.Reachable, a.Error = false, r.Detail
			default:
				row.Result, row.Why = resultUnverified, r.Detail
			}
		}
		a.Actions = append(a.Actions, row)
	}
}

// minorOf turns the version parts of /version, "1" and "36+" on EKS, into "1.36".
func minorOf(major, minor string) string {
	minor = strings.TrimRight(minor, "+")
	if major == "" || minor == "" {
		return ""
	}
	return major + "." + minor
}

// explainAPIServerError restates why the API server could not be asked, in one sentence.
func explainAPIServerError(err error, host, contextName string) string {
	where := "the API server"
	if host != "" {
		where += " at " + host
	}
	ctxName := "the current context"
	if contextName != "" {
		ctxName = fmt.Sprintf("context %q", contextName)
	}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("%s rejected the credentials of %s (Unauthorized); refresh them (for EKS: aws eks update-kubeconfig --name CLUSTER)", where, ctxName)
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("%s refused this identity even the access review (%s); ask a cluster admin to apply deploy/rbac.yaml", where, apiMessage(err))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s refused the connection; check that the cluster is running and that %s points at it", where, ctxName)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the name of %s does not resolve (%s); check %s and your network or VPN", where, dnsErr.Name, ctxName)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return fmt.Sprintf("%s did not answer in time; check your network or VPN and that %s points at the right cluster", where, ctxName)
	case strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:"):
		return fmt.Sprintf("%s presented a certificate %s does not trust; check the kubeconfig's certificate-authority-data", where, ctxName)
	}
	return fmt.Sprintf("%s could not be asked (%s)", where, firstLineOf(err))
}

func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Message
	}
	return firstLineOf(err)
}

func firstLineOf(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSpace(s)
}

// preflight refuses a rotation, before it takes the lock or changes anything, when the
// Kubernetes identity lacks a permission the rotation needs: the pod deletion of
// --on-drain-timeout force only when that is the policy.
func preflight(ctx context.Context, clients *Clients, onDrainTimeout string) error {
	force := exec.DrainTimeoutPolicy(onDrainTimeout) == exec.OnDrainTimeoutForce
	err := permissions.RequireKubernetes(ctx, clients.Kubernetes.AuthorizationV1(), permissions.Needed(force))
	var missing *permissions.MissingKubernetesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &missing):
		return err
	default:
		return explained(err, "could not check this identity's Kubernetes permissions: %s", explainAPIServerError(err, "", clients.Context))
	}
}
