package plan

import (
	"strings"
	"testing"
	"time"
)

func TestBuildTargets(t *testing.T) {
	type want struct {
		node   string
		target string
		action Action
		reason string
	}
	tests := []struct {
		name       string
		group      GroupFacts
		nodes      []NodeFacts
		target     Target
		want       []want
		wantGroup  string // the group's target image
		wantSource string
		wantCounts Counts
	}{
		{
			name:  "drift to the launch template image",
			group: newGroup("web", KindASG, "ami-new", 2),
			nodes: []NodeFacts{
				newNode("n1", "web", "us-east-1a", "ami-old"),
				newNode("n2", "web", "us-east-1a", "ami-new"),
			},
			want: []want{
				{"n1", "ami-new", ActionRotate, "ami-old -> ami-new"},
				{"n2", "ami-new", ActionKeep, "already on target image"},
			},
			wantGroup: "ami-new", wantSource: "launch template lt-1 version 2", wantCounts: Counts{Rotate: 1, Keep: 1},
		},
		{
			name:  "explicit image overrides the group",
			group: newGroup("web", KindASG, "ami-new", 2),
			nodes: []NodeFacts{
				newNode("n1", "web", "us-east-1a", "ami-old"),
				newNode("n2", "web", "us-east-1a", "ami-new"),
			},
			target: Target{AMI: "ami-old"},
			want: []want{
				{"n1", "ami-old", ActionKeep, "already on target image"},
				{"n2", "ami-old", ActionRotate, "ami-new -> ami-old"},
			},
			wantGroup: "ami-old", wantSource: SourceExplicit, wantCounts: Counts{Rotate: 1, Keep: 1},
		},
		{
			name:  "per-node image, others drift",
			group: newGroup("web", KindASG, "ami-new", 2),
			nodes: []NodeFacts{
				newNode("n1", "web", "us-east-1a", "ami-old"),
				newNode("n2", "web", "us-east-1a", "ami-new"),
			},
			target: Target{PerNode: map[string]string{"n1": "ami-new"}},
			want: []want{
				{"n1", "ami-new", ActionRotate, "ami-old -> ami-new"},
				{"n2", "ami-new", ActionKeep, "already on target image"},
			},
			wantGroup: "ami-new", wantSource: SourceLatest, wantCounts: Counts{Rotate: 1, Keep: 1},
		},
		{
			name:  "older than",
			group: newGroup("web", KindASG, "ami-new", 2),
			nodes: []NodeFacts{
				newNode("n1", "web", "us-east-1a", "ami-new", withAge(45*day+3*time.Hour)),
				newNode("n2", "web", "us-east-1a", "ami-new", withAge(29*day)),
			},
			target: Target{OlderThan: 30 * day},
			want: []want{
				{"n1", "ami-new", ActionRotate, "age 45d3h exceeds --older-than 30d"},
				{"n2", "ami-new", ActionKeep, "already on target image"},
			},
			wantGroup: "ami-new", wantSource: "launch template lt-1 version 2", wantCounts: Counts{Rotate: 1, Keep: 1},
		},
		{
			name: "unknown target is skipped",
			group: GroupFacts{Name: "web", Kind: KindASG, MaxSize: 3, DesiredCapacity: 1,
				TargetSource: "launch template has no image"},
			nodes: []NodeFacts{newNode("n1", "web", "us-east-1a", "ami-old")},
			want: []want{
				{"n1", "", ActionSkip, "group has no target image (launch template has no image); pass --ami"},
			},
			wantGroup: "", wantSource: "launch template has no image", wantCounts: Counts{Skip: 1},
		},
		{
			name:  "karpenter drift is left to karpenter",
			group: GroupFacts{Name: "default", Kind: KindKarpenter, TargetAMI: "ami-new"},
			nodes: []NodeFacts{newNode("k1", "default", "us-east-1a", "ami-old", withKind(KindKarpenter))},
			want: []want{
				{"k1", "ami-new", ActionSkip, "Karpenter replaces drifted nodes itself; pass --ami to force a rotation"},
			},
			wantGroup: "ami-new", wantCounts: Counts{Skip: 1},
		},
		{
			name:   "karpenter with explicit image",
			group:  GroupFacts{Name: "default", Kind: KindKarpenter},
			nodes:  []NodeFacts{newNode("k1", "default", "us-east-1a", "ami-old", withKind(KindKarpenter))},
			target: Target{AMI: "ami-new"},
			want: []want{
				{"k1", "ami-new", ActionRotate, "ami-old -> ami-new"},
			},
			wantGroup: "ami-new", wantSource: SourceExplicit, wantCounts: Counts{Rotate: 1},
		},
		{
			name:  "karpenter with differing per-node images",
			group: GroupFacts{Name: "default", Kind: KindKarpenter},
			nodes: []NodeFacts{
				newNode("k1", "default", "us-east-1a", "ami-old", withKind(KindKarpenter)),
				newNode("k2", "default", "us-east-1a", "ami-old", withKind(KindKarpenter), withArch("arm64")),
			},
			target: Target{PerNode: map[string]string{"k1": "ami-new", "k2": "ami-arm"}},
			want: []want{
				{"k1", "ami-new", ActionRotate, "ami-old -> ami-new"},
				{"k2", "ami-arm", ActionRotate, "ami-old -> ami-arm"},
			},
			wantGroup: "", wantSource: SourceLatest, wantCounts: Counts{Rotate: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Facts{Now: testNow(), Nodes: tt.nodes, Groups: []GroupFacts{tt.group}, Images: testImages()}
			p := mustBuild(t, f, tt.target, Selection{}, Policy{})
			for _, w := range tt.want {
				n := findNode(t, p, w.node)
				if n.TargetAMI != w.target || n.Action != w.action || n.Reason != w.reason {
					t.Errorf("node %s: %s %s %q, want %s %s %q", w.node, n.TargetAMI, n.Action, n.Reason, w.target, w.action, w.reason)
				}
			}
			g := p.Groups[0]
			if g.TargetAMI != tt.wantGroup || g.TargetSource != tt.wantSource {
				t.Errorf("group target %q from %q, want %q from %q", g.TargetAMI, g.TargetSource, tt.wantGroup, tt.wantSource)
			}
			if g.Counts != tt.wantCounts {
				t.Errorf("counts %+v, want %+v", g.Counts, tt.wantCounts)
			}
		})
	}
}

