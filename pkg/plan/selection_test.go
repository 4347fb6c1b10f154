package plan

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

// selectionFacts is a cluster of three groups, two nodes each, and two unmanaged nodes.
func selectionFacts() Facts {
	return Facts{
		Now: testNow(),
		Nodes: []NodeFacts{
			newNode("web-1", "web", "us-east-1a", "ami-old", withLabel("tier", "front")),
			newNode("web-2", "web", "us-east-1b", "ami-old", withLabel("tier", "front")),
			newNode("api-1", "api", "us-east-1a", "ami-old", withLabel("tier", "back")),
			newNode("api-2", "api", "us-east-1b", "ami-old"),
			newNode("db-1", "db", "us-east-1a", "ami-old", withLabel("tier", "back")),
			newNode("db-2", "db", "us-east-1b", "ami-old", withLabel("tier", "back")),
			unmanagedNode("bare-1", "instance i-bare-1 belongs to no Auto Scaling group"),
			unmanagedNode("onprem-1", "node has no AWS provider ID"),
		},
		Groups: []GroupFacts{
			newGroup("web", KindASG, "ami-new", 2),
			newGroup("api", KindASG, "ami-new", 2),
			newGroup("db", KindASG, "ami-new", 2),
		},
		Images: testImages(),
	}
}

// planNodeNames renders the plan as "group:node,node;group:...".
func planNodeNames(p *Plan) string {
	var parts []string
	for _, g := range p.Groups {
		names := make([]string, len(g.Nodes))
		for i, n := range g.Nodes {
			names[i] = n.Name
		}
		parts = append(parts, g.Name+":"+strings.Join(names, ","))
	}
	return strings.Join(parts, ";")
}

// unmanagedNames renders the plan's unmanaged nodes as "node,node".
func unmanagedNames(p *Plan) string {
	names := make([]string, len(p.Unmanaged))
	for i, u := range p.Unmanaged {
		names[i] = u.Name
	}
	return strings.Join(names, ",")
}

func TestBuildSelection(t *testing.T) {
	tests := []struct {
		name          string
		selection     Selection
		want          string
		wantUnmanaged string
		wantErr       string
	}{
		{
			name:          "everything managed by default",
			want:          "api:api-1,api-2;db:db-1,db-2;web:web-1,web-2",
			wantUnmanaged: "bare-1,onprem-1",
		},
		{
			name:          "by group",
			selection:     Selection{Groups: []string{"web", "db"}},
			want:          "db:db-1,db-2;web:web-1,web-2",
			wantUnmanaged: "bare-1,onprem-1",
		},
		{
			name:      "by node",
			selection: Selection{Nodes: []string{"web-2", "api-1"}},
			want:      "api:api-1;web:web-2",
		},
		{
			name:          "by the group of a node",
			selection:     Selection{GroupsOf: []string{"api-2"}},
			want:          "api:api-1,api-2",
			wantUnmanaged: "bare-1,onprem-1",
		},
		{
			name:          "groups of nodes and named groups combine",
			selection:     Selection{Groups: []string{"db"}, GroupsOf: []string{"web-1", "web-2"}},
			want:          "db:db-1,db-2;web:web-1,web-2",
			wantUnmanaged: "bare-1,onprem-1",
		},
		{
			name:      "group of an unknown node",
			selection: Selection{GroupsOf: []string{"ghost"}},
			wantErr:   `node "ghost" not found in the cluster`,
		},
		{
			name:      "group of an unmanaged node",
			selection: Selection{GroupsOf: []string{"bare-1"}},
			wantErr:   `node "bare-1" belongs to no group that can be rotated: instance i-bare-1 belongs to no Auto Scaling group`,
		},
		{
			name:      "by selector",
			selection: Selection{Selector: labels.SelectorFromSet(labels.Set{"tier": "back"})},
			want:      "api:api-1;db:db-1,db-2",
		},
		{
			name:      "filters combine",
			selection: Selection{Groups: []string{"api"}, Selector: labels.SelectorFromSet(labels.Set{"tier": "back"})},
			want:      "api:api-1",
		},
		{
			name:          "selector that matches an unmanaged node",
			selection:     Selection{Selector: labels.SelectorFromSet(labels.Set{"kubernetes.io/hostname": "bare-1"})},
			want:          "",
			wantUnmanaged: "bare-1",
		},
		{
			name:      "unknown group",
			selection: Selection{Groups: []string{"web", "foo"}},
			wantErr:   `node group "foo" not found; known groups: api, db, web`,
		},
		{
			name:      "unknown node",
			selection: Selection{Nodes: []string{"web-1", "ghost"}},
			wantErr:   `node "ghost" not found in the cluster`,
		},
		{
			name:      "unmanaged node named",
			selection: Selection{Nodes: []string{"onprem-1"}},
			wantErr:   `node "onprem-1" cannot be rotated: node has no AWS provider ID`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(selectionFacts(), Target{}, tt.selection, Policy{})
			if wantError(t, err, tt.wantErr) {
				return
			}
			if got := planNodeNames(p); got != tt.want {
				t.Fatalf("groups %q, want %q", got, tt.want)
			}
			if got := unmanagedNames(p); got != tt.wantUnmanaged {
				t.Fatalf("unmanaged %q, want %q", got, tt.wantUnmanaged)
			}
			for _, u := range p.Unmanaged {
				if u.Reason == "" {
					t.Fatalf("unmanaged node %s has no reason", u.Name)
				}
			}
		})
	}
}

func TestBuildUnknownGroupWithoutGroups(t *testing.T) {
	f := Facts{Now: testNow(), Nodes: []NodeFacts{unmanagedNode("bare-1", "not on AWS")}}
	_, err := Build(f, Target{}, Selection{Groups: []string{"web"}}, Policy{})
	wantError(t, err, `node group "web" not found; the cluster has no managed node groups`)
}

func TestBuildManagedNodeWithoutGroupIsUnmanaged(t *testing.T) {
	f := selectionFacts()
	f.Nodes = append(f.Nodes, newNode("lost-1", "", "us-east-1a", "ami-old"))
	p := mustBuild(t, f, Target{}, Selection{}, Policy{})
	if got := unmanagedNames(p); got != "bare-1,lost-1,onprem-1" {
		t.Fatalf("unmanaged %q, want bare-1,lost-1,onprem-1", got)
	}
}
