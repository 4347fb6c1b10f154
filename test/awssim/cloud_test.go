package awssim

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func TestModelRejectsWhatAWSWouldNot(t *testing.T) {
	c := newTestCloud()
	must(t, c.AddLaunchTemplate(LaunchTemplate{ID: templateID(1), Name: "taken", Versions: []LaunchTemplateVersion{{}}}))
	tests := []struct {
		name string
		add  func() error
	}{
		{name: "malformed instance ID", add: func() error { return c.AddInstance(Instance{ID: "i-node1"}) }},
		{name: "unknown instance state", add: func() error { return c.AddInstance(Instance{ID: instanceID(1), State: "sleeping"}) }},
		{name: "malformed image ID", add: func() error { return c.AddImage(Image{ID: "ami-1"}) }},
		{name: "malformed template ID", add: func() error {
			return c.AddLaunchTemplate(LaunchTemplate{ID: "lt-1", Name: "abc", Versions: []LaunchTemplateVersion{{}}})
		}},
		{name: "template name in use", add: func() error {
			return c.AddLaunchTemplate(LaunchTemplate{ID: templateID(2), Name: "taken", Versions: []LaunchTemplateVersion{{}}})
		}},
		{name: "template without versions", add: func() error { return c.AddLaunchTemplate(LaunchTemplate{Name: "empty"}) }},
		{name: "template default version missing", add: func() error {
			return c.AddLaunchTemplate(LaunchTemplate{Name: "bad-default", DefaultVersion: 4, Versions: []LaunchTemplateVersion{{}}})
		}},
		{name: "group desired above max", add: func() error {
			return c.AddAutoScalingGroup(AutoScalingGroup{Name: "g", MaxSize: 2, DesiredCapacity: 3})
		}},
		{name: "group with two launch sources", add: func() error {
			return c.AddAutoScalingGroup(AutoScalingGroup{Name: "g", MaxSize: 1, LaunchConfigurationName: "lc", LaunchTemplate: &LaunchTemplateRef{Name: "taken"}})
		}},
		{name: "node group without cluster", add: func() error { return c.AddNodegroup(Nodegroup{Name: "ng"}) }},
		{name: "empty parameter name", add: func() error { return c.SetParameter("", "v") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.add(); !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want an error wrapping ErrInvalid", err)
			}
		})
	}
}

func TestModelDefaultsAndCopies(t *testing.T) {
	c := NewCloud("eu-west-1")
	tags := map[string]string{GroupNameTag: "workers"}
	must(t, c.AddInstance(Instance{ID: instanceID(1), PrivateIP: "10.0.3.7", Tags: tags}))
	tags["mutated"] = "after add"

	inst, ok := c.Instance(instanceID(1))
	if !ok {
		t.Fatal("instance not found")
	}
	if inst.AutoScalingGroup != "workers" {
		t.Errorf("membership from the tag = %q, want workers", inst.AutoScalingGroup)
	}
	if inst.PrivateDNSName != "ip-10-0-3-7.eu-west-1.compute.internal" || inst.State != StateRunning || inst.Zone != "eu-west-1a" {
		t.Errorf("defaults = %q %q %q", inst.PrivateDNSName, inst.State, inst.Zone)
	}
	if _, leaked := inst.Tags["mutated"]; leaked {
		t.Error("the model shares the caller's tag map")
	}
	inst.Tags["mutated"] = "after read"
	again, _ := c.Instance(instanceID(1))
	if _, leaked := again.Tags["mutated"]; leaked {
		t.Error("the model shares the returned tag map")
	}

	id := c.NewInstanceID()
	must(t, c.AddInstance(Instance{ID: id}))
	if other := c.NewInstanceID(); other == id || !instanceIDPattern.MatchString(other) {
		t.Errorf("NewInstanceID gave %q after %q", other, id)
	}

	must(t, c.AddLaunchTemplate(LaunchTemplate{Name: "auto", Versions: []LaunchTemplateVersion{{ImageID: imageID(1)}, {ImageID: imageID(2)}}}))
	lt, ok := c.LaunchTemplate("auto")
	if !ok || !launchTemplateIDPattern.MatchString(lt.ID) || lt.DefaultVersion != 1 || lt.LatestVersion() != 2 {
		t.Errorf("template = %+v", lt)
	}
}