func TestBuildImageErrors(t *testing.T) {
	tests := []struct {
		name    string
		nodes   []NodeFacts
		target  Target
		images  map[string]ImageFacts
		wantErr string
	}{
		{
			name:    "image not found",
			target:  Target{AMI: "ami-x"},
			wantErr: "image ami-x was not found in this region; check the ID and --region",
		},
		{
			name:    "image not available",
			target:  Target{AMI: "ami-gone"},
			images:  map[string]ImageFacts{"ami-gone": {ID: "ami-gone", State: "deregistered", Architecture: "amd64"}},
			wantErr: "image ami-gone is deregistered, not available; pick an available image",
		},
		{
			name:   "architecture differs",
			target: Target{AMI: "ami-arm"},
			nodes: []NodeFacts{
				newNode("c1", "web", "us-east-1a", "ami-old"),
				newNode("b1", "web", "us-east-1a", "ami-old"),
				newNode("a1", "web", "us-east-1a", "ami-old", withArch("arm64")),
				newNode("d1", "web", "us-east-1a", "ami-old"),
			},
			wantErr: "image ami-arm is arm64 but 3 selected nodes are amd64 (e.g. b1); pick an amd64 image or narrow the selection with --nodegroup",
		},
		{
			name:    "architecture differs on one node",
			target:  Target{AMI: "ami-arm"},
			nodes:   []NodeFacts{newNode("a1", "web", "us-east-1a", "ami-old")},
			wantErr: "image ami-arm is arm64 but 1 selected node is amd64 (e.g. a1)",
		},
		{
			name:   "per-node image architecture differs",
			target: Target{PerNode: map[string]string{"a1": "ami-arm", "a2": "ami-new"}},
			nodes: []NodeFacts{
				newNode("a1", "web", "us-east-1a", "ami-old"),
				newNode("a2", "web", "us-east-1a", "ami-old"),
			},
			wantErr: "image ami-arm that --ami latest resolved is arm64 but 1 selected node is amd64 (e.g. a1)",
		},
		{
			name:   "per-node images differ within a group",
			target: Target{PerNode: map[string]string{"a1": "ami-new", "a2": "ami-newer"}},
			nodes: []NodeFacts{
				newNode("a1", "web", "us-east-1a", "ami-old"),
				newNode("a2", "web", "us-east-1a", "ami-old"),
			},
			wantErr: `nodes of group "web" need different images, ami-new (e.g. a1) and ami-newer (e.g. a2), but the group launches one; pass one image with --ami`,
		},
		{
			name:   "unselected nodes are not checked",
			target: Target{AMI: "ami-arm"},
			nodes: []NodeFacts{
				newNode("a1", "web", "us-east-1a", "ami-old", withArch("arm64")),
				unmanagedNode("x1", "not on AWS"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images := tt.images
			if images == nil {
				images = testImages()
			}
			f := Facts{Now: testNow(), Nodes: tt.nodes, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", len(tt.nodes))}, Images: images}
			_, err := Build(f, tt.target, Selection{}, Policy{})
			wantError(t, err, tt.wantErr)
		})
	}
}

func TestNodeAge(t *testing.T) {
	f := Facts{Now: testNow(), Nodes: []NodeFacts{
		newNode("n1", "web", "us-east-1a", "ami-new", withAge(36*time.Hour)),
		newNode("n2", "web", "us-east-1a", "ami-new", func(n *NodeFacts) { n.Created = time.Time{} }),
	}, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", 2)}, Images: testImages()}
	p := mustBuild(t, f, Target{OlderThan: time.Hour}, Selection{}, Policy{})
	if got := time.Duration(findNode(t, p, "n1").Age); got != 36*time.Hour {
		t.Fatalf("age %v, want 36h", got)
	}
	if n := findNode(t, p, "n2"); n.Age != 0 || n.Action != ActionKeep {
		t.Fatalf("node of unknown creation: age %v action %s, want 0 and keep", time.Duration(n.Age), n.Action)
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "days", in: 45 * day, want: "45d"},
		{name: "days and hours", in: day + 12*time.Hour + 5*time.Minute, want: "1d12h"},
		{name: "hours", in: 5 * time.Hour, want: "5h"},
		{name: "hours and minutes", in: 3*time.Hour + 20*time.Minute, want: "3h20m"},
		{name: "minutes", in: 12 * time.Minute, want: "12m"},
		{name: "seconds", in: 40 * time.Second, want: "40s"},
		{name: "negative", in: -time.Second, want: "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HumanDuration(tt.in); got != tt.want {
				t.Fatalf("HumanDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBuildTargetTheGroupDoesNotLaunch(t *testing.T) {
	tests := []struct {
		name    string
		group   GroupFacts
		kind    Kind
		target  Target
		wantErr string
	}{
		{name: "drift launches its own target", group: newGroup("web", KindASG, "ami-new", 1)},
		{name: "explicit image the group launches", group: newGroup("web", KindASG, "ami-new", 1), target: Target{AMI: "ami-new"}},
		{
			name: "explicit image the group does not launch", group: newGroup("web", KindASG, "ami-new", 1), target: Target{AMI: "ami-arm2"},
			wantErr: "group web launches ami-new (launch template lt-1 version 2), not the target ami-arm2",
		},
		{
			name: "latest image the group does not launch", group: newGroup("web", KindASG, "ami-old2", 1), target: Target{PerNode: map[string]string{"n1": "ami-new"}},
			wantErr: "publish ami-new in the group's launch template or node group first",
		},
		{
			name: "karpenter launches each node from its own image", group: GroupFacts{Name: "web", Kind: KindKarpenter, TargetAMI: "ami-old2"},
			kind: KindKarpenter, target: Target{AMI: "ami-new"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newNode("n1", "web", "us-east-1a", "ami-old")
			if tt.kind != "" {
				node = newNode("n1", "web", "us-east-1a", "ami-old", withKind(tt.kind))
			}
			images := testImages()
			images["ami-arm2"] = ImageFacts{ID: "ami-arm2", Architecture: "amd64", State: ImageStateAvailable}
			f := Facts{Now: testNow(), Nodes: []NodeFacts{node}, Groups: []GroupFacts{tt.group}, Images: images}
			p := mustBuild(t, f, tt.target, Selection{}, Policy{})
			err := p.Unreachable()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Unreachable() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Unreachable() = %v, want %q", err, tt.wantErr)
			}
			if len(p.Blockers) == 0 || p.Blockers[0].Kind != BlockerLaunchImage {
				t.Errorf("blockers %+v, want a launch-image blocker first", p.Blockers)
			}
		})
	}
}
