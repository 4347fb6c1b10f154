package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/permissions"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/cluster"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/stack"
)

// TestLeastPrivilegeRotation rotates the small scenario as an identity that holds exactly
// deploy/rbac.yaml in the cluster and deploy/iam-policy.json in AWS, and nothing else: the
// rotation must succeed with nothing lost, the API server must have forbidden none of its
// requests and AWS refused none of its calls.
func TestLeastPrivilegeRotation(t *testing.T) {
	e := leastPrivilegeSandbox(t)
	e.kubectlOK(t, "apply", "-f", e.deployFile("rbac.yaml"))
	w := watchSafety(t, e.env)
	begin := time.Now()
	r := e.asRotator(t, "--yes", "--delete-emptydir-data")
	t.Logf("rotation as %s took %s", cluster.RotatorUser, time.Since(begin).Round(time.Second))
	requests := rotatorRequests(t, e)
	if forbidden := requests.forbidden(); len(forbidden) > 0 {
		t.Errorf("the API server forbade the rotator (deploy/rbac.yaml lacks these):\n  %s", strings.Join(forbidden, "\n  "))
	}
	if refused := e.stack.Server.Refused(); len(refused) > 0 {
		t.Errorf("AWS refused these calls (deploy/iam-policy.json lacks them): %v", refused)
	}
	if r.code != 0 {
		t.Fatalf("kubectl-rotate --yes as %s: exit %d:\n%s\n%s", cluster.RotatorUser, r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.out, "rotation finished: 12 rotated") {
		t.Errorf("output lacks the summary line:\n%s", r.out)
	}
	checkNoPodLost(t, e.env, w)
	checkConverged(t, e.env)
	reportKubernetesUse(t, requests)
	reportAWSUse(t, e.stack.Server.Calls())
}

// TestLeastPrivilegeMissingPermissions takes one permission away at a time and checks that
// the tool, run as the rotator, stops with a sentence naming it and changes nothing.
func TestLeastPrivilegeMissingPermissions(t *testing.T) {
	e := leastPrivilegeSandbox(t)
	e.kubectlOK(t, "apply", "-f", e.deployFile("rbac.yaml"))

	t.Run("kubernetes create pods/eviction", func(t *testing.T) {
		// The ClusterRole's third rule is the eviction; the test op makes the patch fail
		// loudly if deploy/rbac.yaml is reordered.
		e.kubectlOK(t, "patch", "clusterrole", "kubectl-rotate", "--type=json", "-p",
			`[{"op":"test","path":"/rules/2/resources","value":["pods/eviction"]},{"op":"remove","path":"/rules/2"}]`)
		defer e.kubectlOK(t, "apply", "-f", e.deployFile("rbac.yaml"))
		before := e.snapshot(t)
		callsBefore := e.stack.Server.Calls()
		// A short drain timeout bounds the run should the tool start without the permission.
		r := e.asRotator(t, "--yes", "--delete-emptydir-data", "--drain-timeout", "30s", "--node-ready-timeout", "2m")
		t.Logf("exit %d; stdout:\n%s\nstderr:\n%s", r.code, lastLines(r.out, 15), r.errOut)
		if r.code == 0 {
			t.Errorf("kubectl-rotate --yes succeeded without create pods/eviction")
		}
		if msg := r.out + r.errOut; !strings.Contains(msg, "not allowed to") || !strings.Contains(msg, "create pods/eviction") {
			t.Errorf("the output does not name the missing permission (want %q and %q)", "not allowed to", "create pods/eviction")
		}
		e.waitSettled(t)
		checkUnchanged(t, before, e.snapshot(t))
		checkNoMutatingCalls(t, callsBefore, e.stack.Server.Calls())
	})

	t.Run("aws ec2:DescribeInstances", func(t *testing.T) {
		const missing = "ec2:DescribeInstances"
		if err := e.stack.Server.SetPolicy(policyWithout(t, e.deployFile("iam-policy.json"), missing)); err != nil {
			t.Fatal(err)
		}
		defer func() {
			doc, err := os.ReadFile(e.deployFile("iam-policy.json"))
			if err == nil {
				err = e.stack.Server.SetPolicy(doc)
			}
			if err != nil {
				t.Error(err)
			}
		}()
		before := e.snapshot(t)
		callsBefore := e.stack.Server.Calls()
		r := e.asRotator(t, "plan")
		t.Logf("exit %d; stderr:\n%s", r.code, r.errOut)
		if r.code == 0 {
			t.Fatalf("kubectl-rotate plan succeeded without %s:\n%s", missing, r.out)
		}
		want := "the AWS identity in use is not allowed to call " + missing + "; grant it in its IAM policy (deploy/iam-policy.json lists every action kubectl rotate calls"
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr does not explain the refusal; want it to contain %q", want)
		}
		if n := e.stack.Server.Refused()[missing]; n == 0 {
			t.Errorf("AWS never refused %s", missing)
		}
		checkUnchanged(t, before, e.snapshot(t))
		checkNoMutatingCalls(t, callsBefore, e.stack.Server.Calls())
	})
}

