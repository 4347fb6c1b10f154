package awssim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Tags EC2 puts on instances launched from a launch template.
const (
	launchTemplateIDTag      = "aws:ec2launchtemplate:id"
	launchTemplateVersionTag = "aws:ec2launchtemplate:version"
)

// inCapacity reports whether an instance counts toward its group's
// capacity: it is pending or running and its lifecycle state is Pending
// (with or without a lifecycle hook) or InService. Standby, Terminating and
// Detaching instances do not count.
func inCapacity(inst Instance) bool {
	if inst.State != StatePending && inst.State != StateRunning {
		return false
	}
	switch lifecycleState(inst) {
	case "Pending", "Pending:Wait", "Pending:Proceed", "InService":
		return true
	}
	return false
}

// activeMembersLocked returns the members of a group that count toward its
// capacity, ordered by ID.
func (c *Cloud) activeMembersLocked(group string) []Instance {
	var out []Instance
	for _, id := range c.members[group] {
		if inst := c.instances[id]; inCapacity(inst) {
			out = append(out, cloneInstance(inst))
		}
	}
	return out
}

// reconcileGroupLocked brings a group to its desired capacity. Missing
// instances are launched one by one into the zone with the fewest
// instances, never above MaxSize; surplus instances are picked by the
// default termination policy (pickVictimLocked) and terminated. Instances
// protected from scale in are never picked.
func (c *Cloud) reconcileGroupLocked(name string, now time.Time) {
	g := c.groups[name]
	active := c.activeMembersLocked(name)
	want := min(g.DesiredCapacity, g.MaxSize)
	switch {
	case len(active) < want:
		from := len(active)
		cause := c.takeCauseLocked(name) + fmt.Sprintf("At %s an instance was started in response to a difference "+
			"between desired and actual capacity, increasing the capacity from %d to %d.", causeTime(now), from, want)
		for len(active) < want {
			inst, err := c.launchLocked(g, active, now)
			if err != nil {
				c.recordLaunchFailureLocked(name, err, now)
				return
			}
			delete(c.launchErr, name)
			c.recordActivityLocked(activityLaunch, ScalingActivity{
				Group: name, InstanceID: inst.ID, Description: "Launching a new EC2 instance: " + inst.ID,
				Cause: cause, Details: placementDetails(inst), StartTime: now,
			})
			active = append(active, inst)
		}
	case len(active) > g.DesiredCapacity:
		from := len(active)
		cause := c.takeCauseLocked(name) + fmt.Sprintf("At %s an instance was taken out of service in response to a "+
			"difference between desired and actual capacity, shrinking the capacity from %d to %d.", causeTime(now), from, g.DesiredCapacity)
		for len(active) > g.DesiredCapacity {
			victim, ok := c.pickVictimLocked(g, active, now)
			if !ok {
				return
			}
			c.terminateByGroupLocked(victim, cause, now)
			for i := range active {
				if active[i].ID == victim.ID {
					active = append(active[:i], active[i+1:]...)
					break
				}
			}
		}
	}
}

// terminateByGroupLocked starts the termination of a member by its group
// and records the activity.
func (c *Cloud) terminateByGroupLocked(inst Instance, cause string, now time.Time) ScalingActivity {
	inst = cloneInstance(inst)
	inst.State = StateShuttingDown
	inst.LifecycleState = "Terminating"
	c.putInstanceLocked(inst)
	return c.recordActivityLocked(activityTerminate, ScalingActivity{
		Group: inst.AutoScalingGroup, InstanceID: inst.ID, Description: "Terminating EC2 instance: " + inst.ID,
		Cause: cause, Details: placementDetails(inst), StartTime: now,
	})
}

// recordLaunchFailureLocked records a failed launch, once per distinct
// reason, as Auto Scaling does when it cannot launch (for example from a
// launch template that no longer exists).
func (c *Cloud) recordLaunchFailureLocked(group string, err error, now time.Time) {
	reason := err.Error()
	if c.launchErr[group] == reason {
		return
	}
	c.launchErr[group] = reason
	c.recordActivityLocked(activityLaunch, ScalingActivity{
		Group:         group,
		Description:   "Launching a new EC2 instance.  Status Reason: " + reason + " Launching EC2 instance failed.",
		Cause:         "At " + causeTime(now) + " an instance was started in response to a difference between desired and actual capacity.",
		StartTime:     now,
		StatusCode:    ActivityFailed,
		StatusMessage: reason,
	})
}

// launchFailure is why a launch failed, in the words of the activity's
// status message.
type launchFailure struct{ reason string }

// Error returns the reason.
func (f *launchFailure) Error() string { return f.reason }

// launchFailuref returns a launchFailure.
func launchFailuref(format string, args ...any) error {
	return &launchFailure{reason: fmt.Sprintf(format, args...)}
}

// launchSpec is what one launch of a group uses.
type launchSpec struct {
	imageID      string
	instanceType string
	template     *LaunchTemplateRef // with the version resolved to a number
	configName   string
}

