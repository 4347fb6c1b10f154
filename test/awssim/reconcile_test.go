package awssim

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func TestScaleOutBalancesZonesAndBoots(t *testing.T) {
	c, clock := simCloud(t)
	c.Reconcile()
	before := activeIDs(c, "workers")
	if len(before) != 3 {
		t.Fatalf("a group at its desired capacity changed: %v", before)
	}
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 5 }))
	c.Reconcile()

	added := newIDs(before, activeIDs(c, "workers"))
	if len(added) != 2 {
		t.Fatalf("launched %v, want 2 instances", added)
	}
	want := map[string]int{"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 1}
	if got := zoneCounts(c, "workers"); !maps.Equal(got, want) {
		t.Errorf("zones = %v, want %v (fewest instances first, ties in the group's order)", got, want)
	}
	for _, id := range added {
		inst := mustInstance(t, c, id)
		if inst.State != StatePending || lifecycleState(inst) != "Pending" {
			t.Errorf("%s: state %s/%s, want pending/Pending", id, inst.State, lifecycleState(inst))
		}
		if inst.SubnetID != "subnet-"+inst.Zone[len(inst.Zone)-1:] {
			t.Errorf("%s: subnet %s in zone %s", id, inst.SubnetID, inst.Zone)
		}
		if inst.Tags["team"] != "blue" || inst.Tags[GroupNameTag] != "workers" || inst.Tags[launchTemplateIDTag] != templateID(1) {
			t.Errorf("%s: tags %v, want the group's tags, its name and the template", id, inst.Tags)
		}
		if inst.ImageID != imageID(3) || inst.InstanceType != "m6i.large" || inst.Architecture != "arm64" {
			t.Errorf("%s: launched %s/%s/%s, want version 3 of nodes ($Latest) and the image's architecture",
				id, inst.ImageID, inst.InstanceType, inst.Architecture)
		}
	}

	step(c, clock, testBoot-time.Second)
	if inst := mustInstance(t, c, added[0]); inst.State != StatePending {
		t.Fatalf("booted before BootDelay: %s", inst.State)
	}
	step(c, clock, time.Second)
	for _, id := range added {
		if inst := mustInstance(t, c, id); inst.State != StateRunning || lifecycleState(inst) != "InService" {
			t.Errorf("%s after BootDelay: %s/%s, want running/InService", id, inst.State, lifecycleState(inst))
		}
	}
	acts := c.ScalingActivities("workers")
	if len(acts) != 2 || acts[0].StatusCode != ActivitySuccessful || !strings.HasPrefix(acts[0].Description, "Launching a new EC2 instance: i-") ||
		!strings.Contains(acts[0].Cause, "increasing the capacity from 3 to 5") {
		t.Errorf("activities = %+v, want two successful launches from 3 to 5", acts)
	}
}

func TestScaleInFollowsTheDefaultTerminationPolicy(t *testing.T) {
	type member struct {
		n         int
		zone      string
		template  *LaunchTemplateRef
		config    string
		age       time.Duration // time since launch
		protected bool
	}
	v := func(version string) *LaunchTemplateRef {
		return &LaunchTemplateRef{ID: templateID(1), Version: version}
	}
	tests := []struct {
		name    string
		members []member
		want    int
	}{
		{name: "zone with the most instances first", members: []member{
			{n: 1, zone: "us-east-1a", template: v("1"), age: 30 * time.Minute},
			{n: 2, zone: "us-east-1b", template: v("3"), age: 10 * time.Minute},
			{n: 3, zone: "us-east-1b", template: v("3"), age: 20 * time.Minute},
		}, want: 3},
		{name: "launch configuration before any template", members: []member{
			{n: 1, zone: "us-east-1a", template: &LaunchTemplateRef{ID: templateID(2), Version: "1"}},
			{n: 2, zone: "us-east-1a", config: "legacy-lc"},
			{n: 3, zone: "us-east-1a", template: v("1")},
		}, want: 2},
		{name: "another template before the current one", members: []member{
			{n: 1, zone: "us-east-1a", template: v("1")},
			{n: 2, zone: "us-east-1a", template: &LaunchTemplateRef{Name: "gpu", Version: "1"}},
		}, want: 2},
		{name: "oldest version of the current template", members: []member{
			{n: 1, zone: "us-east-1a", template: v("3"), age: 59 * time.Minute},
			{n: 2, zone: "us-east-1a", template: v("2")},
			{n: 3, zone: "us-east-1a", template: v("3")},
		}, want: 2},
		{name: "closest to the next billing hour", members: []member{
			{n: 1, zone: "us-east-1a", template: v("3"), age: 2*time.Hour + 10*time.Minute},
			{n: 2, zone: "us-east-1a", template: v("3"), age: 50 * time.Minute},
			{n: 3, zone: "us-east-1a", template: v("3"), age: 3*time.Hour + 20*time.Minute},
		}, want: 2},
		{name: "protected instances are never picked", members: []member{
			{n: 1, zone: "us-east-1a", template: v("1"), protected: true},
			{n: 2, zone: "us-east-1a", template: v("1"), protected: true},
			{n: 3, zone: "us-east-1b", template: v("3")},
		}, want: 3},
		{name: "ties go to the lowest ID", members: []member{
			{n: 2, zone: "us-east-1a", template: v("3")},
			{n: 1, zone: "us-east-1b", template: v("3")},
		}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := templateCloud(t)
			must(t, c.AddLaunchConfiguration(LaunchConfiguration{Name: "legacy-lc", ImageID: imageID(8)}))
			must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "g", MaxSize: 5, DesiredCapacity: len(tt.members),
				Zones: testZones(), LaunchTemplate: &LaunchTemplateRef{ID: templateID(1), Version: "$Latest"}}))
			for _, m := range tt.members {
				must(t, c.AddInstance(Instance{ID: instanceID(m.n), AutoScalingGroup: "g", Zone: m.zone, LaunchTemplate: m.template,
					LaunchConfigurationName: m.config, LaunchTime: baseTime().Add(-m.age), ProtectedFromScaleIn: m.protected}))
			}
			must(t, c.UpdateAutoScalingGroup("g", func(g *AutoScalingGroup) { g.DesiredCapacity-- }))
			c.Reconcile()
			var terminating []string
			for _, inst := range c.GroupInstances("g") {
				if inst.State == StateShuttingDown {
					terminating = append(terminating, inst.ID)
				}
			}
			if len(terminating) != 1 || terminating[0] != instanceID(tt.want) {
				t.Errorf("terminating %v, want %s", terminating, instanceID(tt.want))
			}
		})
	}
}

