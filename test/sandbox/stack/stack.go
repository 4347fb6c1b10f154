// Package stack runs a whole sandbox: the local control plane, a simulated AWS account
// populated from a scenario and serving the real AWS wire protocols, and the registrar that
// turns the account's instances into Ready nodes. It is what "sandbox up" and the end-to-end
// tests start.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/binaries"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/cluster"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/registrar"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
)

// AWSEnvFile is the sourceable file, in the state directory, that points AWS clients at the
// simulated account.
const AWSEnvFile = "aws.env"

// Options configure a sandbox.
type Options struct {
	// Dir is the state directory and BinDir holds the binaries (cluster.Options).
	Dir    string
	BinDir string
	// Scenario is what the account and cluster hold.
	Scenario *scenario.Scenario
	// Progress receives one line per step; nil discards.
	Progress io.Writer
	// ReadyTimeout bounds the wait for the scenario's nodes and workloads; zero means 5 minutes.
	ReadyTimeout time.Duration
	// IAMPolicy is the path of an IAM policy document, such as deploy/iam-policy.json, that
	// the simulated AWS enforces for every caller (awssim.Server.SetPolicy): a call it does not
	// allow is refused as AWS refuses it. Empty allows every call. The sandbox itself (the
	// registrar, the scenario) works on the account directly and is never refused.
	IAMPolicy string
}

// Stack is a running sandbox.
type Stack struct {
	Cluster  *cluster.Cluster
	Cloud    *awssim.Cloud
	Server   *awssim.Server
	Scenario *scenario.Scenario
	Client   kubernetes.Interface

	dir      string
	binDir   string
	progress io.Writer
	cancel   context.CancelFunc
	done     chan struct{}
}

// Start brings the sandbox up and returns once every node of the scenario is Ready, the
// workloads are available and the groups' launch templates name the new image.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 5 * time.Minute
	}
	begin := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{Dir: o.Dir, BinDir: o.BinDir, Progress: o.Progress})
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	client, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s := &Stack{Cluster: c, Scenario: o.Scenario, Client: client, dir: o.Dir, binDir: o.BinDir, progress: o.Progress, cancel: cancel, done: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()
	minor := kubernetesMinor(c.Version())
	s.Cloud = awssim.NewCloud(o.Scenario.Region)
	lc := awssim.DefaultLifecycle()
	lc.BootDelay, lc.ShutdownDelay = o.Scenario.BootDelay.Duration, o.Scenario.ShutdownDelay.Duration
	s.Cloud.SetLifecycle(lc)
	if err := o.Scenario.Populate(s.Cloud, minor); err != nil {
		return nil, err
	}
	if s.Server, err = awssim.Start(s.Cloud); err != nil {
		return nil, fmt.Errorf("start AWS simulator: %w", err)
	}
	if o.IAMPolicy != "" {
		doc, err := os.ReadFile(o.IAMPolicy)
		if err != nil {
			return nil, fmt.Errorf("read IAM policy: %w", err)
		}
		if err := s.Server.SetPolicy(doc); err != nil {
			return nil, fmt.Errorf("IAM policy %s: %w", o.IAMPolicy, err)
		}
		s.step(begin, "AWS simulator enforces the IAM policy %s", o.IAMPolicy)
	}
	reg := &registrar.Registrar{Cloud: s.Cloud, Client: client, KubeletVersion: c.Version(), Logf: s.logf}
	go func() {
		defer close(s.done)
		go s.Cloud.Run(runCtx)
		_ = reg.Run(runCtx)
	}()
	if err := s.writeAWSEnv(); err != nil {
		return nil, err
	}
	s.step(begin, "AWS simulator at %s; launching %d instances", s.Server.URL(), o.Scenario.Nodes())

	readyCtx, stop := context.WithTimeout(ctx, o.ReadyTimeout)
	defer stop()
	if err := s.waitForNodes(readyCtx, o.Scenario.Nodes()); err != nil {
		return nil, err
	}
	s.step(begin, "%d nodes Ready", o.Scenario.Nodes())
	if err := s.applyWorkloads(readyCtx); err != nil {
		return nil, err
	}
	s.step(begin, "workloads available")
	if err := o.Scenario.PublishNewImage(s.Cloud, minor); err != nil {
		return nil, err
	}
	s.step(begin, "launch templates now name the new image %s (nodes run %s)", o.Scenario.Images.New.ID, o.Scenario.Images.Old.ID)
	return s, nil
}

// Kubeconfig is the path of the admin kubeconfig.
func (s *Stack) Kubeconfig() string { return s.Cluster.Kubeconfig() }

// RotatorKubeconfig is the path of the kubeconfig of cluster.RotatorUser, an identity outside
// system:masters in the group deploy/rbac.yaml binds (cluster.RotatorGroup).
func (s *Stack) RotatorKubeconfig() string { return s.Cluster.RotatorKubeconfig() }

// AWSEnvPath is the path of the sourceable AWS environment file.
func (s *Stack) AWSEnvPath() string { return filepath.Join(s.dir, AWSEnvFile) }

