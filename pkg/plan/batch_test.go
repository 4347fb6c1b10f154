package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestBuildBatches(t *testing.T) {
	tests := []struct {
		name    string
		perZone map[string]int
		policy  Policy
		// want is "group:node,node|..."; wantSurge the surge of each batch.
		want      string
		wantSurge []int
	}{
		{
			name:    "default surge one",
			perZone: map[string]int{"us-east-1a": 3},
			want:    "web:a01|web:a02|web:a03", wantSurge: []int{1, 1, 1},
		},
		{
			name:    "surge two",
			perZone: map[string]int{"us-east-1a": 3},
			policy:  Policy{MaxSurge: "2"},
			want:    "web:a01,a02|web:a03", wantSurge: []int{2, 1},
		},
		{
			name:    "surge and unavailable add up",
			perZone: map[string]int{"us-east-1a": 5},
			policy:  Policy{MaxSurge: "1", MaxUnavailable: "1"},
			want:    "web:a01,a02|web:a03,a04|web:a05", wantSurge: []int{1, 1, 1},
		},
		{
			name:    "unavailable only",
			perZone: map[string]int{"us-east-1a": 4},
			policy:  Policy{MaxSurge: "0", MaxUnavailable: "2"},
			want:    "web:a01,a02|web:a03,a04", wantSurge: []int{0, 0},
		},
		{
			name:    "surge percentage rounds up",
			perZone: map[string]int{"us-east-1a": 5},
			policy:  Policy{MaxSurge: "30%"}, // 1.5 -> 2
			want:    "web:a01,a02|web:a03,a04|web:a05", wantSurge: []int{2, 2, 1},
		},
		{
			name:    "unavailable percentage rounds down",
			perZone: map[string]int{"us-east-1a": 5},
			policy:  Policy{MaxSurge: "0", MaxUnavailable: "50%"}, // 2.5 -> 2
			want:    "web:a01,a02|web:a03,a04|web:a05", wantSurge: []int{0, 0, 0},
		},
		{
			name:    "zones interleave",
			perZone: map[string]int{"us-east-1a": 3, "us-east-1b": 2, "us-east-1c": 1},
			want:    "web:a01|web:b01|web:c01|web:a02|web:b02|web:a03", wantSurge: []int{1, 1, 1, 1, 1, 1},
		},
		{
			name:    "zones interleave across batches",
			perZone: map[string]int{"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2},
			policy:  Policy{MaxSurge: "2"},
			want:    "web:a01,b01|web:c01,a02|web:b02,c02", wantSurge: []int{2, 2, 2},
		},
		{
			name:    "zone share defers a small zone",
			perZone: map[string]int{"us-east-1a": 10, "us-east-1b": 2},
			policy:  Policy{MaxSurge: "6"}, // shares: a ceil(6*10/12) = 5, b ceil(6*2/12) = 1
			want:    "web:a01,b01,a02,a03,a04,a05|web:b02,a06,a07,a08,a09,a10", wantSurge: []int{6, 6},
		},
		{
			name:    "zone share adds a batch",
			perZone: map[string]int{"us-east-1a": 8, "us-east-1b": 1, "us-east-1c": 1},
			policy:  Policy{MaxSurge: "5"}, // share of a: ceil(5*8/10) = 4
			want:    "web:a01,b01,c01,a02,a03|web:a04,a05,a06,a07|web:a08", wantSurge: []int{5, 4, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := zonedNodes("web", tt.perZone)
			f := Facts{Now: testNow(), Nodes: nodes, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", len(nodes))}, Images: testImages()}
			p := mustBuild(t, f, Target{}, Selection{}, tt.policy)
			if got := batchNodes(p); got != tt.want {
				t.Fatalf("batches\n got %s\nwant %s", got, tt.want)
			}
			var surges []int
			for i, b := range p.Batches {
				surges = append(surges, b.Surge)
				if b.Index != i {
					t.Fatalf("batch %d has index %d", i, b.Index)
				}
				for _, n := range b.Nodes {
					if got := findNode(t, p, n).Batch; got != i {
						t.Fatalf("node %s says batch %d, is in batch %d", n, got, i)
					}
				}
			}
			if !slices.Equal(surges, tt.wantSurge) {
				t.Fatalf("surges %v, want %v", surges, tt.wantSurge)
			}
		})
	}
}

func TestBuildBatchesAcrossGroups(t *testing.T) {
	tests := []struct {
		name      string
		groups    []GroupFacts
		nodes     []NodeFacts
		policy    Policy
		want      string
		wantSurge []int
	}{
		{
			name: "control plane first, one node at a time without surge, then groups by name",
			groups: []GroupFacts{
				newGroup("workers-b", KindASG, "ami-new", 2),
				newGroup("masters", KindControlPlane, "ami-new", 3),
				newGroup("workers-a", KindKops, "ami-new", 1),
			},
			nodes: []NodeFacts{
				newNode("wb1", "workers-b", "us-east-1a", "ami-old"),
				newNode("wb2", "workers-b", "us-east-1b", "ami-old"),
				newNode("m1", "masters", "us-east-1a", "ami-old", withKind(KindControlPlane)),
				newNode("m2", "masters", "us-east-1b", "ami-old", withKind(KindControlPlane)),
				newNode("m3", "masters", "us-east-1c", "ami-old", withKind(KindControlPlane)),
				newNode("wa1", "workers-a", "us-east-1a", "ami-old", withKind(KindKops)),
			},
			policy:    Policy{MaxSurge: "5"},
			want:      "masters:m1|masters:m2|masters:m3|workers-a:wa1|workers-b:wb1,wb2",
			wantSurge: []int{0, 0, 0, 1, 2},
		},
		{
			name:   "kept nodes take no batch",
			groups: []GroupFacts{newGroup("web", KindASG, "ami-new", 3)},
			nodes: []NodeFacts{
				newNode("n1", "web", "us-east-1a", "ami-new"),
				newNode("n2", "web", "us-east-1a", "ami-old"),
				newNode("n3", "web", "us-east-1a", "ami-new"),
			},
			want:      "web:n2",
			wantSurge: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Facts{Now: testNow(), Nodes: tt.nodes, Groups: tt.groups, Images: testImages()}
			p := mustBuild(t, f, Target{}, Selection{}, tt.policy)
			if got := batchNodes(p); got != tt.want {
				t.Fatalf("batches\n got %s\nwant %s", got, tt.want)
			}
			for i, b := range p.Batches {
				if b.Index != i || b.Surge != tt.wantSurge[i] {
					t.Fatalf("batch %d: index %d surge %d, want index %d surge %d", i, b.Index, b.Surge, i, tt.wantSurge[i])
				}
			}
			for _, g := range p.Groups {
				for _, n := range g.Nodes {
					if n.Action != ActionRotate && n.Batch != -1 {
						t.Fatalf("node %s is not rotated but has batch %d", n.Name, n.Batch)
					}
				}
			}
		})
	}
}

func TestBuildBatchZones(t *testing.T) {
	nodes := zonedNodes("web", map[string]int{"us-east-1a": 2, "us-east-1b": 1})
	f := Facts{Now: testNow(), Nodes: nodes, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", 3)}, Images: testImages()}
	p := mustBuild(t, f, Target{}, Selection{}, Policy{MaxSurge: "3"})
	if len(p.Batches) != 1 {
		t.Fatalf("got %d batches, want 1", len(p.Batches))
	}
	if got := strings.Join(p.Batches[0].Zones, ","); got != "us-east-1a,us-east-1b" {
		t.Fatalf("zones %s, want us-east-1a,us-east-1b", got)
	}
}

// TestCutBatchesKeepsZoneShares cuts random groups and checks every batch against the zone
// share, the batch size and that each node is placed exactly once.
func TestCutBatchesKeepsZoneShares(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		zones := 1 + rng.IntN(4)
		var nodes []Node
		for z := range zones {
			for i := range rng.IntN(12) {
				nodes = append(nodes, Node{Name: fmt.Sprintf("z%d-%02d", z, i), Zone: fmt.Sprintf("zone-%d", z)})
			}
		}
		if len(nodes) == 0 {
			continue
		}
		ptrs := make([]*Node, len(nodes))
		perZone := map[string]int{}
		for i := range nodes {
			ptrs[i] = &nodes[i]
			perZone[nodes[i].Zone]++
		}
		size := 1 + rng.IntN(6)
		seen := map[string]bool{}
		for bi, batch := range cutBatches(ptrs, size) {
			if len(batch) == 0 || len(batch) > size {
				t.Fatalf("round %d batch %d has %d nodes, size %d", round, bi, len(batch), size)
			}
			inBatch := map[string]int{}
			for _, n := range batch {
				if seen[n.Name] {
					t.Fatalf("round %d: node %s placed twice", round, n.Name)
				}
				seen[n.Name] = true
				inBatch[n.Zone]++
			}
			for zone, count := range inBatch {
				share := max(1, (size*perZone[zone]+len(nodes)-1)/len(nodes))
				if count > share {
					t.Fatalf("round %d batch %d: zone %s has %d nodes, share %d", round, bi, zone, count, share)
				}
			}
		}
		if len(seen) != len(nodes) {
			t.Fatalf("round %d: placed %d of %d nodes", round, len(seen), len(nodes))
		}
	}
}