func TestScaleInStopsAtProtectedInstances(t *testing.T) {
	c, _ := simCloud(t)
	for i := 1; i <= 3; i++ {
		must(t, c.UpdateInstance(instanceID(i), func(inst *Instance) { inst.ProtectedFromScaleIn = i != 2 }))
	}
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.MinSize, g.DesiredCapacity = 0, 0 }))
	c.Reconcile()
	if got := activeIDs(c, "workers"); len(got) != 2 || got[0] != instanceID(1) || got[1] != instanceID(3) {
		t.Errorf("active = %v, want the two protected instances", got)
	}
}

func TestLaunchTemplateVersionIsResolvedAtLaunch(t *testing.T) {
	tests := []struct {
		name      string
		version   string
		wantImage string
		wantRef   string
	}{
		{name: "$Latest picks the version added after the group", version: "$Latest", wantImage: imageID(4), wantRef: "4"},
		{name: "$Default picks the default version", version: "$Default", wantImage: imageID(2), wantRef: "2"},
		{name: "a number picks that version", version: "1", wantImage: imageID(1), wantRef: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := simCloud(t)
			must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.LaunchTemplate.Version = tt.version }))
			lt, _ := c.LaunchTemplate("nodes")
			lt.Versions = append(lt.Versions, LaunchTemplateVersion{Number: 4, ImageID: imageID(4), InstanceType: "m7i.large"})
			must(t, c.AddLaunchTemplate(lt))
			before := activeIDs(c, "workers")
			must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 4 }))
			c.Reconcile()
			added := newIDs(before, activeIDs(c, "workers"))
			if len(added) != 1 {
				t.Fatalf("launched %v", added)
			}
			inst := mustInstance(t, c, added[0])
			if inst.ImageID != tt.wantImage || inst.LaunchTemplate == nil || inst.LaunchTemplate.Version != tt.wantRef ||
				inst.Tags[launchTemplateVersionTag] != tt.wantRef {
				t.Errorf("launched %s from %+v (tags %v), want %s from version %s", inst.ImageID, inst.LaunchTemplate, inst.Tags, tt.wantImage, tt.wantRef)
			}
			if old := mustInstance(t, c, instanceID(1)); old.LaunchTemplate.Version != "3" {
				t.Errorf("an existing instance changed its launch template version to %s", old.LaunchTemplate.Version)
			}
		})
	}
}

func TestLaunchSources(t *testing.T) {
	c := templateCloud(t)
	must(t, c.AddLaunchConfiguration(LaunchConfiguration{Name: "legacy-lc", ImageID: imageID(8), InstanceType: "t3.large"}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "lc", MaxSize: 2, DesiredCapacity: 1, LaunchConfigurationName: "legacy-lc"}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "mixed", MaxSize: 4, DesiredCapacity: 4,
		Zones: []string{"us-east-1a", "us-east-1b"},
		MixedInstances: &MixedInstancesPolicy{
			LaunchTemplate: LaunchTemplateRef{Name: "nodes", Version: "$Default"},
			Overrides: []Override{
				{InstanceType: "m5.large"},
				{InstanceType: "g5.xlarge", LaunchTemplate: &LaunchTemplateRef{Name: "gpu"}},
			},
		}}))
	c.Reconcile()

	lc := c.GroupInstances("lc")
	if len(lc) != 1 || lc[0].ImageID != imageID(8) || lc[0].InstanceType != "t3.large" || lc[0].LaunchConfigurationName != "legacy-lc" {
		t.Errorf("launch configuration group launched %+v", lc)
	}
	var got []string
	for _, inst := range c.GroupInstances("mixed") {
		got = append(got, inst.InstanceType+"/"+inst.ImageID+"/"+inst.LaunchTemplate.Name+"@"+inst.LaunchTemplate.Version+"/"+inst.Zone)
	}
	want := []string{
		"m5.large/" + imageID(2) + "/nodes@2/us-east-1a",
		"g5.xlarge/" + imageID(9) + "/gpu@1/us-east-1b",
		"m5.large/" + imageID(2) + "/nodes@2/us-east-1a",
		"g5.xlarge/" + imageID(9) + "/gpu@1/us-east-1b",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("mixed instances launched\n %v\nwant\n %v", got, want)
	}
}

