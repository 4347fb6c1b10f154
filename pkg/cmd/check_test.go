package cmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/permissions"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// authorizer answers SelfSubjectAccessReviews like an RBAC authorizer that grants everything
// but the rules it was told to deny, named as permissions.KubernetesRule.String names them.
type authorizer struct {
	mu     sync.Mutex
	denied map[string]bool
}

// deny makes the authorizer refuse the named rules, such as "patch nodes".
func (a *authorizer) deny(rules ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range rules {
		a.denied[r] = true
	}
}

// answerAccessReviews makes kube answer SelfSubjectAccessReviews through a new authorizer.
func answerAccessReviews(kube *fake.Clientset) *authorizer {
	a := &authorizer{denied: map[string]bool{}}
	kube.PrependReactor("create", "selfsubjectaccessreviews", func(action k8stesting.Action) (bool, runtime.Object, error) {
		review := action.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		attrs := review.Spec.ResourceAttributes
		resource := attrs.Resource
		if attrs.Subresource != "" {
			resource += "/" + attrs.Subresource
		}
		rule := permissions.KubernetesRule{Group: attrs.Group, Resource: resource, Verb: attrs.Verb, Namespace: attrs.Namespace, Name: attrs.Name}
		a.mu.Lock()
		defer a.mu.Unlock()
		review.Status.Allowed = !a.denied[rule.String()]
		if !review.Status.Allowed {
			review.Status.Reason = "no RBAC policy matched"
		}
		return true, review, nil
	})
	return a
}

// writes lists the Kubernetes actions of kube that change something; access reviews change
// nothing.
func writes(kube *fake.Clientset) []string {
	var out []string
	for _, a := range kube.Actions() {
		switch a.GetVerb() {
		case "get", "list", "watch":
			continue
		case "create":
			if a.GetResource().Resource == "selfsubjectaccessreviews" {
				continue
			}
		}
		out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
	}
	return out
}

// awsWrites lists the simulator calls that are not reads.
func awsWrites(srv *awssim.Server) []string {
	var out []string
	for call := range srv.Calls() {
		_, op, _ := strings.Cut(call, ":")
		if !strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
			out = append(out, call)
		}
	}
	return out
}

// tableRows maps each CHECK of the table to its RESULT.
func tableRows(out string) map[string]string {
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		for i, f := range fields {
			switch f {
			case "ok", "MISSING", "unverified", "skipped", "FAILED":
				rows[strings.Join(fields[:i], " ")] = f
			default:
				continue
			}
			break
		}
	}
	return rows
}

func TestCheckAllAllowed(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		deletePods  string
		wantSkipped []string
	}{
		{name: "without force", args: []string{"check"}, deletePods: "skipped", wantSkipped: []string{"delete pods"}},
		{name: "with --force", args: []string{"check", "--force"}, deletePods: "ok"},
		{name: "with --on-drain-timeout force", args: []string{"check", "--on-drain-timeout", "force"}, deletePods: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			r := run(t, w.env, tt.args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s\n%s", r.code, r.errOut, r.out)
			}
			rows := tableRows(r.out)
			for _, rule := range permissions.Kubernetes() {
				want := "ok"
				if rule.Need == permissions.Force {
					want = tt.deletePods
				}
				if rows[rule.String()] != want {
					t.Errorf("%s: %q, want %s", rule, rows[rule.String()], want)
				}
			}
			for _, a := range permissions.AWS() {
				want := "ok"
				if a.Mutates {
					want = "unverified"
				}
				if rows[a.Action] != want {
					t.Errorf("%s: %q, want %s", a.Action, rows[a.Action], want)
				}
			}
			for _, want := range []string{"KUBERNETES", "AWS", "EKS cluster", "prod (from the tags of the nodes' instances)", "Ready: every permission that can be checked is granted", "deploy/iam-policy.json"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("output lacks %q:\n%s", want, r.out)
				}
			}
			if got := writes(w.kube); len(got) > 0 {
				t.Errorf("check wrote to Kubernetes: %v", got)
			}
			if got := awsWrites(w.server); len(got) > 0 {
				t.Errorf("check called AWS actions that change things: %v", got)
			}
			calls := w.server.Calls()
			for _, call := range []string{"ec2:DescribeInstances", "ec2:DescribeImages", "ec2:DescribeLaunchTemplateVersions", "eks:DescribeUpdate", "ssm:GetParameters"} {
				if calls[call] == 0 {
					t.Errorf("%s was not probed (calls %v)", call, calls)
				}
			}
		})
	}
}

