package awssim

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go"
)

// wantError fails the test unless err is the AWS error code with a message
// that contains message.
func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	wantCode(t, err, code)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && !strings.Contains(apiErr.ErrorMessage(), message) {
		t.Fatalf("message %q does not contain %q", apiErr.ErrorMessage(), message)
	}
}

// simClient returns a simCloud and an Auto Scaling client of it.
func simClient(t *testing.T) (*Cloud, *fakeClock, *autoscaling.Client) {
	t.Helper()
	c, clock := simCloud(t)
	return c, clock, autoscaling.NewFromConfig(startServer(t, c).AWSConfig())
}

func TestSetDesiredCapacity(t *testing.T) {
	tests := []struct {
		name        string
		group       string
		desired     int32
		honor       bool
		busy        bool // a scaling activity is in progress
		wantCode    string
		wantMessage string
		wantDesired int
	}{
		{name: "within bounds", group: "workers", desired: 5, wantDesired: 5},
		{name: "at MaxSize", group: "workers", desired: 6, wantDesired: 6},
		{name: "above MaxSize", group: "workers", desired: 7, wantCode: "ValidationError",
			wantMessage: "New SetDesiredCapacity value 7 is above max value 6 for the AutoScalingGroup."},
		{name: "below MinSize", group: "workers", desired: 0, wantCode: "ValidationError",
			wantMessage: "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup."},
		{name: "unknown group", group: "nope", desired: 1, wantCode: "ValidationError",
			wantMessage: "AutoScalingGroup name not found - AutoScalingGroup nope not found"},
		{name: "honor cooldown when idle", group: "workers", desired: 2, honor: true, wantDesired: 2},
		{name: "honor cooldown during an activity", group: "workers", desired: 2, honor: true, busy: true,
			wantCode: "ScalingActivityInProgress", wantMessage: "is in progress and blocks this action", wantDesired: 4},
		{name: "cooldown ignored by default", group: "workers", desired: 2, busy: true, wantDesired: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			if tt.busy {
				must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 4 }))
				c.Reconcile()
			}
			_, err := client.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{
				AutoScalingGroupName: aws.String(tt.group), DesiredCapacity: aws.Int32(tt.desired), HonorCooldown: aws.Bool(tt.honor)})
			if tt.wantCode != "" {
				wantError(t, err, tt.wantCode, tt.wantMessage)
			} else if err != nil {
				t.Fatal(err)
			}
			if g, _ := c.AutoScalingGroup("workers"); tt.wantDesired != 0 && g.DesiredCapacity != tt.wantDesired {
				t.Errorf("desired = %d, want %d", g.DesiredCapacity, tt.wantDesired)
			}
		})
	}
}

func TestSetDesiredCapacityCauseNamesTheRequest(t *testing.T) {
	c, _, client := simClient(t)
	if _, err := client.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: aws.String("workers"), DesiredCapacity: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	c.Reconcile()
	acts := c.ScalingActivities("workers")
	want := "At 2026-11-21T09:30:00Z a user request explicitly set group desired capacity changing the desired capacity from 3 to 4. " +
		"At 2026-11-21T09:30:00Z an instance was started in response to a difference between desired and actual capacity, " +
		"increasing the capacity from 3 to 4."
	if len(acts) != 1 || acts[0].Cause != want {
		t.Errorf("activities = %+v, want one whose cause is %q", acts, want)
	}
}

