package plan

import (
	"testing"
	"time"
)

func TestBuildEstimate(t *testing.T) {
	tests := []struct {
		name   string
		nodes  int
		policy Policy
		want   time.Duration
	}{
		{name: "defaults, one node per batch", nodes: 3, want: 3 * (3*time.Minute + 2*time.Minute)},
		{name: "two per batch", nodes: 3, policy: Policy{MaxSurge: "2"}, want: 2 * 5 * time.Minute},
		{name: "without surge", nodes: 2, policy: Policy{MaxSurge: "0", MaxUnavailable: "1"}, want: 2 * 5 * time.Minute},
		{name: "custom times", nodes: 2, policy: Policy{BootTime: 90 * time.Second, DrainTime: 30 * time.Second}, want: 2 * 2 * time.Minute},
		{name: "nothing to rotate", nodes: 0, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := []NodeFacts{newNode("kept", "web", "us-east-1a", "ami-new")}
			if tt.nodes > 0 {
				nodes = zonedNodes("web", map[string]int{"us-east-1a": tt.nodes})
			}
			f := Facts{Now: testNow(), Nodes: nodes, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", len(nodes))}, Images: testImages()}
			p := mustBuild(t, f, Target{}, Selection{}, tt.policy)
			if got := time.Duration(p.Estimate); got != tt.want {
				t.Fatalf("estimate %v, want %v", got, tt.want)
			}
		})
	}
}
