package awssim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// Status codes of scaling activities, as Auto Scaling reports them.
const (
	ActivityInProgress = "InProgress"
	ActivitySuccessful = "Successful"
	ActivityFailed     = "Failed"
	ActivityCancelled  = "Cancelled"
)

// defaultCooldown is the cooldown of every group, in AWS's default of 300
// seconds; SetDesiredCapacity with HonorCooldown waits for it.
const defaultCooldown = 300 * time.Second

// maxActivitiesPerGroup bounds the history kept per group; AWS keeps six
// weeks of it.
const maxActivitiesPerGroup = 1000

// ScalingActivity is one Auto Scaling activity: the launch, termination or
// detachment of an instance of a group, as DescribeScalingActivities shows it.
type ScalingActivity struct {
	ID          string
	Group       string
	InstanceID  string // the instance the activity is about
	Description string // e.g. "Launching a new EC2 instance: i-..."
	Cause       string // e.g. "At 2026-11-21T09:30:00Z an instance was started in response to ..."
	Details     string // JSON, e.g. {"Subnet ID":"subnet-a","Availability Zone":"us-east-1a"}
	StartTime   time.Time
	EndTime     time.Time // zero while the activity is in progress
	StatusCode  string    // one of the Activity* constants
	// StatusMessage explains a failure.
	StatusMessage string
	Progress      int // 0 to 100
}

// activityKind tells launches, terminations and detachments apart.
type activityKind int

const (
	activityLaunch activityKind = iota
	activityTerminate
	activityDetach
)

// activityRecord is a stored activity with its sequence number, which
// orders activities newest first.
type activityRecord struct {
	ScalingActivity
	seq  uint64
	kind activityKind
}

// causeTime formats a time the way activity causes do: 2026-11-21T09:30:00Z.
func causeTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// placementDetails renders the Details of an activity about inst.
func placementDetails(inst Instance) string {
	details := map[string]string{"Availability Zone": inst.Zone}
	if inst.SubnetID != "" {
		details["Subnet ID"] = inst.SubnetID
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return "{}"
	}
	return string(raw)
}

// recordActivityLocked stores a new activity of a.Group, giving it an ID and
// the InProgress status unless it has one, and returns it.
func (c *Cloud) recordActivityLocked(kind activityKind, a ScalingActivity) ScalingActivity {
	c.actSeq++
	a.ID = stableUUID(fmt.Sprintf("activity/%s/%d", c.accountID, c.actSeq))
	a.StartTime = a.StartTime.UTC()
	if a.StatusCode == "" {
		a.StatusCode = ActivityInProgress
	}
	if a.StatusCode != ActivityInProgress {
		a.Progress = 100
		if a.EndTime.IsZero() {
			a.EndTime = a.StartTime
		}
	}
	list := append(c.activities[a.Group], activityRecord{ScalingActivity: a, seq: c.actSeq, kind: kind})
	if len(list) > maxActivitiesPerGroup {
		list = slices.Delete(list, 0, len(list)-maxActivitiesPerGroup)
	}
	c.activities[a.Group] = list
	return a
}

// finishActivitiesLocked ends the activities in progress about inst once it
// is running (its launch succeeded) or terminated (its termination
// succeeded, and a launch still in progress is cancelled).
func (c *Cloud) finishActivitiesLocked(inst Instance, now time.Time, terminated bool) {
	list := c.activities[inst.AutoScalingGroup]
	for i := range list {
		a := &list[i]
		if a.InstanceID != inst.ID || a.StatusCode != ActivityInProgress {
			continue
		}
		switch {
		case a.kind == activityLaunch && terminated:
			a.StatusCode = ActivityCancelled
		case a.kind == activityLaunch, terminated:
			a.StatusCode = ActivitySuccessful
		default:
			continue
		}
		a.EndTime = now.UTC()
		a.Progress = 100
	}
}

// activityInProgressLocked returns the activity of kind about instance id
// that is still in progress.
func (c *Cloud) activityInProgressLocked(group, id string, kind activityKind) (ScalingActivity, bool) {
	for _, a := range c.activities[group] {
		if a.InstanceID == id && a.kind == kind && a.StatusCode == ActivityInProgress {
			return a.ScalingActivity, true
		}
	}
	return ScalingActivity{}, false
}

// coolingDownLocked returns the newest activity of a group when it is still
// in progress or ended less than the cooldown ago.
func (c *Cloud) coolingDownLocked(group string, now time.Time) (ScalingActivity, bool) {
	list := c.activities[group]
	if len(list) == 0 {
		return ScalingActivity{}, false
	}
	last := list[len(list)-1].ScalingActivity
	if last.StatusCode == ActivityInProgress || now.Sub(last.EndTime) < defaultCooldown {
		return last, true
	}
	return ScalingActivity{}, false
}

// takeCauseLocked returns, once, what last changed the desired capacity of
// a group, as the opening sentence of the causes of the activities it leads
// to ("At ... a user request explicitly set group desired capacity ...").
func (c *Cloud) takeCauseLocked(group string) string {
	cause := c.causes[group]
	delete(c.causes, group)
	if cause != "" {
		cause += " "
	}
	return cause
}

// ScalingActivities returns copies of the activities of a group, newest first.
func (c *Cloud) ScalingActivities(group string) []ScalingActivity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	list := c.activities[group]
	out := make([]ScalingActivity, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].ScalingActivity)
	}
	return out
}

// activitiesPage returns one page of the activities that match, newest
// first, from every group or from one; see pageSlice.
func (c *Cloud) activitiesPage(group string, match func(*ScalingActivity) bool, after string, limit int) ([]ScalingActivity, string) {
	c.mu.RLock()
	var all []activityRecord
	for name, list := range c.activities {
		if group != "" && name != group {
			continue
		}
		for _, a := range list {
			if match(&a.ScalingActivity) {
				all = append(all, a)
			}
		}
	}
	c.mu.RUnlock()
	slices.SortFunc(all, func(a, b activityRecord) int { return cmp.Compare(b.seq, a.seq) })
	key := func(a activityRecord) string { return fmt.Sprintf("%020d", math.MaxUint64-a.seq) }
	page, next := pageSlice(all, key, after, limit)
	out := make([]ScalingActivity, len(page))
	for i, a := range page {
		out[i] = a.ScalingActivity
	}
	return out, next
}