// leastPrivilegeSandbox starts a sandbox of the small scenario whose simulated AWS enforces
// deploy/iam-policy.json, and stops it when the test ends.
func leastPrivilegeSandbox(t *testing.T) *lpEnv {
	t.Helper()
	sc, err := scenario.Load("small")
	if err != nil {
		t.Fatal(err)
	}
	sc.BootDelay.Duration, sc.ShutdownDelay.Duration = 2*time.Second, time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, stack.Options{Dir: t.TempDir(), BinDir: sandbox.binDir, Scenario: sc, Progress: testWriter{t},
		IAMPolicy: filepath.Join(sandbox.root, "deploy", "iam-policy.json")})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	return &lpEnv{env: &env{stack: s, plugin: sandbox.plugin, binDir: sandbox.binDir, root: sandbox.root}}
}

// lpEnv is a sandbox with the repository's deploy files at hand.
type lpEnv struct {
	*env
}

func (e *lpEnv) deployFile(name string) string { return filepath.Join(e.root, "deploy", name) }

// kubectlOK runs kubectl as the admin and fails the test if it fails.
func (e *lpEnv) kubectlOK(t *testing.T, args ...string) {
	t.Helper()
	if r := e.kubectl(t, args...); r.code != 0 {
		t.Fatalf("kubectl %s: exit %d:\n%s%s", strings.Join(args, " "), r.code, r.out, r.errOut)
	}
}

// asRotator runs the kubectl-rotate binary with the rotator's kubeconfig and the simulated
// AWS account.
func (e *lpEnv) asRotator(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.plugin, args...)
	cmd.Env = append(cleanEnviron(), e.stack.RotatorEnviron()...)
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir())
	return runCommand(t, cmd)
}

// snapshot describes everything a rotation changes: each node's schedulability and rotation
// annotations, each group's sizes, rotation tags and members, the EKS node groups' sizes,
// and the lock.
func (e *lpEnv) snapshot(t *testing.T) []string {
	t.Helper()
	ctx := t.Context()
	var lines []string
	nodes, err := e.stack.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		var marks []string
		for k, v := range n.Annotations {
			if strings.HasPrefix(k, "rotate.kubectl.io/") {
				marks = append(marks, k+"="+v)
			}
		}
		sort.Strings(marks)
		lines = append(lines, fmt.Sprintf("node %s unschedulable=%v %s", n.Name, n.Spec.Unschedulable, strings.Join(marks, ",")))
	}
	sc := e.stack.Scenario
	for _, g := range sc.Groups {
		asg, ok := e.stack.Cloud.AutoScalingGroup(sc.AutoScalingGroupName(g))
		if !ok {
			t.Fatalf("group %s is gone", g.Name)
		}
		var tags, members []string
		for k, v := range asg.Tags {
			if strings.HasPrefix(k, "rotate.kubectl.io/") {
				tags = append(tags, k+"="+v)
			}
		}
		for _, inst := range e.stack.Cloud.GroupInstances(asg.Name) {
			members = append(members, inst.ID)
		}
		sort.Strings(tags)
		sort.Strings(members)
		lines = append(lines, fmt.Sprintf("group %s min/desired/max %d/%d/%d tags [%s] members [%s]",
			g.Name, asg.MinSize, asg.DesiredCapacity, asg.MaxSize, strings.Join(tags, ","), strings.Join(members, ",")))
		if ng, ok := e.stack.Cloud.Nodegroup(sc.Cluster, g.Name); ok {
			lines = append(lines, fmt.Sprintf("nodegroup %s min/desired/max %d/%d/%d", g.Name, ng.MinSize, ng.DesiredSize, ng.MaxSize))
		}
	}
	_, err = e.stack.Client.CoordinationV1().Leases(permissions.LockNamespace).Get(ctx, permissions.LockName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		lines = append(lines, "lock: none")
	case err != nil:
		t.Fatal(err)
	default:
		lines = append(lines, "lock: held")
	}
	sort.Strings(lines)
	return lines
}

// waitSettled waits until no instance of the account is pending or shutting down, so that a
// run that did change the groups shows the end state of its changes.
func (e *lpEnv) waitSettled(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	waitFor(ctx, t, "the account's instances to settle", func() bool {
		for _, inst := range e.stack.Cloud.Instances() {
			if inst.State == awssim.StatePending || inst.State == awssim.StateShuttingDown {
				return false
			}
		}
		return true
	})
}

// checkUnchanged fails the test for every line of a snapshot that differs.
func checkUnchanged(t *testing.T, before, after []string) {
	t.Helper()
	for _, line := range before {
		if !slices.Contains(after, line) {
			t.Errorf("changed: before %q", line)
		}
	}
	for _, line := range after {
		if !slices.Contains(before, line) {
			t.Errorf("changed: after  %q", line)
		}
	}
}

// checkNoMutatingCalls fails the test if any AWS action that changes the account was called
// between two readings of the server's call counts.
func checkNoMutatingCalls(t *testing.T, before, after map[string]int) {
	t.Helper()
	for _, a := range permissions.AWS() {
		if a.Mutates && after[a.Action] != before[a.Action] {
			t.Errorf("%s was called %d times", a.Action, after[a.Action]-before[a.Action])
		}
	}
}