// Environ returns the environment variables a process needs to use the sandbox: its
// kubeconfig and the simulated AWS endpoint, region and credentials.
func (s *Stack) Environ() []string {
	return append([]string{"KUBECONFIG=" + s.Kubeconfig()}, s.awsEnviron()...)
}

// RotatorEnviron is Environ with the rotator's kubeconfig in place of the admin's.
func (s *Stack) RotatorEnviron() []string {
	return append([]string{"KUBECONFIG=" + s.RotatorKubeconfig()}, s.awsEnviron()...)
}

func (s *Stack) awsEnviron() []string {
	env := s.Server.Environ()
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_DEFAULT_REGION=") {
			out = append(out, kv)
		}
	}
	return append(out, "AWS_EC2_METADATA_DISABLED=true")
}

// Done is closed when the cluster stops on its own, for example because a component died.
func (s *Stack) Done() <-chan struct{} { return s.Cluster.Done() }

// Err says why the cluster stopped on its own.
func (s *Stack) Err() error { return s.Cluster.Err() }

// Stop stops the registrar, the simulated cloud and the cluster. It is idempotent.
func (s *Stack) Stop() error {
	s.cancel()
	var errs []error
	if s.Server != nil {
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			errs = append(errs, errors.New("registrar did not stop within 10s"))
		}
		if err := s.Server.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			errs = append(errs, err)
		}
	}
	_ = os.Remove(s.AWSEnvPath())
	errs = append(errs, s.Cluster.Stop())
	return errors.Join(errs...)
}

func (s *Stack) writeAWSEnv() error {
	var b strings.Builder
	b.WriteString("# Points AWS clients at the sandbox's simulated account. Source it: . " + s.AWSEnvPath() + "\n")
	for _, kv := range s.awsEnviron() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%q\n", k, v)
	}
	if err := os.WriteFile(s.AWSEnvPath(), []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", AWSEnvFile, err)
	}
	return nil
}

// waitForNodes waits until want simulated nodes are Ready and schedulable.
func (s *Stack) waitForNodes(ctx context.Context, want int) error {
	for {
		nodes, err := s.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil && countReady(nodes.Items) >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d Ready nodes: %w", want, ctx.Err())
		case <-s.Cluster.Done():
			return fmt.Errorf("cluster failed: %w", s.Cluster.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func countReady(nodes []corev1.Node) int {
	n := 0
	for _, node := range nodes {
		if node.Annotations[cluster.KwokNodeAnnotation] != cluster.KwokNodeAnnotationValue || node.Spec.Unschedulable {
			continue
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// applyWorkloads applies the scenario's manifests with the sandbox's kubectl and waits until
// every Deployment, StatefulSet and DaemonSet is fully available.
func (s *Stack) applyWorkloads(ctx context.Context) error {
	if strings.TrimSpace(s.Scenario.Workloads) == "" {
		return nil
	}
	if err := s.kubectl(ctx, strings.NewReader(s.Scenario.Workloads), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("apply workloads: %w", err)
	}
	for {
		pending, err := s.unavailableWorkloads(ctx)
		if err == nil && len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("workloads not available (%s): %w", strings.Join(pending, ", "), ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// unavailableWorkloads names the Deployments, StatefulSets and DaemonSets whose pods are not
// all ready and up to date.
func (s *Stack) unavailableWorkloads(ctx context.Context) ([]string, error) {
	apps := s.Client.AppsV1()
	var pending []string
	deployments, err := apps.Deployments(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, d := range deployments.Items {
		want := ptr.Deref(d.Spec.Replicas, 1)
		if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas != want || d.Status.AvailableReplicas != want {
			pending = append(pending, "deployment "+d.Namespace+"/"+d.Name)
		}
	}
	sets, err := apps.StatefulSets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, st := range sets.Items {
		if st.Status.ReadyReplicas != ptr.Deref(st.Spec.Replicas, 1) {
			pending = append(pending, "statefulset "+st.Namespace+"/"+st.Name)
		}
	}
	daemons, err := apps.DaemonSets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, ds := range daemons.Items {
		if ds.Status.DesiredNumberScheduled == 0 || ds.Status.NumberReady != ds.Status.DesiredNumberScheduled {
			pending = append(pending, "daemonset "+ds.Namespace+"/"+ds.Name)
		}
	}
	return pending, nil
}

func (s *Stack) kubectl(ctx context.Context, stdin io.Reader, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, binaries.Kubectl), append([]string{"--kubeconfig", s.Kubeconfig()}, args...)...)
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Stack) step(begin time.Time, format string, args ...any) {
	fmt.Fprintf(s.progress, "[%5.1fs] %s\n", time.Since(begin).Seconds(), fmt.Sprintf(format, args...))
}

func (s *Stack) logf(format string, args ...any) {
	f, err := os.OpenFile(filepath.Join(s.Cluster.LogDir(), "registrar.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s\n", time.Now().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// kubernetesMinor turns v1.36.4 into 1.36.
func kubernetesMinor(version string) string {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}