// launchLocked launches one pending instance for g, placed by
// placementLocked, from the group's launch source as it is now.
func (c *Cloud) launchLocked(g AutoScalingGroup, active []Instance, now time.Time) (Instance, error) {
	spec, err := c.launchSpecLocked(g)
	if err != nil {
		return Instance{}, err
	}
	zone, subnet := placementLocked(g, c.region, active)
	inst := Instance{
		ID:                      c.newIDLocked("i-", func(id string) bool { _, ok := c.instances[id]; return ok }),
		ImageID:                 spec.imageID,
		InstanceType:            spec.instanceType,
		Zone:                    zone,
		SubnetID:                subnet,
		State:                   StatePending,
		LaunchTime:              now,
		AutoScalingGroup:        g.Name,
		LaunchTemplate:          spec.template,
		LaunchConfigurationName: spec.configName,
		ProtectedFromScaleIn:    g.NewInstancesProtectedFromScaleIn,
		Tags:                    map[string]string{},
	}
	if img, ok := c.images[spec.imageID]; ok {
		inst.Architecture = img.Architecture
	}
	for k, v := range g.Tags {
		if !g.NoPropagateTags[k] {
			inst.Tags[k] = v
		}
	}
	if t := spec.template; t != nil {
		inst.Tags[launchTemplateIDTag] = t.ID
		inst.Tags[launchTemplateVersionTag] = t.Version
	}
	if err := c.normalizeInstanceLocked(&inst); err != nil {
		return Instance{}, err
	}
	c.putInstanceLocked(inst)
	return cloneInstance(inst), nil
}

// launchSpecLocked resolves what the next launch of g uses: its launch
// template with $Latest or $Default resolved now, its launch configuration,
// or its mixed instances policy, whose instance type overrides are used in
// turn.
func (c *Cloud) launchSpecLocked(g AutoScalingGroup) (launchSpec, error) {
	switch {
	case g.MixedInstances != nil:
		m := g.MixedInstances
		ref, instanceType := m.LaunchTemplate, ""
		if n := len(m.Overrides); n > 0 {
			o := m.Overrides[c.launchTurn[g.Name]%n]
			c.launchTurn[g.Name]++
			instanceType = o.InstanceType
			if o.LaunchTemplate != nil {
				ref = *o.LaunchTemplate
			}
		}
		spec, err := c.templateSpecLocked(ref)
		if instanceType != "" {
			spec.instanceType = instanceType
		}
		return spec, err
	case g.LaunchTemplate != nil:
		return c.templateSpecLocked(*g.LaunchTemplate)
	case g.LaunchConfigurationName != "":
		lc, ok := c.launchConfigs[g.LaunchConfigurationName]
		if !ok {
			return launchSpec{}, launchFailuref("Launch configuration name not found - Launch configuration %s not found.", g.LaunchConfigurationName)
		}
		return launchSpec{imageID: lc.ImageID, instanceType: lc.InstanceType, configName: lc.Name}, nil
	}
	return launchSpec{}, launchFailuref("The Auto Scaling group %s has no launch template, launch configuration or mixed instances policy.", g.Name)
}

// templateSpecLocked resolves a launch template reference to one version.
func (c *Cloud) templateSpecLocked(ref LaunchTemplateRef) (launchSpec, error) {
	key, what := ref.ID, "ID"
	if key == "" {
		key, what = ref.Name, "name"
	}
	lt, ok := c.templateLocked(key)
	if !ok {
		return launchSpec{}, launchFailuref("The specified launch template, with template %s %s, does not exist.", what, key)
	}
	number, ok := groupVersion(lt, ref.Version)
	if !ok {
		return launchSpec{}, launchFailuref("The specified launch template, with template %s %s, does not have version %s.", what, key, ref.Version)
	}
	v, _ := lt.Version(number)
	return launchSpec{
		imageID:      v.ImageID,
		instanceType: v.InstanceType,
		template:     &LaunchTemplateRef{ID: lt.ID, Name: lt.Name, Version: strconv.FormatInt(number, 10)},
	}, nil
}

// groupVersion turns "$Latest", "$Default" (or "") or a number into a
// version number of lt, and reports whether that version exists.
func groupVersion(lt LaunchTemplate, version string) (int64, bool) {
	var number int64
	switch version {
	case "$Latest":
		number = lt.LatestVersion()
	case "$Default", "":
		number = lt.DefaultVersion
	default:
		n, err := strconv.ParseInt(version, 10, 64)
		if err != nil {
			return 0, false
		}
		number = n
	}
	_, ok := lt.Version(number)
	return number, ok
}

// placement is a zone and, for groups in a VPC, a subnet of it.
type placement struct{ zone, subnet string }

// placementsOf lists where a group can launch: each subnet of its
// VPCZoneIdentifier, the i-th in the i-th zone (cycling through the zones
// when there are more subnets), or each of its zones when it names no subnet.
func placementsOf(g AutoScalingGroup, region string) []placement {
	zones := g.Zones
	if len(zones) == 0 {
		zones = []string{region + "a"}
	}
	var subnets []string
	for _, s := range strings.Split(g.VPCZoneIdentifier, ",") {
		if s = strings.TrimSpace(s); s != "" {
			subnets = append(subnets, s)
		}
	}
	if len(subnets) == 0 {
		out := make([]placement, len(zones))
		for i, z := range zones {
			out[i] = placement{zone: z}
		}
		return out
	}
	out := make([]placement, len(subnets))
	for i, s := range subnets {
		out[i] = placement{zone: zones[i%len(zones)], subnet: s}
	}
	return out
}

// placementLocked picks where the next instance of g goes, as Auto Scaling
// balances launches: the zone with the fewest active instances, then the
// subnet with the fewest; ties go to the first in the group's order.
func placementLocked(g AutoScalingGroup, region string, active []Instance) (zone, subnet string) {
	perZone, perSubnet := map[string]int{}, map[string]int{}
	for _, inst := range active {
		perZone[inst.Zone]++
		perSubnet[inst.SubnetID]++
	}
	options := placementsOf(g, region)
	best := options[0]
	for _, p := range options[1:] {
		if perZone[p.zone] < perZone[best.zone] ||
			(perZone[p.zone] == perZone[best.zone] && perSubnet[p.subnet] < perSubnet[best.subnet]) {
			best = p
		}
	}
	return best.zone, best.subnet
}
