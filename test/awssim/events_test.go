package awssim

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// eventTimeout bounds every wait for an event.
const eventTimeout = 5 * time.Second

func TestEventsFollowTheLifecycleInOrder(t *testing.T) {
	c, clock := simCloud(t)
	events, cancel := c.Subscribe(0)
	defer cancel()

	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 4 }))
	c.Reconcile()
	launched := nextEvent(t, events, eventTimeout)
	id := launched.Instance.ID
	step(c, clock, testBoot)
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 3 }))
	must(t, c.UpdateInstance(id, func(inst *Instance) { inst.LaunchTime = baseTime().Add(-59 * time.Minute) }))
	c.Reconcile() // the new instance is closest to its billing hour
	step(c, clock, testShutdown)
	step(c, clock, testRetention)

	got := []InstanceEvent{launched}
	for range 4 {
		got = append(got, nextEvent(t, events, eventTimeout))
	}
	want := []struct {
		kind  InstanceEventKind
		state string
		at    time.Time
	}{
		{InstanceLaunched, StatePending, baseTime()},
		{InstanceRunning, StateRunning, baseTime().Add(testBoot)},
		{InstanceShuttingDown, StateShuttingDown, baseTime().Add(testBoot)},
		{InstanceTerminated, StateTerminated, baseTime().Add(testBoot + testShutdown)},
		{InstanceRemoved, StateTerminated, baseTime().Add(testBoot + testShutdown + testRetention)},
	}
	for i, w := range want {
		ev := got[i]
		if ev.Kind != w.kind || ev.Instance.ID != id || ev.Instance.State != w.state || !ev.Time.Equal(w.at) || ev.Missed != 0 {
			t.Errorf("event %d = %s %s %s at %v (missed %d), want %s %s %s at %v",
				i, ev.Kind, ev.Instance.ID, ev.Instance.State, ev.Time, ev.Missed, w.kind, id, w.state, w.at)
		}
	}
	select {
	case ev := <-events:
		t.Errorf("unexpected event %s of %s", ev.Kind, ev.Instance.ID)
	default:
	}
}

func TestEventsCarryCopies(t *testing.T) {
	c, _ := simCloud(t)
	events, cancel := c.Subscribe(4)
	defer cancel()
	must(t, c.AddInstance(Instance{ID: instanceID(9), Tags: map[string]string{"k": "v"}}))
	ev := nextEvent(t, events, eventTimeout)
	ev.Instance.Tags["k"] = "changed"
	if got := mustInstance(t, c, instanceID(9)).Tags["k"]; got != "v" || ev.Kind != InstanceRunning {
		t.Errorf("event %s shares memory with the model: tag is %q", ev.Kind, got)
	}
}

func TestFullSubscriberBufferNeverBlocksTheCloud(t *testing.T) {
	c, clock := simCloud(t)
	slow, cancelSlow := c.Subscribe(1)
	defer cancelSlow()
	fast, cancelFast := c.Subscribe(0)
	defer cancelFast()

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 6 }); err != nil {
			t.Error(err)
		}
		c.Reconcile()
		step(c, clock, testBoot)
	}()
	select {
	case <-done:
	case <-time.After(eventTimeout):
		t.Fatal("the cloud blocked on a subscriber whose buffer is full")
	}

	first := nextEvent(t, slow, eventTimeout)
	if first.Kind != InstanceLaunched || first.Missed != 0 {
		t.Errorf("first event = %s missed %d, want Launched missed 0", first.Kind, first.Missed)
	}
	select {
	case ev := <-slow:
		t.Fatalf("a full buffer took event %s", ev.Kind)
	default:
	}
	must(t, c.AddInstance(Instance{ID: instanceID(9)}))
	after := nextEvent(t, slow, eventTimeout)
	if after.Instance.ID != instanceID(9) || after.Missed != 5 {
		t.Errorf("next event = %s of %s missed %d, want %s with 5 missed (2 launches, 3 boots)",
			after.Kind, after.Instance.ID, after.Missed, instanceID(9))
	}
	for i := range 7 {
		if ev := nextEvent(t, fast, eventTimeout); ev.Missed != 0 {
			t.Errorf("fast subscriber event %d missed %d", i, ev.Missed)
		}
	}
}

func TestCancelledSubscriptionIsClosed(t *testing.T) {
	c, _ := simCloud(t)
	events, cancel := c.Subscribe(0)
	cancel()
	cancel()
	must(t, c.AddInstance(Instance{ID: instanceID(9)}))
	if _, ok := <-events; ok {
		t.Error("a cancelled subscription delivered an event")
	}
}

func TestRunDrivesGroupsThroughTheAPI(t *testing.T) {
	c := NewCloud(testRegion)
	c.SetLifecycle(Lifecycle{BootDelay: 20 * time.Millisecond, ShutdownDelay: 20 * time.Millisecond,
		TerminatedRetention: 20 * time.Millisecond, Tick: 5 * time.Millisecond})
	must(t, c.AddLaunchConfiguration(LaunchConfiguration{Name: "lc", ImageID: imageID(1)}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "g", MaxSize: 3, LaunchConfigurationName: "lc"}))
	events, cancel := c.Subscribe(0)
	defer cancel()
	runCtx, stop := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); c.Run(runCtx) }()
	defer func() { stop(); <-ran }()

	client := autoscaling.NewFromConfig(startServer(t, c).AWSConfig())
	if _, err := client.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: aws.String("g"), DesiredCapacity: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	launched := nextEvent(t, events, eventTimeout)
	running := nextEvent(t, events, eventTimeout)
	id := launched.Instance.ID
	if launched.Kind != InstanceLaunched || running.Kind != InstanceRunning || running.Instance.ID != id {
		t.Fatalf("events %s %s, %s %s; want Launched then Running of one instance", launched.Kind, id, running.Kind, running.Instance.ID)
	}
	if _, err := client.TerminateInstanceInAutoScalingGroup(ctx(t), &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: aws.String(id), ShouldDecrementDesiredCapacity: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []InstanceEventKind{InstanceShuttingDown, InstanceTerminated, InstanceRemoved} {
		if ev := nextEvent(t, events, eventTimeout); ev.Kind != want || ev.Instance.ID != id {
			t.Fatalf("event %s of %s, want %s of %s", ev.Kind, ev.Instance.ID, want, id)
		}
	}
	if g := describeGroup(t, client, "g"); aws.ToInt32(g.DesiredCapacity) != 0 || len(g.Instances) != 0 {
		t.Errorf("group desired %d with %d instances, want an empty group", aws.ToInt32(g.DesiredCapacity), len(g.Instances))
	}
}
