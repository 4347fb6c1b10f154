package awssim

import (
	"fmt"
	"slices"
	"strings"
)

// The Auto Scaling actions that change groups, with the rules and error
// messages of the Amazon EC2 Auto Scaling API Reference. They answer AWS
// errors (apiError), which the handlers pass on as they are.

// errGroupNotFound is Auto Scaling's answer for an unknown group name.
func errGroupNotFound(name string) *apiError {
	return clientError("ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", name)
}

// errNotInGroup is the answer for an instance that is not a member of group.
func errNotInGroup(id, group string) *apiError {
	return clientError("ValidationError", "The instance %s is not part of Auto Scaling group %s.", id, group)
}

// setDesiredCapacity implements SetDesiredCapacity: the new capacity must
// lie within [MinSize, MaxSize]; with honorCooldown, a group whose last
// scaling activity is in progress or ended less than its cooldown (300 s)
// ago refuses with ScalingActivityInProgress.
func (c *Cloud) setDesiredCapacity(name string, desired int, honorCooldown bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.groups[name]
	if !ok {
		return errGroupNotFound(name)
	}
	if desired < g.MinSize {
		return clientError("ValidationError", "New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", desired, g.MinSize)
	}
	if desired > g.MaxSize {
		return clientError("ValidationError", "New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", desired, g.MaxSize)
	}
	now := c.now()
	if honorCooldown {
		if a, busy := c.coolingDownLocked(name, now); busy {
			return clientError("ScalingActivityInProgress", "Scaling activity %s is in progress and blocks this action", a.ID)
		}
	}
	if desired != g.DesiredCapacity {
		c.causes[name] = fmt.Sprintf("At %s a user request explicitly set group desired capacity changing the desired capacity from %d to %d.",
			causeTime(now), g.DesiredCapacity, desired)
	}
	g.DesiredCapacity = desired
	c.groups[name] = g
	return nil
}

// groupUpdate is an UpdateAutoScalingGroup request: nil or unset members
// leave the group as it is.
type groupUpdate struct {
	minSize, maxSize, desired *int
	// At most one launch source is set.
	launchTemplate    *LaunchTemplateRef
	launchConfigName  string
	mixedInstances    *MixedInstancesPolicy
	zones             []string
	vpcZoneIdentifier *string
	healthCheckType   string
	protectNew        *bool
}

