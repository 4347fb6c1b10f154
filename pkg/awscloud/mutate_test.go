package awscloud_test

import (
	"strings"
	"testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// addGroup adds a group of size instances launched from a one-version template.
func (s *sim) addGroup(tb testing.TB, name string, sizes awscloud.GroupSizes) []string {
	tb.Helper()
	must(tb, s.cloud.AddLaunchTemplate(awssim.LaunchTemplate{
		ID: templateID(7), Name: "nodes", Versions: []awssim.LaunchTemplateVersion{{Number: 1, ImageID: amiID(1), InstanceType: "m6i.large"}},
	}))
	must(tb, s.cloud.AddAutoScalingGroup(awssim.AutoScalingGroup{
		Name: name, MinSize: sizes.Min, MaxSize: sizes.Max, DesiredCapacity: sizes.Desired,
		Zones: []string{region + "a", region + "b"}, LaunchTemplate: &awssim.LaunchTemplateRef{ID: templateID(7), Version: "$Latest"},
		Tags: map[string]string{"team": "infra"},
	}))
	s.cloud.Reconcile()
	g, ok := s.cloud.AutoScalingGroup(name)
	if !ok {
		tb.Fatalf("group %s missing", name)
	}
	var ids []string
	for _, inst := range s.cloud.Instances() {
		if inst.AutoScalingGroup == g.Name {
			ids = append(ids, inst.ID)
		}
	}
	return ids
}

func TestGroupStateReadsSizesMembersAndTags(t *testing.T) {
	s := newSim(t)
	ids := s.addGroup(t, "workers", awscloud.GroupSizes{Min: 1, Desired: 3, Max: 5})
	got, err := s.clients.GroupState(ctx(), "workers")
	if err != nil {
		t.Fatalf("GroupState() error = %v", err)
	}
	if got.Sizes != (awscloud.GroupSizes{Min: 1, Desired: 3, Max: 5}) || got.Tags["team"] != "infra" || len(got.Members) != len(ids) {
		t.Fatalf("GroupState() = %+v, want sizes 1/3/5, tag team and %d members", got, len(ids))
	}
	for _, m := range got.Members {
		if !m.InCapacity() || m.Zone == "" {
			t.Errorf("member %+v: want in capacity with a zone", m)
		}
	}
	if _, err := s.clients.GroupState(ctx(), "ghost"); err == nil || !strings.Contains(err.Error(), "ghost does not exist") {
		t.Errorf("GroupState(ghost) error = %v, want a sentence naming the group", err)
	}
}

func TestSetGroupSizes(t *testing.T) {
	tests := []struct {
		name    string
		sizes   awscloud.GroupSizes
		wantErr string
		calls   int
	}{
		{name: "raise max and desired together", sizes: awscloud.GroupSizes{Min: 2, Desired: 6, Max: 6}, calls: 1},
		{name: "same sizes again is harmless", sizes: awscloud.GroupSizes{Min: 2, Desired: 3, Max: 4}, calls: 1},
		{name: "desired above max refused before calling", sizes: awscloud.GroupSizes{Min: 2, Desired: 5, Max: 4}, wantErr: "min <= desired <= max"},
		{name: "min above desired refused before calling", sizes: awscloud.GroupSizes{Min: 4, Desired: 3, Max: 4}, wantErr: "min <= desired <= max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			s.addGroup(t, "workers", awscloud.GroupSizes{Min: 2, Desired: 3, Max: 4})
			err := s.clients.SetGroupSizes(ctx(), "workers", tt.sizes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SetGroupSizes() error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("SetGroupSizes() error = %v", err)
			}
			if n := calls(s)["autoscaling:UpdateAutoScalingGroup"]; n != tt.calls {
				t.Errorf("UpdateAutoScalingGroup calls = %d, want %d", n, tt.calls)
			}
			if tt.wantErr != "" {
				return
			}
			g, _ := s.cloud.AutoScalingGroup("workers")
			if (awscloud.GroupSizes{Min: g.MinSize, Desired: g.DesiredCapacity, Max: g.MaxSize}) != tt.sizes {
				t.Errorf("group sizes = %d/%d/%d, want %s", g.MinSize, g.DesiredCapacity, g.MaxSize, tt.sizes)
			}
		})
	}
}

func TestSetGroupSizesRefusalExplained(t *testing.T) {
	s := newSim(t)
	s.addGroup(t, "workers", awscloud.GroupSizes{Min: 1, Desired: 2, Max: 3})
	err := s.clients.SetGroupSizes(ctx(), "ghost", awscloud.GroupSizes{Min: 1, Desired: 2, Max: 3})
	if err == nil || !strings.Contains(err.Error(), "update auto scaling group ghost to min 1, desired 2, max 3") || !strings.Contains(err.Error(), "AutoScalingGroup name not found") {
		t.Errorf("SetGroupSizes(ghost) error = %v, want AWS's refusal with context", err)
	}
}