func TestUpdateAndRemoveInstances(t *testing.T) {
	c := newTestCloud()
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "a", MaxSize: 5}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "b", MaxSize: 5}))
	must(t, c.AddInstance(Instance{ID: instanceID(1), AutoScalingGroup: "a"}))
	must(t, c.AddInstance(Instance{ID: instanceID(2), AutoScalingGroup: "a"}))

	must(t, c.UpdateInstance(instanceID(1), func(i *Instance) { i.AutoScalingGroup = "b" }))
	must(t, c.UpdateInstance(instanceID(2), func(i *Instance) { i.State = StateTerminated }))
	moved, _ := c.Instance(instanceID(1))
	if moved.Tags[GroupNameTag] != "b" {
		t.Errorf("tag after the move = %q, want b", moved.Tags[GroupNameTag])
	}
	if got := len(c.GroupInstances("a")); got != 0 {
		t.Errorf("group a has %d instances, want 0 (one moved, one terminated)", got)
	}
	if got := c.GroupInstances("b"); len(got) != 1 || got[0].ID != instanceID(1) {
		t.Errorf("group b = %+v", got)
	}

	must(t, c.UpdateInstance(instanceID(1), func(i *Instance) { i.AutoScalingGroup = "" }))
	if left, _ := c.Instance(instanceID(1)); left.Tags[GroupNameTag] != "" || len(c.GroupInstances("b")) != 0 {
		t.Errorf("instance still in a group: %+v", left)
	}
	must(t, c.RemoveInstance(instanceID(2)))
	if _, ok := c.Instance(instanceID(2)); ok {
		t.Error("removed instance still present")
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "update unknown instance", err: c.UpdateInstance(instanceID(9), func(*Instance) {}), want: ErrNotFound},
		{name: "remove unknown instance", err: c.RemoveInstance(instanceID(9)), want: ErrNotFound},
		{name: "change an ID", err: c.UpdateInstance(instanceID(1), func(i *Instance) { i.ID = instanceID(5) }), want: ErrInvalid},
		{name: "update unknown group", err: c.UpdateAutoScalingGroup("zz", func(*AutoScalingGroup) {}), want: ErrNotFound},
		{name: "invalid group update", err: c.UpdateAutoScalingGroup("a", func(g *AutoScalingGroup) { g.DesiredCapacity = 9 }), want: ErrInvalid},
		{name: "update unknown node group", err: c.UpdateNodegroup("x", "y", func(*Nodegroup) {}), want: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("got %v, want %v", tt.err, tt.want)
			}
		})
	}
}

func TestConcurrentMutationAndDescribe(t *testing.T) {
	c := newTestCloud()
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "g", MaxSize: 1000, DesiredCapacity: 0}))
	srv := startServer(t, c)
	cfg := srv.AWSConfig()
	ec2Client, asgClient := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)

	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() {
		for i := 1; i <= n; i++ {
			if err := c.AddInstance(Instance{ID: instanceID(i), AutoScalingGroup: "g"}); err != nil {
				errs <- err
				return
			}
			if err := c.UpdateAutoScalingGroup("g", func(g *AutoScalingGroup) { g.DesiredCapacity = i }); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for range 20 {
			p := ec2.NewDescribeInstancesPaginator(ec2Client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(25)})
			for p.HasMorePages() {
				if _, err := p.NextPage(ctx(t)); err != nil {
					errs <- fmt.Errorf("DescribeInstances: %w", err)
					return
				}
			}
		}
	})
	wg.Go(func() {
		for range 20 {
			if _, err := asgClient.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{}); err != nil {
				errs <- fmt.Errorf("DescribeAutoScalingGroups: %w", err)
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	g, _ := c.AutoScalingGroup("g")
	if got := len(c.GroupInstances("g")); got != n || g.DesiredCapacity != n {
		t.Errorf("group has %d instances and desires %d, want %d", got, g.DesiredCapacity, n)
	}
}
