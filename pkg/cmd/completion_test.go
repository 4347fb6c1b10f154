package cmd

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// directiveLine is what cobra prints on stderr after every completion; nothing else may be.
var directiveLine = regexp.MustCompile(`^Completion ended with directive: [A-Za-z, ]+\n$`)

// complete runs "__complete args..." through the command, as the shell scripts do, and
// returns the lines it printed: the choices, then ":<directive>".
func complete(t *testing.T, env Environment, args ...string) []string {
	t.Helper()
	r := run(t, env, append([]string{"__complete"}, args...)...)
	if r.code != ExitOK {
		t.Fatalf("__complete %q: exit %d: %s", args, r.code, r.errOut)
	}
	if !directiveLine.MatchString(r.errOut) {
		t.Errorf("__complete %q printed more than the directive on stderr: %q", args, r.errOut)
	}
	return strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
}

func checkLines(t *testing.T, args []string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("__complete %q:\n got %q\nwant %q", args, got, want)
	}
}

// kubeOf returns the fake cluster behind a test world.
func kubeOf(t *testing.T, w *testWorld) *fake.Clientset {
	t.Helper()
	c, err := w.env.NewClients(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Kubernetes.(*fake.Clientset)
}

func TestCompleteNodegroups(t *testing.T) {
	all := []string{"managed\teks-managed, 2 nodes", "nodes-kops\tkops, 2 nodes", "workers\tasg, 4 nodes", ":4"}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "rotate, every group", args: []string{"--nodegroup", ""}, want: all},
		{name: "plan, by prefix", args: []string{"plan", "--nodegroup", "n"}, want: []string{"nodes-kops\tkops, 2 nodes", ":4"}},
		{name: "equals form", args: []string{"--nodegroup=w"}, want: []string{"workers\tasg, 4 nodes", ":4"}},
		{name: "groups given already left out", args: []string{"--nodegroup", "workers", "--nodegroup", ""}, want: []string{"managed\teks-managed, 2 nodes", "nodes-kops\tkops, 2 nodes", ":4"}},
		{name: "no match", args: []string{"--nodegroup", "x"}, want: []string{":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			checkLines(t, tt.args, complete(t, w.env, tt.args...), tt.want)
			if w.server.Calls()["ec2:DescribeInstances"] == 0 {
				t.Errorf("node groups were not discovered through AWS: calls %v", w.server.Calls())
			}
		})
	}
}

// addNode adds a node with labels and no provider ID to a test world's cluster.
func addNode(t *testing.T, w *testWorld, name string, labels map[string]string) {
	t.Helper()
	_, err := kubeOf(t, w).CoreV1().Nodes().Create(context.Background(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCompleteNodegroupsFromLabelsWithoutAWS(t *testing.T) {
	fromLabels := []string{
		"eksctl-ng\t1 node, label alpha.eksctl.io/nodegroup-name",
		"managed\t2 nodes, label eks.amazonaws.com/nodegroup",
		"nodes-kops\t2 nodes, label kops.k8s.io/instancegroup",
		"spot\t1 node, label karpenter.sh/nodepool",
		":4",
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, w *testWorld) Environment
	}{
		{name: "access denied", setup: func(_ *testing.T, w *testWorld) Environment {
			w.server.InjectFault("ec2:DescribeInstances", awssim.Fault{Code: "UnauthorizedOperation", Status: http.StatusForbidden})
			return w.env
		}},
		{name: "no AWS clients", setup: func(t *testing.T, w *testWorld) Environment {
			env := w.env
			env.NewClients = func(context.Context, *GlobalOptions) (*Clients, error) {
				return &Clients{Kubernetes: kubeOf(t, w)}, nil
			}
			return env
		}},
		{name: "AWS never answers", setup: func(t *testing.T, w *testWorld) Environment {
			stop := make(chan struct{})
			hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stop }))
			t.Cleanup(func() { close(stop); hang.Close() })
			cfg := w.server.AWSConfig()
			cfg.BaseEndpoint, cfg.HTTPClient = &hang.URL, hang.Client()
			env := w.env
			env.NewClients = func(context.Context, *GlobalOptions) (*Clients, error) {
				return &Clients{Kubernetes: kubeOf(t, w), Cloud: awscloud.NewClients(cfg)}, nil
			}
			return env
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newTestWorld(t)
			addNode(t, w, "spot-1", map[string]string{"karpenter.sh/nodepool": "spot"})
			addNode(t, w, "eksctl-1", map[string]string{"alpha.eksctl.io/nodegroup-name": "eksctl-ng"})
			env := tt.setup(t, w)
			begin := time.Now()
			got := complete(t, env, "--nodegroup", "")
			if took := time.Since(begin); took > completionTimeout+2*time.Second {
				t.Errorf("completion took %s, more than its %s bound", took, completionTimeout)
			}
			checkLines(t, []string{"--nodegroup", ""}, got, fromLabels)
		})
	}
}