// policyWithout is the IAM policy document at path with action removed from every statement.
func policyWithout(t *testing.T, path, action string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	removed := false
	statements, _ := doc["Statement"].([]any)
	for _, s := range statements {
		st, _ := s.(map[string]any)
		actions, _ := st["Action"].([]any)
		kept := actions[:0]
		for _, a := range actions {
			if a == action {
				removed = true
				continue
			}
			kept = append(kept, a)
		}
		st["Action"] = kept
	}
	if !removed {
		t.Fatalf("%s does not grant %s", path, action)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// apiRequest is one request of the rotator as the API server's audit log records it.
type apiRequest struct {
	group, resource, verb, namespace, name string
	code                                   int
}

func (r apiRequest) String() string {
	s := r.verb + " " + r.resource
	if r.group != "" {
		s += "." + r.group
	}
	if r.name != "" {
		s += " " + r.name
	}
	if r.namespace != "" {
		s += " in " + r.namespace
	}
	return s
}

// apiRequests are the rotator's resource requests.
type apiRequests []apiRequest

// rotatorRequests reads the rotator's resource requests from the audit log.
func rotatorRequests(t *testing.T, e *lpEnv) apiRequests {
	t.Helper()
	f, err := os.Open(e.stack.Cluster.AuditLog())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out apiRequests
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var ev auditRecord
		if err := json.Unmarshal(scanner.Bytes(), &ev); err != nil || ev.User.Username != cluster.RotatorUser || ev.ObjectRef.Resource == "" || ev.Stage != "ResponseComplete" {
			continue
		}
		resource := ev.ObjectRef.Resource
		if ev.ObjectRef.Subresource != "" {
			resource += "/" + ev.ObjectRef.Subresource
		}
		out = append(out, apiRequest{group: ev.ObjectRef.APIGroup, resource: resource, verb: ev.Verb,
			namespace: ev.ObjectRef.Namespace, name: ev.ObjectRef.Name, code: ev.ResponseStatus.Code})
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// forbidden names the distinct requests the API server answered 403.
func (rs apiRequests) forbidden() []string {
	var out []string
	for _, r := range rs {
		if s := r.String(); r.code == 403 && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// covers reports whether rule grants request r.
func covers(rule permissions.KubernetesRule, r apiRequest) bool {
	return rule.Group == r.group && rule.Resource == r.resource && rule.Verb == r.verb &&
		(rule.Namespace == "" || rule.Namespace == r.namespace) && (rule.Name == "" || rule.Name == r.name)
}

// selfReview is whether r asks the API server about the caller itself, which every
// authenticated identity may do.
func selfReview(r apiRequest) bool {
	return (r.group == "authorization.k8s.io" && strings.HasPrefix(r.resource, "selfsubject")) ||
		(r.group == "authentication.k8s.io" && r.resource == "selfsubjectreviews")
}

// reportKubernetesUse fails the test for a request no rule of pkg/permissions covers, and
// logs the rules the rotation did not use.
func reportKubernetesUse(t *testing.T, requests apiRequests) {
	t.Helper()
	rules := permissions.Kubernetes()
	used := make([]bool, len(rules))
	var uncovered []string
	for _, r := range requests {
		if selfReview(r) {
			continue
		}
		found := false
		for i, rule := range rules {
			if covers(rule, r) {
				used[i], found = true, true
			}
		}
		if s := r.String(); !found && !slices.Contains(uncovered, s) {
			uncovered = append(uncovered, s)
		}
	}
	if len(uncovered) > 0 {
		t.Errorf("the rotator made requests pkg/permissions does not list:\n  %s", strings.Join(uncovered, "\n  "))
	}
	var unused []string
	for i, rule := range rules {
		if !used[i] {
			unused = append(unused, fmt.Sprintf("%s (%s: %s)", rule, rule.Need, rule.Why))
		}
	}
	t.Logf("%d Kubernetes requests as %s; rules granted but not used by this rotation:\n  %s", len(requests), cluster.RotatorUser, strings.Join(unused, "\n  "))
}

// reportAWSUse fails the test for an AWS call pkg/permissions does not list, and logs the
// actions the rotation did not call.
func reportAWSUse(t *testing.T, calls map[string]int) {
	t.Helper()
	listed := map[string]bool{}
	var unused []string
	for _, a := range permissions.AWS() {
		listed[a.Action] = true
		if calls[a.Action] == 0 {
			unused = append(unused, a.Action+" ("+a.Why+")")
		}
	}
	var called []string
	for action, n := range calls {
		if !listed[action] {
			t.Errorf("the rotation called %s (%d times), which pkg/permissions does not list", action, n)
		}
		called = append(called, fmt.Sprintf("%s=%d", action, n))
	}
	sort.Strings(called)
	t.Logf("AWS calls: %s; granted but not called by this rotation:\n  %s", strings.Join(called, " "), strings.Join(unused, "\n  "))
}