func TestUpdateAutoScalingGroupSizes(t *testing.T) {
	tests := []struct {
		name                   string
		min, max, desired      *int32
		wantCode, wantMessage  string
		wantMin, wantMax, want int
	}{
		{name: "a higher MinSize raises the desired capacity", min: aws.Int32(4), wantMin: 4, wantMax: 6, want: 4},
		{name: "a lower MaxSize lowers the desired capacity", max: aws.Int32(2), wantMin: 1, wantMax: 2, want: 2},
		{name: "a lower MinSize leaves it", min: aws.Int32(0), wantMin: 0, wantMax: 6, want: 3},
		{name: "all three", min: aws.Int32(0), max: aws.Int32(10), desired: aws.Int32(7), wantMin: 0, wantMax: 10, want: 7},
		{name: "an explicit desired capacity is not adjusted", min: aws.Int32(5), desired: aws.Int32(2),
			wantCode: "ValidationError", wantMessage: "Desired capacity:2 must be between the specified min size:5 and max size:6"},
		{name: "MinSize above MaxSize", min: aws.Int32(7), wantCode: "ValidationError",
			wantMessage: "Max bound, 6, must be greater than or equal to min bound, 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			_, err := client.UpdateAutoScalingGroup(ctx(t), &autoscaling.UpdateAutoScalingGroupInput{
				AutoScalingGroupName: aws.String("workers"), MinSize: tt.min, MaxSize: tt.max, DesiredCapacity: tt.desired})
			g, _ := c.AutoScalingGroup("workers")
			if tt.wantCode != "" {
				wantError(t, err, tt.wantCode, tt.wantMessage)
				if g.MinSize != 1 || g.MaxSize != 6 || g.DesiredCapacity != 3 {
					t.Errorf("a refused update changed the group to %d/%d/%d", g.MinSize, g.DesiredCapacity, g.MaxSize)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.MinSize != tt.wantMin || g.MaxSize != tt.wantMax || g.DesiredCapacity != tt.want {
				t.Errorf("sizes %d/%d/%d, want %d/%d/%d", g.MinSize, g.DesiredCapacity, g.MaxSize, tt.wantMin, tt.want, tt.wantMax)
			}
			c.Reconcile()
			if n := len(activeIDs(c, "workers")); n != tt.want {
				t.Errorf("%d active instances after reconciling, want %d", n, tt.want)
			}
		})
	}
}

