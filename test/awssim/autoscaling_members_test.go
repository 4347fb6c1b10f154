package awssim

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

func TestTerminateInstanceInAutoScalingGroup(t *testing.T) {
	tests := []struct {
		name        string
		decrement   bool
		wantDesired int
		wantCause   string
		wantActive  int // after reconciling
	}{
		{name: "with decrement", decrement: true, wantDesired: 2, wantActive: 2,
			wantCause: "At 2026-11-21T09:30:00Z instance " + instanceID(2) + " was taken out of service in response to a user request, shrinking the capacity from 3 to 2."},
		{name: "without decrement a replacement is launched", decrement: false, wantDesired: 3, wantActive: 3,
			wantCause: "At 2026-11-21T09:30:00Z instance " + instanceID(2) + " was taken out of service in response to a user request."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			out, err := client.TerminateInstanceInAutoScalingGroup(ctx(t), &autoscaling.TerminateInstanceInAutoScalingGroupInput{
				InstanceId: aws.String(instanceID(2)), ShouldDecrementDesiredCapacity: aws.Bool(tt.decrement)})
			if err != nil {
				t.Fatal(err)
			}
			a := out.Activity
			if a == nil || aws.ToString(a.Cause) != tt.wantCause || a.StatusCode != asgtypes.ScalingActivityStatusCodeInProgress ||
				aws.ToString(a.Description) != "Terminating EC2 instance: "+instanceID(2) || aws.ToString(a.AutoScalingGroupName) != "workers" {
				t.Fatalf("activity = %+v", a)
			}
			if g, _ := c.AutoScalingGroup("workers"); g.DesiredCapacity != tt.wantDesired {
				t.Errorf("desired = %d, want %d", g.DesiredCapacity, tt.wantDesired)
			}
			if inst := mustInstance(t, c, instanceID(2)); inst.State != StateShuttingDown || lifecycleState(inst) != "Terminating" {
				t.Errorf("instance %s/%s, want shutting-down/Terminating", inst.State, lifecycleState(inst))
			}
			again, err := client.TerminateInstanceInAutoScalingGroup(ctx(t), &autoscaling.TerminateInstanceInAutoScalingGroupInput{
				InstanceId: aws.String(instanceID(2)), ShouldDecrementDesiredCapacity: aws.Bool(tt.decrement)})
			if err != nil || aws.ToString(again.Activity.ActivityId) != aws.ToString(a.ActivityId) {
				t.Errorf("terminating again = %v, %v; want the same activity", again, err)
			}
			c.Reconcile()
			active := activeIDs(c, "workers")
			if len(active) != tt.wantActive {
				t.Errorf("active = %v, want %d", active, tt.wantActive)
			}
			if added := newIDs([]string{instanceID(1), instanceID(3)}, active); !tt.decrement &&
				(len(added) != 1 || mustInstance(t, c, added[0]).Zone != "us-east-1b") {
				t.Errorf("replacement %v, want one in the zone of the terminated instance", added)
			}
		})
	}
}

func TestTerminateInstanceInAutoScalingGroupErrors(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(c *Cloud) error
		id          string
		wantMessage string
	}{
		{name: "decrement at MinSize", id: instanceID(1),
			setup: func(c *Cloud) error {
				return c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.MinSize = 3 })
			},
			wantMessage: "Currently, desiredSize equals minSize (3). Terminating instance without replacement will violate group's " +
				"min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size."},
		{name: "unknown instance", id: instanceID(99),
			wantMessage: "Instance Id not found - No managed instance found for instance ID: " + instanceID(99)},
		{name: "instance of no group", id: instanceID(9),
			setup:       func(c *Cloud) error { return c.AddInstance(Instance{ID: instanceID(9)}) },
			wantMessage: "Instance Id not found - No managed instance found for instance ID: " + instanceID(9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			if tt.setup != nil {
				must(t, tt.setup(c))
			}
			_, err := client.TerminateInstanceInAutoScalingGroup(ctx(t), &autoscaling.TerminateInstanceInAutoScalingGroupInput{
				InstanceId: aws.String(tt.id), ShouldDecrementDesiredCapacity: aws.Bool(true)})
			wantError(t, err, "ValidationError", tt.wantMessage)
			if inst, ok := c.Instance(tt.id); ok && inst.State != StateRunning {
				t.Errorf("a refused termination left the instance %s", inst.State)
			}
		})
	}
}