func TestTerminateInGroup(t *testing.T) {
	s := newSim(t)
	ids := s.addGroup(t, "workers", awscloud.GroupSizes{Min: 1, Desired: 3, Max: 4})
	must(t, s.clients.TerminateInGroup(ctx(), ids[0], true))
	if g, _ := s.cloud.AutoScalingGroup("workers"); g.DesiredCapacity != 2 {
		t.Errorf("desired after decrementing termination = %d, want 2", g.DesiredCapacity)
	}
	// Repeating the call for an instance that is shutting down is harmless.
	must(t, s.clients.TerminateInGroup(ctx(), ids[0], true))
	if g, _ := s.cloud.AutoScalingGroup("workers"); g.DesiredCapacity != 2 {
		t.Errorf("desired after repeated termination = %d, want 2", g.DesiredCapacity)
	}
	must(t, s.clients.TerminateInGroup(ctx(), ids[1], false))
	if g, _ := s.cloud.AutoScalingGroup("workers"); g.DesiredCapacity != 2 {
		t.Errorf("desired after termination without decrement = %d, want 2", g.DesiredCapacity)
	}
	err := s.clients.TerminateInGroup(ctx(), instanceID(424242), true)
	if !awscloud.IsNotInGroup(err) || !strings.Contains(err.Error(), instanceID(424242)) {
		t.Errorf("TerminateInGroup(unknown) error = %v, want a NotInGroupError naming the instance", err)
	}
}

func TestGroupTagsRoundTrip(t *testing.T) {
	s := newSim(t)
	s.addGroup(t, "workers", awscloud.GroupSizes{Min: 1, Desired: 1, Max: 2})
	must(t, s.clients.TagGroup(ctx(), "workers", map[string]string{"rotate.kubectl.io/original-sizes": "1,1,2", "rotate.kubectl.io/run": "r1"}))
	tagged, err := s.clients.GroupState(ctx(), "workers")
	must(t, err)
	if tags := tagged.Tags; tags["rotate.kubectl.io/original-sizes"] != "1,1,2" || tags["rotate.kubectl.io/run"] != "r1" || tags["team"] != "infra" {
		t.Errorf("GroupState().Tags after TagGroup = %v", tags)
	}
	if n := calls(s)["autoscaling:DescribeTags"]; n != 0 {
		t.Errorf("DescribeTags calls = %d, want 0: tags come with DescribeAutoScalingGroups", n)
	}
	if g, _ := s.cloud.AutoScalingGroup("workers"); !g.NoPropagateTags["rotate.kubectl.io/run"] {
		t.Errorf("rotation tags must not propagate to instances: %v", g.NoPropagateTags)
	}
	must(t, s.clients.UntagGroup(ctx(), "workers", []string{"rotate.kubectl.io/original-sizes", "rotate.kubectl.io/run"}))
	state, err := s.clients.GroupState(ctx(), "workers")
	must(t, err)
	if _, ok := state.Tags["rotate.kubectl.io/run"]; ok || state.Tags["team"] != "infra" {
		t.Errorf("tags after UntagGroup = %v, want only team", state.Tags)
	}
}

func TestSetNodegroupSizes(t *testing.T) {
	s := newSim(t)
	s.addGroup(t, "eks-apps-1", awscloud.GroupSizes{Min: 3, Desired: 3, Max: 5})
	must(t, s.cloud.AddCluster(awssim.EKSCluster{Name: "prod", Version: "1.36"}))
	must(t, s.cloud.AddNodegroup(awssim.Nodegroup{Cluster: "prod", Name: "apps", MinSize: 3, DesiredSize: 3, MaxSize: 5, AutoScalingGroups: []string{"eks-apps-1"}}))

	must(t, s.clients.SetNodegroupSizes(ctx(), "prod", "apps", awscloud.GroupSizes{Min: 3, Desired: 6, Max: 6}))
	ng, _ := s.cloud.Nodegroup("prod", "apps")
	g, _ := s.cloud.AutoScalingGroup("eks-apps-1")
	if ng.DesiredSize != 6 || ng.MaxSize != 6 || g.DesiredCapacity != 6 || g.MaxSize != 6 {
		t.Errorf("node group %d/%d/%d, group %d/%d/%d; want desired and max 6 on both", ng.MinSize, ng.DesiredSize, ng.MaxSize, g.MinSize, g.DesiredCapacity, g.MaxSize)
	}
	if c := calls(s); c["eks:UpdateNodegroupConfig"] != 1 || c["eks:DescribeUpdate"] != 1 {
		t.Errorf("calls = %v, want one update and one describe of it", c)
	}
	err := s.clients.SetNodegroupSizes(ctx(), "prod", "apps", awscloud.GroupSizes{Min: 3, Desired: 2, Max: 5})
	if err == nil || !strings.Contains(err.Error(), "min <= desired <= max") {
		t.Errorf("SetNodegroupSizes(bad) error = %v, want the rule named", err)
	}
	err = s.clients.SetNodegroupSizes(ctx(), "prod", "ghost", awscloud.GroupSizes{Min: 1, Desired: 1, Max: 1})
	if err == nil || !strings.Contains(err.Error(), "node group ghost") {
		t.Errorf("SetNodegroupSizes(ghost) error = %v, want the node group named", err)
	}
}