func TestCompleteNodes(t *testing.T) {
	w := newTestWorld(t)
	kube := kubeOf(t, w)
	// Serve the nodes in pages of two, as a large cluster would.
	var limits []int64
	kube.PrependReactor("list", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		opts := a.(k8stesting.ListActionImpl).ListOptions
		limits = append(limits, opts.Limit)
		all, err := kube.Tracker().List(corev1.SchemeGroupVersion.WithResource("nodes"), corev1.SchemeGroupVersion.WithKind("Node"), "")
		if err != nil {
			return true, nil, err
		}
		items := all.(*corev1.NodeList).Items
		start := 0
		if opts.Continue != "" {
			start = int(opts.Continue[0] - '0')
		}
		page := &corev1.NodeList{Items: items[start:min(start+2, len(items))]}
		if start+2 < len(items) {
			page.Continue = string(rune('0' + start + 2))
		}
		return true, page, nil
	})
	args := []string{"--node", ""}
	checkLines(t, args, complete(t, w.env, args...), []string{
		"bare-metal-1\tNotReady",
		"managed-000\tmanaged, m6i.large, us-east-1a",
		"managed-001\tmanaged, m6i.large, us-east-1b",
		"nodes-kops-000\tnodes-kops, m6i.large, us-east-1a",
		"nodes-kops-001\tnodes-kops, m6i.large, us-east-1a",
		"workers-000\tm6i.large, us-east-1a",
		"workers-001\tm6i.large, us-east-1b",
		"workers-002\tm6i.large, us-east-1c",
		"workers-003\tm6i.large, us-east-1a",
		":4",
	})
	if len(limits) != 5 || limits[0] == 0 {
		t.Errorf("node lists with limits %v, want 5 pages of a bounded size", limits)
	}
	if w.server.TotalCalls() != 0 {
		t.Errorf("node completion called AWS: %v", w.server.Calls())
	}
	args = []string{"--nodegroup-of", "nodes-"}
	checkLines(t, args, complete(t, w.env, args...), []string{"nodes-kops-000\tnodes-kops, m6i.large, us-east-1a", "nodes-kops-001\tnodes-kops, m6i.large, us-east-1a", ":4"})
	args = []string{"plan", "--node", "workers-001", "--node", "workers-00"}
	checkLines(t, args, complete(t, w.env, args...), []string{
		"workers-000\tm6i.large, us-east-1a", "workers-002\tm6i.large, us-east-1c", "workers-003\tm6i.large, us-east-1a", ":4",
	})
}

func TestCompleteFixedValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "ami", args: []string{"--ami", ""}, want: []string{"latest\tthe newest EKS-optimized image for each node's version, architecture and OS", ":4"}},
		{name: "on-drain-timeout", args: []string{"apply", "--on-drain-timeout", ""}, want: []string{
			"fail\tuncordon the node and mark it failed", "force\tdelete the remaining pods", "skip\tuncordon the node and keep it on its old image", ":4"}},
		{name: "on-drain-timeout by prefix", args: []string{"--on-drain-timeout", "s"}, want: []string{"skip\tuncordon the node and keep it on its old image", ":4"}},
		{name: "rotate output", args: []string{"-o", ""}, want: []string{"json\tNDJSON events", "plain\ttimestamped lines", ":4"}},
		{name: "apply output", args: []string{"apply", "--output", ""}, want: []string{"json\tNDJSON events", "plain\ttimestamped lines", ":4"}},
		{name: "plan output", args: []string{"plan", "-o", ""}, want: []string{"json\tthe plan as JSON", "wide\tthe table with more columns", "yaml\tthe plan as YAML", ":4"}},
		{name: "check output", args: []string{"check", "-o", ""}, want: []string{"json\tthe results as JSON", ":4"}},
		{name: "check on-drain-timeout", args: []string{"check", "--on-drain-timeout", "f"}, want: []string{"fail\tuncordon the node and mark it failed", "force\tdelete the remaining pods", ":4"}},
		{name: "version output", args: []string{"version", "-o", ""}, want: []string{"json\tthe version as JSON", ":4"}},
		{name: "saved plan is a file", args: []string{"apply", "-f", ""}, want: []string{":0"}},
		{name: "report is a file", args: []string{"--report", ""}, want: []string{":0"}},
		{name: "plan out is a file", args: []string{"plan", "--out", ""}, want: []string{":0"}},
		{name: "a count is no file", args: []string{"--max-surge", ""}, want: []string{":4"}},
		{name: "no arguments", args: []string{"plan", ""}, want: []string{":4"}},
		{name: "shells", args: []string{"completion", ""}, want: []string{"bash", "zsh", "fish", "powershell", ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			checkLines(t, tt.args, complete(t, w.env, tt.args...), tt.want)
			if w.server.TotalCalls() != 0 {
				t.Errorf("completing a fixed value called AWS: %v", w.server.Calls())
			}
		})
	}
}

func TestCompleteSubcommandsAndFlags(t *testing.T) {
	w := newTestWorld(t)
	got := complete(t, w.env, "")
	for _, want := range []string{"apply\t", "completion\t", "plan\t", "version\t"} {
		if !containsPrefix(got, want) {
			t.Errorf("subcommands %q lack %q", got, want)
		}
	}
	got = complete(t, w.env, "plan", "--node")
	for _, want := range []string{"--nodegroup\t", "--node\t"} {
		if !containsPrefix(got, want) {
			t.Errorf("flags %q lack %q", got, want)
		}
	}
}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// TestCompleteClusterErrorPrintsNothing: whatever fails, the completion output holds no
// choice and no error text, only the error directive, and never a credential.
func TestCompleteClusterErrorPrintsNothing(t *testing.T) {
	dir := t.TempDir()
	unreachable := unreachableKubeconfig(t, dir, "ctx")
	refusing := func(t *testing.T) Environment {
		w := newTestWorld(t)
		kubeOf(t, w).PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, errors.New("nodes is forbidden: User \"secret-token\" cannot list resource")
		})
		return w.env
	}
	failing := func(*testing.T) Environment {
		return Environment{NewClients: func(context.Context, *GlobalOptions) (*Clients, error) {
			return nil, errors.New("no kubeconfig with secret-token")
		}}
	}
	fromKubeconfig := func(*testing.T) Environment { return Environment{} }
	tests := []struct {
		name string
		env  func(*testing.T) Environment
		args []string
	}{
		{name: "list refused, node groups", env: refusing, args: []string{"--nodegroup", ""}},
		{name: "list refused, nodes", env: refusing, args: []string{"plan", "--node", ""}},
		{name: "no clients", env: failing, args: []string{"--nodegroup", ""}},
		{name: "API server unreachable", env: fromKubeconfig, args: []string{"--kubeconfig", unreachable, "--node", ""}},
		{name: "API server unreachable, node groups", env: fromKubeconfig, args: []string{"--kubeconfig", unreachable, "--nodegroup", ""}},
		{name: "missing kubeconfig", env: fromKubeconfig, args: []string{"--kubeconfig", filepath.Join(dir, "nope"), "--nodegroup", ""}},
		{name: "missing kubeconfig, contexts", env: fromKubeconfig, args: []string{"--kubeconfig", filepath.Join(dir, "nope"), "--context", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			t.Setenv("KUBECONFIG", "")
			t.Setenv("BASH_COMP_DEBUG_FILE", "")
			r := run(t, tt.env(t), append([]string{"__complete"}, tt.args...)...)
			if r.code != ExitOK || r.out != ":1\n" {
				t.Errorf("exit %d, output %q; want only the error directive :1", r.code, r.out)
			}
			if r.errOut != "Completion ended with directive: ShellCompDirectiveError\n" {
				t.Errorf("stderr %q holds more than the directive", r.errOut)
			}
		})
	}
}

