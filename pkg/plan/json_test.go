package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// jsonObject decodes b into a generic JSON object, failing the test on an error.
func jsonObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

// requireKeys fails the test when obj lacks one of keys.
func requireKeys(t *testing.T, what string, obj any, keys ...string) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", what, obj)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("%s lacks key %q: %v", what, k, m)
		}
	}
	return m
}

// firstOf returns the first element of the JSON array obj.
func firstOf(t *testing.T, what string, obj any) any {
	t.Helper()
	a, ok := obj.([]any)
	if !ok || len(a) == 0 {
		t.Fatalf("%s is %v, want a non-empty array", what, obj)
	}
	return a[0]
}

func TestPlanJSONShape(t *testing.T) {
	f := Facts{
		Now: testNow(),
		Nodes: []NodeFacts{
			newNode("n1", "web", "us-east-1a", "ami-old", withPods(PodFacts{Namespace: "default", Name: "bare"})),
			unmanagedNode("bare-1", "not on AWS"),
		},
		Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", 1)},
		Images: testImages(),
	}
	p := mustBuild(t, f, Target{OlderThan: 30 * day}, Selection{}, Policy{MaxSurge: "25%"})
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	m := jsonObject(t, b)
	requireKeys(t, "plan", m, "apiVersion", "kind", "generated", "policy", "groups", "unmanaged", "batches", "blockers", "estimate")
	if m["apiVersion"] != "rotate.kubectl.io/v1alpha1" || m["kind"] != "RotationPlan" {
		t.Fatalf("apiVersion %v kind %v", m["apiVersion"], m["kind"])
	}
	if m["estimate"] != "5m0s" || m["generated"] != "2026-03-01T12:00:00Z" {
		t.Fatalf("estimate %v generated %v", m["estimate"], m["generated"])
	}
	policy := requireKeys(t, "policy", m["policy"], "maxSurge", "maxUnavailable", "deleteEmptyDirData", "olderThan")
	if policy["maxSurge"] != "25%" || policy["maxUnavailable"] != "0" || policy["olderThan"] != "30d" {
		t.Fatalf("policy %v", policy)
	}
	group := requireKeys(t, "group", firstOf(t, "groups", m["groups"]), "name", "kind", "targetAMI", "surge", "unavailable", "counts", "nodes")
	node := requireKeys(t, "node", firstOf(t, "nodes", group["nodes"]),
		"name", "instanceID", "zone", "currentAMI", "targetAMI", "action", "reason", "age", "batch", "evictions")
	if node["action"] != "rotate" || node["batch"] != float64(0) || node["age"] != "240h0m0s" {
		t.Fatalf("node %v", node)
	}
	requireKeys(t, "batch", firstOf(t, "batches", m["batches"]), "index", "group", "surge", "nodes", "zones")
	requireKeys(t, "blocker", firstOf(t, "blockers", m["blockers"]), "kind", "group", "node", "pod", "message")
	requireKeys(t, "unmanaged", firstOf(t, "unmanaged", m["unmanaged"]), "name", "reason")

	var back Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal into Plan: %v", err)
	}
	if !reflect.DeepEqual(&back, p) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, *p)
	}
}

func TestPlanJSONEmptyLists(t *testing.T) {
	f := Facts{Now: testNow().Add(time.Hour), Images: testImages()}
	p := mustBuild(t, f, Target{}, Selection{}, Policy{})
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	for _, want := range []string{`"groups":[]`, `"batches":[]`, `"blockers":[]`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("%s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), `"unmanaged"`) {
		t.Fatalf("%s has unmanaged nodes, want none", b)
	}
}