func TestCheckReportsWhatIsMissing(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		deny    []string
		fault   string
		policy  string
		code    int
		row     string
		result  string
		message []string
	}{
		{name: "Kubernetes rule denied", args: []string{"check"}, deny: []string{"create pods/eviction"}, code: ExitError,
			row: "create pods/eviction", result: "MISSING",
			message: []string{"not allowed to create pods/eviction in Kubernetes", "apply deploy/rbac.yaml"}},
		{name: "lease rule named with its namespace", args: []string{"check"}, deny: []string{"update leases.coordination.k8s.io kubectl-rotate in kube-system"}, code: ExitError,
			row: "update leases.coordination.k8s.io kubectl-rotate in kube-system", result: "MISSING",
			message: []string{"update leases.coordination.k8s.io kubectl-rotate in kube-system"}},
		{name: "force rule not required without force", args: []string{"check"}, deny: []string{"delete pods"}, code: ExitOK,
			row: "delete pods", result: "skipped"},
		{name: "force rule required with force", args: []string{"check", "--force"}, deny: []string{"delete pods"}, code: ExitError,
			row: "delete pods", result: "MISSING",
			message: []string{"not allowed to delete pods", "kubectl-rotate-force ClusterRole"}},
		{name: "EC2 read refused", args: []string{"check"}, fault: "ec2:DescribeImages", code: ExitError,
			row: "ec2:DescribeImages", result: "MISSING",
			message: []string{"not allowed to call ec2:DescribeImages in AWS", "attach deploy/iam-policy.json"}},
		{name: "Auto Scaling read refused", args: []string{"check"}, fault: "autoscaling:DescribeLaunchConfigurations", code: ExitError,
			row: "autoscaling:DescribeLaunchConfigurations", result: "MISSING", message: []string{"autoscaling:DescribeLaunchConfigurations"}},
		{name: "EC2 read not in the IAM policy", args: []string{"check"}, code: ExitError,
			policy: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "ec2:DescribeLaunchTemplateVersions", "Resource": "*"}]}`,
			row:    "ec2:DescribeLaunchTemplateVersions", result: "MISSING",
			message: []string{"not allowed to call ec2:DescribeLaunchTemplateVersions in AWS (attach deploy/iam-policy.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			w.authz.deny(tt.deny...)
			if tt.fault != "" {
				code := "UnauthorizedOperation"
				if !strings.HasPrefix(tt.fault, "ec2:") {
					code = "AccessDenied"
				}
				w.server.InjectFault(tt.fault, awssim.Fault{Code: code, Status: 403, Message: "You are not authorized to perform this operation."})
			}
			if tt.policy != "" {
				if err := w.server.SetPolicy([]byte(tt.policy)); err != nil {
					t.Fatal(err)
				}
			}
			r := run(t, w.env, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q\n%s", r.code, tt.code, r.errOut, r.out)
			}
			if got := tableRows(r.out)[tt.row]; got != tt.result {
				t.Errorf("%s: %q, want %s:\n%s", tt.row, got, tt.result, r.out)
			}
			for _, want := range tt.message {
				if !strings.Contains(r.errOut, want) {
					t.Errorf("stderr %q lacks %q", r.errOut, want)
				}
			}
			if lines := strings.Count(strings.TrimSpace(r.errOut), "\n"); lines != 0 {
				t.Errorf("want one sentence on stderr, got:\n%s", r.errOut)
			}
			if tt.code != ExitOK && !strings.Contains(r.out, "Not ready: ") {
				t.Errorf("summary lacks 'Not ready':\n%s", r.out)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	w := newTestWorld(t)
	w.authz.deny("patch nodes")
	r := run(t, w.env, "check", "-o", "json")
	if r.code != ExitError {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.out)
	}
	for _, key := range []string{"apiVersion", "kind", "force", "kubernetes", "aws", "ready", "summary"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("document lacks %q", key)
		}
	}
	var rep CheckReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.APIVersion != "rotate.kubectl.io/v1alpha1" || rep.Kind != "PermissionCheck" || rep.Ready {
		t.Errorf("apiVersion %q kind %q ready %v", rep.APIVersion, rep.Kind, rep.Ready)
	}
	if !rep.Kubernetes.Reachable || !rep.AWS.Reachable || rep.AWS.Region != region || rep.AWS.EKSCluster != eksName {
		t.Errorf("kubernetes %+v\naws region %q cluster %q reachable %v", rep.Kubernetes, rep.AWS.Region, rep.AWS.EKSCluster, rep.AWS.Reachable)
	}
	if len(rep.Kubernetes.Permissions) != len(permissions.Kubernetes()) || len(rep.AWS.Actions) != len(permissions.AWS()) {
		t.Fatalf("%d Kubernetes and %d AWS entries, want %d and %d", len(rep.Kubernetes.Permissions), len(rep.AWS.Actions), len(permissions.Kubernetes()), len(permissions.AWS()))
	}
	results := []string{resultOK, resultMissing, resultUnverified, resultSkipped}
	for i, rule := range permissions.Kubernetes() {
		p := rep.Kubernetes.Permissions[i]
		if p.Permission != rule.String() || !slices.Contains(results, p.Result) || p.Required != (rule.Need == permissions.Always) {
			t.Errorf("entry %d = %+v for %s", i, p, rule)
		}
		if (p.Result == resultMissing) != (rule.String() == "patch nodes") {
			t.Errorf("%s: result %s", rule, p.Result)
		}
	}
	for i, a := range permissions.AWS() {
		if p := rep.AWS.Actions[i]; p.Permission != a.Action || !slices.Contains(results, p.Result) {
			t.Errorf("entry %d = %+v for %s", i, p, a.Action)
		}
	}
	if rep.Summary != "Not ready: 1 Kubernetes permission missing." {
		t.Errorf("summary %q", rep.Summary)
	}
	if !strings.Contains(r.errOut, "not allowed to patch nodes") {
		t.Errorf("stderr %q", r.errOut)
	}
}

func TestCheckFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "drain timeout policy", args: []string{"check", "--on-drain-timeout", "panic"}, want: "fail, skip or force"},
		{name: "output", args: []string{"check", "-o", "yaml"}, want: "use json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			r := run(t, w.env, tt.args...)
			if r.code != ExitUsage || !strings.Contains(r.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want usage error with %q", r.code, r.errOut, tt.want)
			}
			if w.server.TotalCalls() != 0 || len(w.kube.Actions()) != 0 {
				t.Errorf("bad flags reached the cluster or AWS")
			}
		})
	}
}

// TestCheckUnreachableCluster builds the real clients: a kubeconfig whose API server refuses
// connections, and AWS through the standard environment variables pointing at the simulator.
func TestCheckUnreachableCluster(t *testing.T) {
	w := newTestWorld(t)
	dir := t.TempDir()
	kubeconfig := unreachableKubeconfig(t, dir, "staging")
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, kv := range w.server.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	r := run(t, Environment{}, "check", "--kubeconfig", kubeconfig, "--eks-cluster", eksName)
	if r.code != ExitError {
		t.Fatalf("exit %d: %s\n%s", r.code, r.errOut, r.out)
	}
	rows := tableRows(r.out)
	if rows["API server (context staging)"] != "FAILED" || rows[fmt.Sprintf("every permission (%d)", len(permissions.Kubernetes()))] != "skipped" {
		t.Errorf("the unreachable API server is not reported:\n%s", r.out)
	}
	if rows["ec2:DescribeInstances"] != "ok" || rows["eks:DescribeNodegroup"] != "ok" || rows["credentials and region"] != "ok" {
		t.Errorf("AWS was not checked on its own:\n%s", r.out)
	}
	for _, want := range []string{"https://127.0.0.1:1 refused the connection", `context "staging"`} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr %q lacks %q", r.errOut, want)
		}
	}
	if strings.Count(strings.TrimSpace(r.errOut), "\n") != 0 {
		t.Errorf("want one sentence on stderr, got:\n%s", r.errOut)
	}
	for _, secret := range []string{"secret-token", awssim.TestSecretAccessKey, awssim.TestAccessKeyID} {
		if strings.Contains(r.out+r.errOut, secret) {
			t.Errorf("check printed a credential")
		}
	}
}

func TestRotatePreflightRefuses(t *testing.T) {
	tests := []struct {
		name string
		deny []string
		args []string
		want string
	}{
		{name: "rotate without patch nodes", deny: []string{"patch nodes"}, args: []string{"--nodegroup", "workers", "--yes"},
			want: "kubectl rotate is not allowed to patch nodes; apply deploy/rbac.yaml"},
		{name: "rotate with force without delete pods", deny: []string{"delete pods"}, args: []string{"--nodegroup", "workers", "--yes", "--on-drain-timeout", "force"},
			want: "kubectl rotate is not allowed to delete pods;"},
		{name: "apply without eviction", deny: []string{"create pods/eviction"}, args: []string{"apply", "--yes"},
			want: "kubectl rotate is not allowed to create pods/eviction;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			args := tt.args
			if args[0] == "apply" {
				saved := filepath.Join(t.TempDir(), "plan.json")
				if r := run(t, w.env, "plan", "--nodegroup", "workers", "--out", saved, "-o", "json"); r.code != ExitOK {
					t.Fatalf("plan: exit %d: %s", r.code, r.errOut)
				}
				args = append(args, "-f", saved)
			}
			w.authz.deny(tt.deny...)
			w.server.ResetCalls()
			w.kube.ClearActions()
			r := run(t, w.env, args...)
			if r.code != ExitError {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, ExitError, r.errOut)
			}
			if !strings.HasPrefix(r.errOut, "error: "+tt.want) || strings.Count(strings.TrimSpace(r.errOut), "\n") != 0 {
				t.Errorf("stderr %q, want the one sentence %q...", r.errOut, tt.want)
			}
			if got := writes(w.kube); len(got) > 0 {
				t.Errorf("a refused rotation wrote to Kubernetes: %v", got)
			}
			if calls := w.server.Calls(); len(calls) > 0 {
				t.Errorf("a refused rotation called AWS: %v", calls)
			}
			if r.out != "" {
				t.Errorf("a refused rotation printed:\n%s", r.out)
			}
		})
	}
}

// TestRotatePreflightForceRuleOnlyWithForce: without --on-drain-timeout force, the missing pod
// deletion does not stop a rotation; it goes on to ask for consent.
func TestRotatePreflightForceRuleOnlyWithForce(t *testing.T) {
	w := newTestWorld(t)
	w.authz.deny("delete pods")
	r := run(t, w.env, "--nodegroup", "workers")
	if r.code != ExitUsage || !strings.Contains(r.errOut, "pass --yes") {
		t.Errorf("exit %d, stderr %q; want the consent refusal", r.code, r.errOut)
	}
}