// TestCompleteHonoursGlobalFlags: the global flags on the command line are parsed before a
// completion asks for clients.
func TestCompleteHonoursGlobalFlags(t *testing.T) {
	var seen *GlobalOptions
	env := Environment{NewClients: func(_ context.Context, g *GlobalOptions) (*Clients, error) {
		seen = g
		return &Clients{Kubernetes: fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: *g.ConfigFlags.Context + "-node"}})}, nil
	}}
	args := []string{"--context", "staging", "--kubeconfig", "/k", "--region", "eu-west-1", "--profile", "ops", "plan", "--node", ""}
	checkLines(t, args, complete(t, env, args...), []string{"staging-node\tNotReady", ":4"})
	if seen == nil || *seen.ConfigFlags.KubeConfig != "/k" || seen.Region != "eu-west-1" || seen.Profile != "ops" {
		t.Errorf("clients built from %+v", seen)
	}
}

func TestCompleteFromKubeconfig(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: prod-cluster, cluster: {server: "https://127.0.0.1:1"}}, {name: dev-cluster, cluster: {server: "https://127.0.0.1:2"}}]
users: [{name: admin, user: {token: secret-token}}]
contexts: [{name: prod, context: {cluster: prod-cluster, user: admin}}, {name: dev, context: {cluster: dev-cluster, user: admin}}]
current-context: prod
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", "")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "contexts", args: []string{"--kubeconfig", kubeconfig, "--context", ""}, want: []string{"dev", "prod", ":4"}},
		{name: "contexts by prefix, on a subcommand", args: []string{"plan", "--kubeconfig", kubeconfig, "--context", "p"}, want: []string{"prod", ":4"}},
		{name: "clusters", args: []string{"--kubeconfig", kubeconfig, "--cluster", ""}, want: []string{"dev-cluster", "prod-cluster", ":4"}},
		{name: "users", args: []string{"--kubeconfig", kubeconfig, "--user", ""}, want: []string{"admin", ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, Environment{}, append([]string{"__complete"}, tt.args...)...)
			checkLines(t, tt.args, strings.Split(strings.TrimSuffix(r.out, "\n"), "\n"), tt.want)
			if strings.Contains(r.out+r.errOut, "secret-token") {
				t.Errorf("completion printed a credential: %q %q", r.out, r.errOut)
			}
		})
	}
}

// TestCompletionScripts: every script completes the kubectl-rotate program and never
// kubectl, whose own completion it would replace.
func TestCompletionScripts(t *testing.T) {
	tests := []struct {
		shell     string
		registers string
	}{
		{shell: "bash", registers: "complete -o default -F __start_kubectl-rotate kubectl-rotate"},
		{shell: "zsh", registers: "compdef _kubectl-rotate kubectl-rotate"},
		{shell: "fish", registers: "complete -c kubectl-rotate "},
		{shell: "powershell", registers: "Register-ArgumentCompleter -CommandName 'kubectl-rotate'"},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			for _, args := range [][]string{{"completion", tt.shell}, {"completion", tt.shell, "--no-descriptions"}} {
				r := run(t, Environment{}, args...)
				if r.code != ExitOK || r.errOut != "" {
					t.Fatalf("%q: exit %d: %s", args, r.code, r.errOut)
				}
				if !strings.Contains(r.out, tt.registers) {
					t.Errorf("%q does not register completion for kubectl-rotate with %q", args, tt.registers)
				}
				if !strings.Contains(r.out, "__complete") {
					t.Errorf("%q does not ask the program for choices", args)
				}
				rest := strings.NewReplacer("kubectl-rotate", "", "kubectl_rotate", "", "KUBECTL_ROTATE", "").Replace(r.out)
				if i := strings.Index(strings.ToLower(rest), "kubectl"); i >= 0 {
					t.Errorf("%q names kubectl itself: %q", args, rest[max(0, i-60):min(len(rest), i+40)])
				}
			}
		})
	}
}

func TestCompletionCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		r := run(t, Environment{}, args...)
		if r.code != ExitUsage || r.out != "" || !strings.Contains(r.errOut, "bash, zsh, fish or powershell") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.out, r.errOut)
		}
	}
	r := run(t, Environment{}, "completion", "--help")
	for _, want := range []string{"source <(kubectl-rotate completion bash)", "kubectl_complete-rotate", `exec kubectl-rotate __complete "$@"`, "kubectl-rotate completion fish | source"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("help lacks %q:\n%s", want, r.out)
		}
	}
}