func TestDetachInstances(t *testing.T) {
	tests := []struct {
		name        string
		decrement   bool
		wantDesired int
		wantCauses  []string
	}{
		{name: "with decrement", decrement: true, wantDesired: 1, wantCauses: []string{
			"instance " + instanceID(1) + " was detached in response to a user request, shrinking the capacity from 3 to 2.",
			"instance " + instanceID(3) + " was detached in response to a user request, shrinking the capacity from 2 to 1.",
		}},
		{name: "without decrement replacements are launched", decrement: false, wantDesired: 3, wantCauses: []string{
			"instance " + instanceID(1) + " was detached in response to a user request.",
			"instance " + instanceID(3) + " was detached in response to a user request.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			out, err := client.DetachInstances(ctx(t), &autoscaling.DetachInstancesInput{AutoScalingGroupName: aws.String("workers"),
				InstanceIds: []string{instanceID(1), instanceID(3)}, ShouldDecrementDesiredCapacity: aws.Bool(tt.decrement)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Activities) != 2 {
				t.Fatalf("got %d activities, want 2", len(out.Activities))
			}
			for i, a := range out.Activities {
				if !strings.HasSuffix(aws.ToString(a.Cause), tt.wantCauses[i]) || aws.ToString(a.Description) != "Detaching EC2 instance: "+
					[]string{instanceID(1), instanceID(3)}[i] || a.StatusCode != asgtypes.ScalingActivityStatusCodeSuccessful {
					t.Errorf("activity %d = %s / %s / %s", i, aws.ToString(a.Description), aws.ToString(a.Cause), a.StatusCode)
				}
			}
			for _, id := range []string{instanceID(1), instanceID(3)} {
				inst := mustInstance(t, c, id)
				if _, tagged := inst.Tags[GroupNameTag]; tagged || inst.AutoScalingGroup != "" || inst.State != StateRunning {
					t.Errorf("%s after detach: group %q, tags %v, state %s", id, inst.AutoScalingGroup, inst.Tags, inst.State)
				}
			}
			g := describeGroup(t, client, "workers")
			if aws.ToInt32(g.DesiredCapacity) != int32(tt.wantDesired) || len(g.Instances) != 1 {
				t.Errorf("group desired %d with %d instances, want %d with 1", aws.ToInt32(g.DesiredCapacity), len(g.Instances), tt.wantDesired)
			}
			c.Reconcile()
			if n := len(activeIDs(c, "workers")); n != tt.wantDesired {
				t.Errorf("%d active after reconciling, want %d", n, tt.wantDesired)
			}
		})
	}
}

func TestDetachInstancesErrors(t *testing.T) {
	many := make([]string, 21)
	for i := range many {
		many[i] = instanceID(i + 1)
	}
	tests := []struct {
		name        string
		ids         []string
		decrement   bool
		setup       func(c *Cloud) error
		wantMessage string
	}{
		{name: "below MinSize", ids: []string{instanceID(1), instanceID(2), instanceID(3)}, decrement: true,
			wantMessage: "AutoScalingGroup workers has min-size=1, max-size=6, and desired-size=3. To detach 3 instances, please update the AutoScalingGroup sizes appropriately."},
		{name: "not a member", ids: []string{instanceID(9)},
			setup:       func(c *Cloud) error { return c.AddInstance(Instance{ID: instanceID(9)}) },
			wantMessage: "The instance " + instanceID(9) + " is not part of Auto Scaling group workers."},
		{name: "not in service", ids: []string{instanceID(9)},
			setup: func(c *Cloud) error {
				return c.AddInstance(Instance{ID: instanceID(9), AutoScalingGroup: "workers", State: StatePending})
			},
			wantMessage: "is not in InService or Standby"},
		{name: "more than 20", ids: many, wantMessage: "Member must have length less than or equal to 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			if tt.setup != nil {
				must(t, tt.setup(c))
			}
			_, err := client.DetachInstances(ctx(t), &autoscaling.DetachInstancesInput{AutoScalingGroupName: aws.String("workers"),
				InstanceIds: tt.ids, ShouldDecrementDesiredCapacity: aws.Bool(tt.decrement)})
			wantError(t, err, "ValidationError", tt.wantMessage)
			if n := len(c.GroupInstances("workers")); n < 3 {
				t.Errorf("a refused detach left %d members", n)
			}
		})
	}
}

