package awssim

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// Test lifecycle timings: long enough apart to tell the steps apart.
const (
	testBoot      = 10 * time.Second
	testShutdown  = 5 * time.Second
	testRetention = time.Minute
)

// testZones returns the zones of the test group, which has one subnet in each.
func testZones() []string { return []string{"us-east-1a", "us-east-1b", "us-east-1c"} }

// simCloud returns a cloud on a fake clock with the templates of
// templateCloud (nodes: versions 1 to 3, default 2), a launch configuration
// "legacy-lc", and the group "workers" (min 1, max 6, desired 3) on
// nodes/$Latest in three zones, with one running InService instance per
// zone (IDs 1 to 3, launched from version 3) that boot fast.
func simCloud(t *testing.T) (*Cloud, *fakeClock) {
	t.Helper()
	c := templateCloud(t)
	clock := &fakeClock{now: baseTime()}
	c.SetClock(clock.Now)
	c.SetLifecycle(Lifecycle{BootDelay: testBoot, ShutdownDelay: testShutdown, TerminatedRetention: testRetention})
	must(t, c.AddImage(Image{ID: imageID(3), Name: "node-3", Architecture: "arm64"}))
	must(t, c.AddLaunchConfiguration(LaunchConfiguration{Name: "legacy-lc", ImageID: imageID(8), InstanceType: "t3.large"}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{
		Name: "workers", MinSize: 1, MaxSize: 6, DesiredCapacity: 3,
		Zones: testZones(), VPCZoneIdentifier: "subnet-a,subnet-b,subnet-c",
		LaunchTemplate: &LaunchTemplateRef{ID: templateID(1), Version: "$Latest"},
		Tags:           map[string]string{"team": "blue", "cost-center": "42"},
	}))
	for i, zone := range testZones() {
		must(t, c.AddInstance(Instance{ID: instanceID(i + 1), AutoScalingGroup: "workers", Zone: zone,
			SubnetID: "subnet-" + zone[len(zone)-1:], LaunchTime: baseTime().Add(-time.Duration(i+1) * time.Hour)}))
	}
	return c, clock
}

// step advances the clock by d and reconciles once.
func step(c *Cloud, clock *fakeClock, d time.Duration) {
	clock.Advance(d)
	c.Reconcile()
}

// activeIDs returns the IDs of the members of a group that count toward
// its capacity.
func activeIDs(c *Cloud, group string) []string {
	var ids []string
	for _, inst := range c.GroupInstances(group) {
		if inCapacity(inst) {
			ids = append(ids, inst.ID)
		}
	}
	return ids
}

// zoneCounts counts the active members of a group per zone.
func zoneCounts(c *Cloud, group string) map[string]int {
	counts := map[string]int{}
	for _, inst := range c.GroupInstances(group) {
		if inCapacity(inst) {
			counts[inst.Zone]++
		}
	}
	return counts
}

// newIDs returns the IDs in after that are not in before.
func newIDs(before, after []string) []string {
	var out []string
	for _, id := range after {
		if !slices.Contains(before, id) {
			out = append(out, id)
		}
	}
	return out
}

// mustInstance returns the instance with the given ID or fails the test.
func mustInstance(t *testing.T, c *Cloud, id string) Instance {
	t.Helper()
	inst, ok := c.Instance(id)
	if !ok {
		t.Fatalf("instance %s not found", id)
	}
	return inst
}

// nextEvent waits for the next event on ch, failing the test after timeout.
func nextEvent(t *testing.T, ch <-chan InstanceEvent, timeout time.Duration) InstanceEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event channel closed")
		}
		return ev
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
	}
	return InstanceEvent{}
}