// updateGroup implements UpdateAutoScalingGroup. Sizes follow the API
// reference: a new MinSize above the desired capacity raises it to MinSize
// and a new MaxSize below it lowers it to MaxSize, unless DesiredCapacity is
// given; then MinSize <= DesiredCapacity <= MaxSize must hold. A new launch
// template, launch configuration or mixed instances policy replaces the
// group's launch source for the instances launched from now on; a mixed
// instances policy without a launch template or overrides keeps the
// group's.
func (c *Cloud) updateGroup(name string, u groupUpdate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.groups[name]
	if !ok {
		return errGroupNotFound(name)
	}
	g := cloneGroup(old)
	if u.minSize != nil {
		g.MinSize = *u.minSize
	}
	if u.maxSize != nil {
		g.MaxSize = *u.maxSize
	}
	switch {
	case u.desired != nil:
		g.DesiredCapacity = *u.desired
	default:
		if u.minSize != nil && g.MinSize > g.DesiredCapacity {
			g.DesiredCapacity = g.MinSize
		}
		if u.maxSize != nil && g.MaxSize < g.DesiredCapacity {
			g.DesiredCapacity = g.MaxSize
		}
	}
	if g.MinSize > g.MaxSize {
		return clientError("ValidationError", "Max bound, %d, must be greater than or equal to min bound, %d", g.MaxSize, g.MinSize)
	}
	if g.DesiredCapacity < g.MinSize || g.DesiredCapacity > g.MaxSize {
		return clientError("ValidationError", "Desired capacity:%d must be between the specified min size:%d and max size:%d",
			g.DesiredCapacity, g.MinSize, g.MaxSize)
	}
	if err := c.applyLaunchSourceLocked(&g, u); err != nil {
		return err
	}
	if u.zones != nil {
		g.Zones = slices.Clone(u.zones)
	}
	if u.vpcZoneIdentifier != nil {
		g.VPCZoneIdentifier = *u.vpcZoneIdentifier
	}
	if u.healthCheckType != "" {
		g.HealthCheckType = u.healthCheckType
	}
	if u.protectNew != nil {
		g.NewInstancesProtectedFromScaleIn = *u.protectNew
	}
	if err := validateGroup(&g); err != nil {
		return clientError("ValidationError", "%s", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	if g.DesiredCapacity != old.DesiredCapacity {
		c.causes[name] = fmt.Sprintf("At %s a user request update of AutoScalingGroup constraints to min: %d, max: %d, desired: %d "+
			"changing the desired capacity from %d to %d.", causeTime(c.now()), g.MinSize, g.MaxSize, g.DesiredCapacity,
			old.DesiredCapacity, g.DesiredCapacity)
	}
	c.groups[name] = g
	return nil
}

// applyLaunchSourceLocked checks the launch source of an update against the
// known templates and configurations and makes it the group's only one.
func (c *Cloud) applyLaunchSourceLocked(g *AutoScalingGroup, u groupUpdate) error {
	switch {
	case u.launchTemplate != nil:
		if err := c.checkTemplateRefLocked(*u.launchTemplate); err != nil {
			return err
		}
		g.LaunchTemplate, g.LaunchConfigurationName, g.MixedInstances = cloneRef(u.launchTemplate), "", nil
	case u.mixedInstances != nil:
		m := *u.mixedInstances
		if old := g.MixedInstances; old != nil {
			if m.LaunchTemplate.ID == "" && m.LaunchTemplate.Name == "" {
				m.LaunchTemplate = old.LaunchTemplate
			}
			if m.Overrides == nil {
				m.Overrides = old.Overrides
			}
		}
		refs := []LaunchTemplateRef{m.LaunchTemplate}
		for _, o := range m.Overrides {
			if o.LaunchTemplate != nil {
				refs = append(refs, *o.LaunchTemplate)
			}
		}
		for _, ref := range refs {
			if err := c.checkTemplateRefLocked(ref); err != nil {
				return err
			}
		}
		g.LaunchTemplate, g.LaunchConfigurationName, g.MixedInstances = nil, "", &m
	case u.launchConfigName != "":
		if _, ok := c.launchConfigs[u.launchConfigName]; !ok {
			return clientError("ValidationError", "Launch configuration name not found - Launch configuration %s not found", u.launchConfigName)
		}
		g.LaunchTemplate, g.LaunchConfigurationName, g.MixedInstances = nil, u.launchConfigName, nil
	}
	return nil
}

// checkTemplateRefLocked answers what Auto Scaling answers for a launch
// template it cannot use.
func (c *Cloud) checkTemplateRefLocked(ref LaunchTemplateRef) error {
	if (ref.ID == "") == (ref.Name == "") {
		return clientError("ValidationError", "Valid requests must contain either launchTemplateId or LaunchTemplateName")
	}
	key, what := ref.ID, "ID"
	if key == "" {
		key, what = ref.Name, "name"
	}
	lt, ok := c.templateLocked(key)
	if !ok {
		return clientError("ValidationError", "You must use a valid fully-formed launch template. The specified launch template, "+
			"with template %s %s, does not exist.", what, key)
	}
	if _, ok := groupVersion(lt, ref.Version); !ok {
		return clientError("ValidationError", "You must use a valid fully-formed launch template. The specified launch template, "+
			"with template %s %s, does not have version %s.", what, key, ref.Version)
	}
	return nil
}

// terminateInGroup implements TerminateInstanceInAutoScalingGroup. With
// decrement, the desired capacity drops by one, which a group already at
// its MinSize refuses; without, the group launches a replacement. An
// instance already terminating answers its termination activity again.
func (c *Cloud) terminateInGroup(id string, decrement bool) (ScalingActivity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inst, ok := c.instances[id]
	g, known := c.groups[inst.AutoScalingGroup]
	if !ok || !known || inst.State == StateTerminated {
		return ScalingActivity{}, clientError("ValidationError",
			"Instance Id not found - No managed instance found for instance ID: %s", id)
	}
	if a, ok := c.activityInProgressLocked(g.Name, id, activityTerminate); ok {
		return a, nil
	}
	now := c.now()
	cause := fmt.Sprintf("At %s instance %s was taken out of service in response to a user request.", causeTime(now), id)
	if decrement {
		if g.DesiredCapacity <= g.MinSize {
			return ScalingActivity{}, clientError("ValidationError", "Currently, desiredSize equals minSize (%d). Terminating instance "+
				"without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag "+
				"to false or lower group's min size.", g.MinSize)
		}
		cause = fmt.Sprintf("At %s instance %s was taken out of service in response to a user request, shrinking the capacity from %d to %d.",
			causeTime(now), id, g.DesiredCapacity, g.DesiredCapacity-1)
		g.DesiredCapacity--
		c.groups[g.Name] = g
	}
	return c.terminateByGroupLocked(inst, cause, now), nil
}

// detach implements DetachInstances: the instances must be members in
// service or in standby; with decrement the desired capacity drops by their
// number, which must not take it below MinSize; without, the group launches
// replacements. Detached instances keep running and lose the
// aws:autoscaling:groupName tag, as the user guide says.
func (c *Cloud) detach(group string, ids []string, decrement bool) ([]ScalingActivity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.groups[group]
	if !ok {
		return nil, errGroupNotFound(group)
	}
	ids = uniqueStrings(ids)
	for _, id := range ids {
		inst, ok := c.instances[id]
		if !ok || inst.AutoScalingGroup != group || inst.State == StateTerminated {
			return nil, errNotInGroup(id, group)
		}
		if state := lifecycleState(inst); state != "InService" && state != "Standby" {
			return nil, clientError("ValidationError", "The instance %s is not in InService or Standby.", id)
		}
	}
	from := g.DesiredCapacity
	if decrement {
		if g.DesiredCapacity-len(ids) < g.MinSize {
			noun := "instance"
			if len(ids) > 1 {
				noun = "instances"
			}
			return nil, clientError("ValidationError", "AutoScalingGroup %s has min-size=%d, max-size=%d, and desired-size=%d. "+
				"To detach %d %s, please update the AutoScalingGroup sizes appropriately.", group, g.MinSize, g.MaxSize,
				g.DesiredCapacity, len(ids), noun)
		}
		g.DesiredCapacity -= len(ids)
		c.groups[group] = g
	}
	now := c.now()
	out := make([]ScalingActivity, 0, len(ids))
	for i, id := range ids {
		inst := cloneInstance(c.instances[id])
		cause := fmt.Sprintf("At %s instance %s was detached in response to a user request.", causeTime(now), id)
		if decrement {
			cause = fmt.Sprintf("At %s instance %s was detached in response to a user request, shrinking the capacity from %d to %d.",
				causeTime(now), id, from-i, from-i-1)
		}
		out = append(out, c.recordActivityLocked(activityDetach, ScalingActivity{
			Group: group, InstanceID: id, Description: "Detaching EC2 instance: " + id, Cause: cause,
			Details: placementDetails(inst), StartTime: now, StatusCode: ActivitySuccessful,
		}))
		inst.AutoScalingGroup, inst.LifecycleState = "", ""
		if err := c.normalizeInstanceLocked(&inst); err != nil {
			return nil, err
		}
		c.putInstanceLocked(inst)
	}
	return out, nil
}

// setInstanceProtection implements SetInstanceProtection.
func (c *Cloud) setInstanceProtection(group string, ids []string, protected bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.groups[group]; !ok {
		return errGroupNotFound(group)
	}
	for _, id := range ids {
		if inst, ok := c.instances[id]; !ok || inst.AutoScalingGroup != group || inst.State == StateTerminated {
			return errNotInGroup(id, group)
		}
	}
	for _, id := range ids {
		inst := cloneInstance(c.instances[id])
		inst.ProtectedFromScaleIn = protected
		c.putInstanceLocked(inst)
	}
	return nil
}

// uniqueStrings returns ss without repeats, in first-seen order.
func uniqueStrings(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