func TestSetInstanceProtection(t *testing.T) {
	c, _, client := simClient(t)
	if _, err := client.SetInstanceProtection(ctx(t), &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: aws.String("workers"),
		InstanceIds: []string{instanceID(1), instanceID(2)}, ProtectedFromScaleIn: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	for _, inst := range describeGroup(t, client, "workers").Instances {
		if want := aws.ToString(inst.InstanceId) != instanceID(3); aws.ToBool(inst.ProtectedFromScaleIn) != want {
			t.Errorf("%s protected = %v, want %v", aws.ToString(inst.InstanceId), aws.ToBool(inst.ProtectedFromScaleIn), want)
		}
	}
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 1 }))
	c.Reconcile()
	if got := activeIDs(c, "workers"); len(got) != 2 || got[0] != instanceID(1) || got[1] != instanceID(2) {
		t.Errorf("active after scaling in to 1 = %v, want the two protected instances", got)
	}
	_, err := client.SetInstanceProtection(ctx(t), &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: aws.String("workers"),
		InstanceIds: []string{instanceID(99)}, ProtectedFromScaleIn: aws.Bool(true)})
	wantError(t, err, "ValidationError", "The instance "+instanceID(99)+" is not part of Auto Scaling group workers.")
}

func TestDescribeScalingActivities(t *testing.T) {
	c, _, client := simClient(t)
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "other", MaxSize: 1, DesiredCapacity: 1, LaunchConfigurationName: "legacy-lc"}))
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 5 }))
	c.Reconcile()
	if _, err := client.TerminateInstanceInAutoScalingGroup(ctx(t), &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: aws.String(instanceID(1)), ShouldDecrementDesiredCapacity: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}

	var descriptions []string
	pages := autoscaling.NewDescribeScalingActivitiesPaginator(client, &autoscaling.DescribeScalingActivitiesInput{
		AutoScalingGroupName: aws.String("workers"), MaxRecords: aws.Int32(2)})
	calls := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		calls++
		for _, a := range page.Activities {
			descriptions = append(descriptions, strings.Fields(aws.ToString(a.Description))[0])
			if aws.ToString(a.AutoScalingGroupName) != "workers" || a.StartTime == nil {
				t.Errorf("activity %+v", a)
			}
		}
	}
	if got := strings.Join(descriptions, " "); got != "Terminating Launching Launching" || calls != 2 {
		t.Errorf("activities newest first = %q in %d pages, want Terminating Launching Launching in 2", got, calls)
	}

	all, err := client.DescribeScalingActivities(ctx(t), &autoscaling.DescribeScalingActivitiesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Activities) != 4 {
		t.Errorf("got %d activities of all groups, want 4", len(all.Activities))
	}
	id := aws.ToString(all.Activities[1].ActivityId)
	one, err := client.DescribeScalingActivities(ctx(t), &autoscaling.DescribeScalingActivitiesInput{ActivityIds: []string{id}})
	if err != nil || len(one.Activities) != 1 || aws.ToString(one.Activities[0].ActivityId) != id {
		t.Errorf("by ID: %v, %v", one, err)
	}
	_, err = client.DescribeScalingActivities(ctx(t), &autoscaling.DescribeScalingActivitiesInput{MaxRecords: aws.Int32(101)})
	wantCode(t, err, "ValidationError")
	_, err = client.DescribeScalingActivities(ctx(t), &autoscaling.DescribeScalingActivitiesInput{NextToken: aws.String("bogus")})
	wantCode(t, err, "InvalidNextToken")
}
