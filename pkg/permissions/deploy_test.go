package permissions

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
)

// grant is one verb on one resource as an RBAC object grants it.
type grant struct{ group, resource, verb, namespace, name string }

func grantsOf(rules []KubernetesRule) []grant {
	out := make([]grant, 0, len(rules))
	for _, r := range rules {
		out = append(out, grant{r.Group, r.Resource, r.Verb, r.Namespace, r.Name})
	}
	return sortedGrants(out)
}

func sortedGrants(g []grant) []grant {
	sort.Slice(g, func(i, j int) bool {
		a, b := g[i], g[j]
		return strings.Join([]string{a.group, a.resource, a.verb, a.namespace, a.name}, "|") <
			strings.Join([]string{b.group, b.resource, b.verb, b.namespace, b.name}, "|")
	})
	return g
}

// rbacFile is deploy/rbac.yaml split by kind and name.
type rbacFile struct {
	roles    map[string]rbacv1.ClusterRole
	locals   map[string]rbacv1.Role
	bindings map[string]rbacv1.RoleRef
}

func readRBAC(t *testing.T, path string) rbacFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := rbacFile{roles: map[string]rbacv1.ClusterRole{}, locals: map[string]rbacv1.Role{}, bindings: map[string]rbacv1.RoleRef{}}
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch meta.Kind {
		case "":
		case "ClusterRole":
			var r rbacv1.ClusterRole
			mustStrict(t, doc, &r)
			f.roles[r.Name] = r
		case "Role":
			var r rbacv1.Role
			mustStrict(t, doc, &r)
			f.locals[r.Namespace+"/"+r.Name] = r
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			mustStrict(t, doc, &b)
			f.bindings["ClusterRoleBinding/"+b.Name] = b.RoleRef
		case "RoleBinding":
			var b rbacv1.RoleBinding
			mustStrict(t, doc, &b)
			f.bindings["RoleBinding/"+b.Namespace+"/"+b.Name] = b.RoleRef
		default:
			t.Fatalf("%s: unexpected kind %s", path, meta.Kind)
		}
	}
	return f
}

func mustStrict(t *testing.T, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Fatalf("deploy/rbac.yaml: %v", err)
	}
}

func expand(rules []rbacv1.PolicyRule, namespace string) []grant {
	var out []grant
	for _, r := range rules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					for _, n := range names {
						out = append(out, grant{g, res, v, namespace, n})
					}
				}
			}
		}
	}
	return out
}

func TestRBACGrantsExactlyWhatTheToolUses(t *testing.T) {
	f := readRBAC(t, "../../deploy/rbac.yaml")
	always := append(expand(f.roles["kubectl-rotate"].Rules, ""), expand(f.locals["kube-system/kubectl-rotate-lock"].Rules, "kube-system")...)
	var wantAlways, wantForce []KubernetesRule
	for _, r := range Kubernetes() {
		if r.Need == Always {
			wantAlways = append(wantAlways, r)
		} else {
			wantForce = append(wantForce, r)
		}
	}
	if got, want := sortedGrants(always), grantsOf(wantAlways); !slices.Equal(got, want) {
		t.Errorf("kubectl-rotate roles grant\n%v\nthe tool uses\n%v", got, want)
	}
	if got, want := sortedGrants(expand(f.roles["kubectl-rotate-force"].Rules, "")), grantsOf(wantForce); !slices.Equal(got, want) {
		t.Errorf("kubectl-rotate-force grants\n%v\nthe tool uses\n%v", got, want)
	}
	if ref := f.bindings["ClusterRoleBinding/kubectl-rotate"]; ref.Kind != "ClusterRole" || ref.Name != "kubectl-rotate" {
		t.Errorf("ClusterRoleBinding kubectl-rotate refers to %+v", ref)
	}
	if ref := f.bindings["RoleBinding/kube-system/kubectl-rotate-lock"]; ref.Kind != "Role" || ref.Name != "kubectl-rotate-lock" {
		t.Errorf("RoleBinding kube-system/kubectl-rotate-lock refers to %+v", ref)
	}
	if _, bound := f.bindings["ClusterRoleBinding/kubectl-rotate-force"]; bound {
		t.Error("kubectl-rotate-force must not be bound by default")
	}
}

// policyDocument is the part of an IAM policy document the test reads.
type policyDocument struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Resource  json.RawMessage
		Condition map[string]map[string][]string
	}
}

func TestIAMPolicyAllowsExactlyWhatTheToolCalls(t *testing.T) {
	data, err := os.ReadFile("../../deploy/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc policyDocument
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("deploy/iam-policy.json: %v", err)
	}
	if doc.Version != "2012-10-17" {
		t.Errorf("Version = %q, want 2012-10-17", doc.Version)
	}
	var got []string
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement %s: Effect %q, want Allow", s.Sid, s.Effect)
		}
		for _, a := range s.Action {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("statement %s: wildcard action %s grants more than the tool calls", s.Sid, a)
			}
			got = append(got, a)
		}
		if keys, ok := s.Condition["ForAllValues:StringEquals"]["aws:TagKeys"]; ok && !slices.Equal(keys, TaggedKeys()) {
			t.Errorf("statement %s limits tag keys to %v, the tool writes %v", s.Sid, keys, TaggedKeys())
		}
	}
	var want []string
	for _, a := range AWS() {
		want = append(want, a.Action)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("policy allows\n%v\nthe tool calls\n%v", got, want)
	}
}

func TestNamesAgreeWithTheEngine(t *testing.T) {
	if LockNamespace != exec.LockNamespace || LockName != exec.LockName {
		t.Errorf("lock %s/%s, the engine uses %s/%s", LockNamespace, LockName, exec.LockNamespace, exec.LockName)
	}
	if want := []string{exec.TagOriginalSizes, exec.TagRun}; !slices.Equal(TaggedKeys(), want) {
		t.Errorf("tag keys %v, the engine writes %v", TaggedKeys(), want)
	}
}