func TestLaunchFailureIsRecordedOnce(t *testing.T) {
	c, clock := simCloud(t)
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) {
		g.LaunchTemplate = &LaunchTemplateRef{Name: "deleted-template"}
		g.DesiredCapacity = 4
	}))
	for range 3 {
		step(c, clock, time.Second)
	}
	acts := c.ScalingActivities("workers")
	if len(acts) != 1 || acts[0].StatusCode != ActivityFailed || !strings.Contains(acts[0].StatusMessage, "deleted-template, does not exist") {
		t.Fatalf("activities = %+v, want one failed launch", acts)
	}
	if n := len(activeIDs(c, "workers")); n != 3 {
		t.Errorf("%d active instances, want 3", n)
	}
}

func TestInstanceLifecycleEndsInRemoval(t *testing.T) {
	c, clock := simCloud(t)
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 2 }))
	c.Reconcile()
	var shutting []string
	for _, inst := range c.GroupInstances("workers") {
		if inst.State == StateShuttingDown {
			shutting = append(shutting, inst.ID)
		}
	}
	if len(shutting) != 1 {
		t.Fatalf("shutting down: %v", shutting)
	}
	victim := shutting[0]
	steps := []struct {
		advance time.Duration
		want    string // "" means removed
	}{
		{testShutdown - time.Second, StateShuttingDown},
		{time.Second, StateTerminated},
		{testRetention - time.Second, StateTerminated},
		{time.Second, ""},
	}
	for _, s := range steps {
		step(c, clock, s.advance)
		inst, ok := c.Instance(victim)
		switch {
		case s.want == "" && ok:
			t.Fatalf("still describable as %s after TerminatedRetention", inst.State)
		case s.want != "" && (!ok || inst.State != s.want):
			t.Fatalf("state %q (present %v), want %s", inst.State, ok, s.want)
		}
	}
	if n := len(activeIDs(c, "workers")); n != 2 {
		t.Errorf("%d active, want 2: a scale-in is not replaced", n)
	}
}

func TestHealthChecksReplaceStoppedAndTerminatedMembers(t *testing.T) {
	tests := []struct {
		name  string
		state string
	}{
		{name: "terminated outside Auto Scaling", state: StateShuttingDown},
		{name: "stopped", state: StateStopped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := simCloud(t)
			before := activeIDs(c, "workers")
			must(t, c.UpdateInstance(instanceID(2), func(inst *Instance) { inst.State = tt.state }))
			c.Reconcile()
			inst := mustInstance(t, c, instanceID(2))
			if inst.State != StateShuttingDown || inst.HealthStatus != "Unhealthy" || lifecycleState(inst) != "Terminating" {
				t.Errorf("member is %s/%s/%s, want shutting-down/Unhealthy/Terminating", inst.State, inst.HealthStatus, lifecycleState(inst))
			}
			added := newIDs(before, activeIDs(c, "workers"))
			if len(added) != 1 || mustInstance(t, c, added[0]).Zone != "us-east-1b" {
				t.Errorf("replacements %v, want one in us-east-1b", added)
			}
			var causes []string
			for _, a := range c.ScalingActivities("workers") {
				causes = append(causes, a.Cause)
			}
			if !strings.Contains(strings.Join(causes, "\n"), "EC2 health check indicating it has been terminated or stopped") {
				t.Errorf("causes %q name no health check", causes)
			}
		})
	}
}

func TestSetLifecycleNormalizes(t *testing.T) {
	c := NewCloud(testRegion)
	if got := c.Lifecycle(); got != DefaultLifecycle() {
		t.Errorf("a new cloud's lifecycle = %+v, want the default", got)
	}
	c.SetLifecycle(Lifecycle{BootDelay: -time.Second, ShutdownDelay: 2 * time.Second, TerminatedRetention: -1})
	want := Lifecycle{ShutdownDelay: 2 * time.Second, Tick: DefaultLifecycle().Tick}
	if got := c.Lifecycle(); got != want {
		t.Errorf("lifecycle = %+v, want %+v", got, want)
	}
}