func TestUpdateAutoScalingGroupLaunchSource(t *testing.T) {
	tests := []struct {
		name        string
		input       autoscaling.UpdateAutoScalingGroupInput
		wantCode    string
		wantMessage string
		check       func(t *testing.T, g asgtypes.AutoScalingGroup)
	}{
		{name: "launch template by name", input: autoscaling.UpdateAutoScalingGroupInput{
			LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("gpu"), Version: aws.String("1")}},
			check: func(t *testing.T, g asgtypes.AutoScalingGroup) {
				if lt := g.LaunchTemplate; lt == nil || aws.ToString(lt.LaunchTemplateId) != templateID(2) || aws.ToString(lt.Version) != "1" {
					t.Errorf("launch template = %+v", lt)
				}
			}},
		{name: "launch configuration replaces the template", input: autoscaling.UpdateAutoScalingGroupInput{
			LaunchConfigurationName: aws.String("legacy-lc")},
			check: func(t *testing.T, g asgtypes.AutoScalingGroup) {
				if g.LaunchTemplate != nil || aws.ToString(g.LaunchConfigurationName) != "legacy-lc" {
					t.Errorf("launch template %+v, configuration %s", g.LaunchTemplate, aws.ToString(g.LaunchConfigurationName))
				}
			}},
		{name: "mixed instances policy", input: autoscaling.UpdateAutoScalingGroupInput{
			MixedInstancesPolicy: &asgtypes.MixedInstancesPolicy{LaunchTemplate: &asgtypes.LaunchTemplate{
				LaunchTemplateSpecification: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(templateID(1)), Version: aws.String("$Latest")},
				Overrides:                   []asgtypes.LaunchTemplateOverrides{{InstanceType: aws.String("m5.large")}, {InstanceType: aws.String("m6i.large")}},
			}}},
			check: func(t *testing.T, g asgtypes.AutoScalingGroup) {
				m := g.MixedInstancesPolicy
				if g.LaunchTemplate != nil || m == nil || len(m.LaunchTemplate.Overrides) != 2 ||
					aws.ToString(m.LaunchTemplate.LaunchTemplateSpecification.Version) != "$Latest" {
					t.Errorf("group %+v", g)
				}
			}},
		{name: "zones, subnets, health check and protection", input: autoscaling.UpdateAutoScalingGroupInput{
			AvailabilityZones: []string{"us-east-1d"}, VPCZoneIdentifier: aws.String("subnet-d"),
			HealthCheckType: aws.String("ELB"), NewInstancesProtectedFromScaleIn: aws.Bool(true)},
			check: func(t *testing.T, g asgtypes.AutoScalingGroup) {
				if !slices.Equal(g.AvailabilityZones, []string{"us-east-1d"}) || aws.ToString(g.VPCZoneIdentifier) != "subnet-d" ||
					aws.ToString(g.HealthCheckType) != "ELB" || !aws.ToBool(g.NewInstancesProtectedFromScaleIn) {
					t.Errorf("group %+v", g)
				}
			}},
		{name: "unknown template", input: autoscaling.UpdateAutoScalingGroupInput{
			LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("nope")}},
			wantCode: "ValidationError", wantMessage: "The specified launch template, with template name nope, does not exist."},
		{name: "unknown version", input: autoscaling.UpdateAutoScalingGroupInput{
			LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(templateID(1)), Version: aws.String("9")}},
			wantCode: "ValidationError", wantMessage: "does not have version 9"},
		{name: "template ID and name", input: autoscaling.UpdateAutoScalingGroupInput{
			LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(templateID(1)), LaunchTemplateName: aws.String("nodes")}},
			wantCode: "ValidationError", wantMessage: "either launchTemplateId or LaunchTemplateName"},
		{name: "unknown launch configuration", input: autoscaling.UpdateAutoScalingGroupInput{LaunchConfigurationName: aws.String("nope")},
			wantCode: "ValidationError", wantMessage: "Launch configuration name not found - Launch configuration nope not found"},
		{name: "two launch sources", input: autoscaling.UpdateAutoScalingGroupInput{LaunchConfigurationName: aws.String("legacy-lc"),
			LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("nodes")}},
			wantCode: "ValidationError", wantMessage: "Valid requests must contain either LaunchTemplate, LaunchConfigurationName or MixedInstancesPolicy"},
		{name: "unknown health check type", input: autoscaling.UpdateAutoScalingGroupInput{HealthCheckType: aws.String("PING")},
			wantCode: "ValidationError", wantMessage: "healthCheckType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, client := simClient(t)
			tt.input.AutoScalingGroupName = aws.String("workers")
			_, err := client.UpdateAutoScalingGroup(ctx(t), &tt.input)
			if tt.wantCode != "" {
				wantError(t, err, tt.wantCode, tt.wantMessage)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, describeGroup(t, client, "workers"))
		})
	}
}

func TestNewLaunchSourceAppliesToNewInstancesOnly(t *testing.T) {
	c, _, client := simClient(t)
	if _, err := client.UpdateAutoScalingGroup(ctx(t), &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("workers"), LaunchConfigurationName: aws.String("legacy-lc"), DesiredCapacity: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	before := activeIDs(c, "workers")
	c.Reconcile()
	added := newIDs(before, activeIDs(c, "workers"))
	if len(added) != 1 {
		t.Fatalf("launched %v", added)
	}
	if inst := mustInstance(t, c, added[0]); inst.LaunchConfigurationName != "legacy-lc" || inst.ImageID != imageID(8) {
		t.Errorf("new instance launched from %q/%s", inst.LaunchConfigurationName, inst.ImageID)
	}
	if inst := mustInstance(t, c, instanceID(1)); inst.LaunchTemplate == nil || inst.LaunchConfigurationName != "" {
		t.Errorf("an existing instance changed its launch source: %+v", inst)
	}
	// In a group with a launch configuration, instances launched from no
	// launch configuration count as the most outdated when scaling in.
	if _, err := client.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: aws.String("workers"), DesiredCapacity: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	c.Reconcile()
	if inst := mustInstance(t, c, added[0]); inst.State != StatePending {
		t.Errorf("the instance of the current launch configuration was scaled in (%s)", inst.State)
	}
}
