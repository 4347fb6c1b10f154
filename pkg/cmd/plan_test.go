package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
	"github.com/kubectl-rotate/kubectl-rotate/test/world"
)

const (
	amiOld   = "ami-0000000000000a001"
	amiNew   = "ami-0000000000000a002"
	amiArm   = "ami-0000000000000b001"
	amiSSM   = "ami-0000000000000c001"
	region   = "us-east-1"
	eksName  = "prod"
	noSuchID = "ami-0000000000000dead"
)

var zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// testWorld is a small cluster of three kinds of group on a simulated AWS.
type testWorld struct {
	cloud  *awssim.Cloud
	server *awssim.Server
	env    Environment
	kube   *fake.Clientset
	// authz answers the SelfSubjectAccessReviews of kube; it allows everything until told.
	authz *authorizer
}

func newTestWorld(t *testing.T) *testWorld {
	t.Helper()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cloud := awssim.NewCloud(region)
	objs, err := world.Build(cloud, world.Spec{
		Region: region, Cluster: eksName, Created: now.Add(-40 * 24 * time.Hour),
		Groups: []world.GroupSpec{
			{Name: "workers", Kind: world.KindASG, Zones: zones, Nodes: 4, CurrentAMI: amiOld, TargetAMI: amiNew, PodsPerNode: 2},
			{Name: "managed", Kind: world.KindEKSManaged, Zones: zones[:2], Nodes: 2, CurrentAMI: amiNew, TargetAMI: amiNew},
			{Name: "nodes-kops", Kind: world.KindKops, Zones: zones[:1], Nodes: 2, CurrentAMI: amiOld, TargetAMI: amiNew, PodsPerNode: 1, PDBBlocks: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cloud.AddImage(awssim.Image{ID: amiArm, Name: "arm", Architecture: "arm64"}); err != nil {
		t.Fatal(err)
	}
	if err := cloud.AddImage(awssim.Image{ID: amiSSM, Name: "eks-al2023", OwnerAlias: "amazon"}); err != nil {
		t.Fatal(err)
	}
	if err := cloud.SetParameter(awscloud.ParameterName(awscloud.ImageQuery{KubernetesMinor: "1.36", Architecture: "amd64", OS: awscloud.OSFamily("AL2023")}), amiSSM); err != nil {
		t.Fatal(err)
	}
	objs = append(objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bare-metal-1"}})
	server, err := awssim.Start(cloud)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	kube := fake.NewClientset(objs...)
	authz := answerAccessReviews(kube)
	return &testWorld{cloud: cloud, server: server, kube: kube, authz: authz, env: Environment{
		Now: func() time.Time { return now },
		NewClients: func(context.Context, *GlobalOptions) (*Clients, error) {
			return &Clients{Kubernetes: kube, Cloud: awscloud.NewClients(server.AWSConfig())}, nil
		},
	}}
}

type result struct {
	code        int
	out, errOut string
}

func run(t *testing.T, env Environment, args ...string) result {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	code := Main(context.Background(), args, streams, env)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

func TestPlanTable(t *testing.T) {
	w := newTestWorld(t)
	r := run(t, w.env, "plan")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{
		"Rotation plan: 6 to rotate, 2 to keep, 0 to skip",
		"workers (asg)", "managed (eks-managed)", "nodes-kops (kops)",
		"workers-000", amiOld, amiNew, "launch template",
		"bare-metal-1", "no spec.providerID",
		"apps/nodes-kops",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
}

func TestPlanNodegroupOfSelectsTheNodesGroup(t *testing.T) {
	w := newTestWorld(t)
	r := run(t, w.env, "plan", "--nodegroup-of", "workers-000")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "workers (asg)") || strings.Contains(r.out, "managed (eks-managed)") || strings.Contains(r.out, "nodes-kops (kops)") {
		t.Errorf("plan is not the group of workers-000 alone:\n%s", r.out)
	}
}

func TestPlanJSONShapeAndSavedPlan(t *testing.T) {
	w := newTestWorld(t)
	saved := filepath.Join(t.TempDir(), "plan.json")
	r := run(t, w.env, "plan", "-o", "json", "--out", saved, "--nodegroup", "workers", "--max-surge", "50%")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Groups     []struct {
			Name      string                       `json:"name"`
			Kind      string                       `json:"kind"`
			TargetAMI string                       `json:"targetAMI"`
			Nodes     []map[string]json.RawMessage `json:"nodes"`
		} `json:"groups"`
		Batches  []map[string]json.RawMessage `json:"batches"`
		Blockers []map[string]json.RawMessage `json:"blockers"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.out)
	}
	if doc.APIVersion != "rotate.kubectl.io/v1alpha1" || doc.Kind != "RotationPlan" {
		t.Errorf("apiVersion, kind = %q, %q", doc.APIVersion, doc.Kind)
	}
	if len(doc.Groups) != 1 || doc.Groups[0].Name != "workers" || doc.Groups[0].Kind != "asg" || doc.Groups[0].TargetAMI != amiNew {
		t.Fatalf("groups = %+v", doc.Groups)
	}
	for _, key := range []string{"name", "instanceID", "zone", "currentAMI", "targetAMI", "action", "reason"} {
		if _, ok := doc.Groups[0].Nodes[0][key]; !ok {
			t.Errorf("node lacks key %q", key)
		}
	}
	// 4 nodes, surge 50% of 4 = 2: two batches.
	if len(doc.Batches) != 2 {
		t.Errorf("got %d batches, want 2", len(doc.Batches))
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != r.out {
		t.Errorf("saved plan differs from the printed one")
	}
}

func TestPlanAMILatest(t *testing.T) {
	w := newTestWorld(t)
	r := run(t, w.env, "plan", "--ami", "latest", "-o", "yaml")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "targetAMI: "+amiSSM) || !strings.Contains(r.out, "kind: RotationPlan") {
		t.Errorf("plan does not target the SSM image %s:\n%s", amiSSM, r.out)
	}
}

func TestPlanBadInput(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		code      int
		message   string
		noAWSCall bool
	}{
		{name: "malformed AMI", args: []string{"plan", "--ami", "ami-xyz"}, code: ExitUsage, message: "ami-xyz", noAWSCall: true},
		{name: "unknown AMI", args: []string{"plan", "--ami", noSuchID}, code: ExitError, message: "not found"},
		{name: "wrong architecture", args: []string{"plan", "--ami", amiArm}, code: ExitError, message: "arm64"},
		{name: "unknown node group", args: []string{"plan", "--nodegroup", "nope"}, code: ExitError, message: `"nope"`},
		{name: "group of an unknown node", args: []string{"plan", "--nodegroup-of", "ghost"}, code: ExitError, message: `node "ghost" not found`},
		{name: "group of an unmanaged node", args: []string{"plan", "--nodegroup-of", "bare-metal-1"}, code: ExitError, message: `"bare-metal-1" belongs to no group`},
		{name: "both zero", args: []string{"plan", "--max-surge", "0", "--max-unavailable", "0"}, code: ExitUsage, message: "cannot both be 0", noAWSCall: true},
		{name: "bad percentage", args: []string{"plan", "--max-surge", "150%x"}, code: ExitUsage, message: "--max-surge", noAWSCall: true},
		{name: "bad selector", args: []string{"plan", "-l", "a in (b"}, code: ExitUsage, message: "--selector", noAWSCall: true},
		{name: "unknown flag", args: []string{"plan", "--frobnicate"}, code: ExitUsage, message: "unknown flag", noAWSCall: true},
		{name: "bad output", args: []string{"plan", "-o", "xml"}, code: ExitUsage, message: "wide, json or yaml", noAWSCall: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			r := run(t, w.env, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, tt.code, r.errOut)
			}
			if !strings.Contains(r.errOut, tt.message) {
				t.Errorf("stderr %q lacks %q", r.errOut, tt.message)
			}
			if r.out != "" {
				t.Errorf("printed a plan despite the error:\n%s", r.out)
			}
			if tt.noAWSCall && w.server.TotalCalls() != 0 {
				t.Errorf("made %d AWS calls for bad input", w.server.TotalCalls())
			}
		})
	}
}

// TestPlanSetupErrors runs the real client construction: kubeconfig and AWS credentials.
func TestPlanSetupErrors(t *testing.T) {
	dir := t.TempDir()
	// The server is never contacted: every case fails before the first request.
	kubeconfig := unreachableKubeconfig(t, dir, "ctx")
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		message string
	}{
		{name: "unknown context", args: []string{"plan", "--kubeconfig", kubeconfig, "--context", "staging"}, message: `context "staging" is not in your kubeconfig`},
		{name: "missing kubeconfig", args: []string{"plan", "--kubeconfig", filepath.Join(dir, "nope")}, message: "cannot be read"},
		{name: "no kubeconfig at all", args: []string{"plan"}, env: map[string]string{"KUBECONFIG": filepath.Join(dir, "absent")}, message: "kubeconfig"},
		{name: "no AWS credentials", args: []string{"plan", "--kubeconfig", kubeconfig, "--region", region}, message: "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "KUBECONFIG"} {
				t.Setenv(k, "")
			}
			t.Setenv("HOME", home)
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := run(t, Environment{}, tt.args...)
			if r.code != ExitError {
				t.Errorf("exit %d, want %d", r.code, ExitError)
			}
			if !strings.Contains(r.errOut, tt.message) {
				t.Errorf("stderr %q lacks %q", r.errOut, tt.message)
			}
			if strings.Count(strings.TrimSpace(r.errOut), "\n") != 0 {
				t.Errorf("want one line of error, got:\n%s", r.errOut)
			}
			if strings.Contains(r.errOut, "secret-token") {
				t.Errorf("error printed a credential: %s", r.errOut)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := run(t, Environment{Version: VersionInfo{Version: "v1.2.3", Commit: "abc1234"}}, "version")
	if r.code != ExitOK || !strings.HasPrefix(r.out, "kubectl-rotate v1.2.3 (abc1234)") {
		t.Errorf("version printed %q (exit %d)", r.out, r.code)
	}
}

// TestPlanThroughAWSEndpointURL loads the AWS configuration the way the plugin does, with the
// endpoint, region and credentials coming from the standard environment variables.
func TestPlanThroughAWSEndpointURL(t *testing.T) {
	w := newTestWorld(t)
	t.Setenv("HOME", t.TempDir())
	for _, kv := range w.server.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	base := w.env.NewClients
	env := w.env
	env.NewClients = func(ctx context.Context, g *GlobalOptions) (*Clients, error) {
		withFakeKube, err := base(ctx, g)
		if err != nil {
			return nil, err
		}
		cfg, err := awscloud.LoadConfig(ctx, g.Region, g.Profile)
		if err != nil {
			return nil, err
		}
		return &Clients{Kubernetes: withFakeKube.Kubernetes, Cloud: awscloud.NewClients(cfg)}, nil
	}
	w.server.ResetCalls()
	r := run(t, env, "plan", "--nodegroup", "workers")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "workers-000") || w.server.Calls()["ec2:DescribeInstances"] == 0 {
		t.Errorf("plan did not go through the simulator (calls %v):\n%s", w.server.Calls(), r.out)
	}
}

func TestPlanOlderThan(t *testing.T) {
	tests := []struct {
		name    string
		age     string
		code    int
		rotated int
	}{
		{name: "days, all nodes older", age: "30d", code: ExitOK, rotated: 8},
		{name: "hours, none older", age: "1000h", code: ExitOK, rotated: 6},
		{name: "not a duration", age: "a month", code: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t)
			r := run(t, w.env, "plan", "--older-than", tt.age)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.errOut)
			}
			if tt.code == ExitOK && !strings.Contains(r.out, fmt.Sprintf("Rotation plan: %d to rotate", tt.rotated)) {
				t.Errorf("want %d to rotate:\n%s", tt.rotated, r.out)
			}
		})
	}
}

// unreachableKubeconfig writes into dir a kubeconfig whose one context, named context, points
// at a port nothing listens on, with a token no output may show, and returns its path.
func unreachableKubeconfig(t *testing.T, dir, context string) string {
	t.Helper()
	path := filepath.Join(dir, "kubeconfig")
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: secret-token}}]
contexts: [{name: %s, context: {cluster: c, user: u}}]
current-context: %s
`, context, context)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
