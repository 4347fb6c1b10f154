package awssim

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// LaunchTemplateRef names a launch template and a version of it, as Auto
// Scaling groups and EKS node groups do. Either ID or Name is enough; the
// simulator answers with both when it knows the template.
type LaunchTemplateRef struct {
	ID      string
	Name    string
	Version string // a number, "$Latest" or "$Default"; "$Default" when empty
}

// MixedInstancesPolicy is the launch part of an Auto Scaling mixed instances policy.
type MixedInstancesPolicy struct {
	LaunchTemplate LaunchTemplateRef
	Overrides      []Override
}

// Override is one instance type of a mixed instances policy, optionally with
// its own launch template.
type Override struct {
	InstanceType     string
	WeightedCapacity string
	LaunchTemplate   *LaunchTemplateRef
}

// AutoScalingGroup is an EC2 Auto Scaling group. Its instances are the
// instances whose AutoScalingGroup names it.
type AutoScalingGroup struct {
	Name            string
	MinSize         int
	MaxSize         int
	DesiredCapacity int
	Zones           []string // defaults to the region's "a" zone
	// VPCZoneIdentifier is the comma-separated list of subnet IDs.
	VPCZoneIdentifier string
	// Exactly one of LaunchTemplate, LaunchConfigurationName and
	// MixedInstances says what the group launches (none is tolerated).
	LaunchTemplate          *LaunchTemplateRef
	LaunchConfigurationName string
	MixedInstances          *MixedInstancesPolicy
	HealthCheckType         string // "EC2" when empty
	CreatedTime             time.Time
	Tags                    map[string]string
	// NoPropagateTags holds the keys of the tags whose PropagateAtLaunch is
	// false; every other tag is copied to the instances the group launches.
	NoPropagateTags map[string]bool
	// NewInstancesProtectedFromScaleIn protects the instances the group
	// launches from scale in.
	NewInstancesProtectedFromScaleIn bool
}

// LaunchConfiguration is an Auto Scaling launch configuration.
type LaunchConfiguration struct {
	Name         string
	ImageID      string
	InstanceType string
	CreatedTime  time.Time
}

// groupView is a group as DescribeAutoScalingGroups shows it: with its ARN,
// its current instances and launch template references completed.
type groupView struct {
	AutoScalingGroup
	ARN     string
	Members []Instance
}

// AddLaunchConfiguration adds a launch configuration, replacing any with the same name.
func (c *Cloud) AddLaunchConfiguration(lc LaunchConfiguration) error {
	if lc.Name == "" || len(lc.Name) > 255 {
		return invalidf("launch configuration name %q must have 1 to 255 characters", lc.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lc.CreatedTime = c.stampLocked(lc.CreatedTime)
	c.launchConfigs[lc.Name] = lc
	c.launchConfigNames.insert(lc.Name)
	return nil
}

// LaunchConfiguration returns the launch configuration with the given name.
func (c *Cloud) LaunchConfiguration(name string) (LaunchConfiguration, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	lc, ok := c.launchConfigs[name]
	return lc, ok
}

// launchConfigurationsPage returns one page of matching launch configurations
// in name order; see pageOf.
func (c *Cloud) launchConfigurationsPage(after string, limit int, match func(*LaunchConfiguration) bool) ([]LaunchConfiguration, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	lookup := func(name string) LaunchConfiguration { return c.launchConfigs[name] }
	same := func(lc LaunchConfiguration) LaunchConfiguration { return lc }
	return pageOf(c.launchConfigNames, lookup, after, limit, match, same)
}

// AddAutoScalingGroup adds a group, replacing any group with the same name.
func (c *Cloud) AddAutoScalingGroup(g AutoScalingGroup) error {
	g = cloneGroup(g)
	if err := validateGroup(&g); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(g.Zones) == 0 {
		g.Zones = []string{c.region + "a"}
	}
	g.CreatedTime = c.stampLocked(g.CreatedTime)
	c.groups[g.Name] = g
	c.groupNames.insert(g.Name)
	return nil
}

// validateGroup checks what AWS checks when a group is created or updated
// and fills in defaults.
func validateGroup(g *AutoScalingGroup) error {
	if g.Name == "" || len(g.Name) > 255 {
		return invalidf("Auto Scaling group name %q must have 1 to 255 characters", g.Name)
	}
	if g.MinSize < 0 || g.MinSize > g.MaxSize || g.DesiredCapacity < g.MinSize || g.DesiredCapacity > g.MaxSize {
		return invalidf("Auto Scaling group %s: need 0 <= MinSize (%d) <= DesiredCapacity (%d) <= MaxSize (%d)",
			g.Name, g.MinSize, g.DesiredCapacity, g.MaxSize)
	}
	sources := 0
	for _, set := range []bool{g.LaunchTemplate != nil, g.LaunchConfigurationName != "", g.MixedInstances != nil} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return invalidf("Auto Scaling group %s: give only one of LaunchTemplate, LaunchConfigurationName and MixedInstances", g.Name)
	}
	refs := []*LaunchTemplateRef{g.LaunchTemplate}
	if g.MixedInstances != nil {
		refs = append(refs, &g.MixedInstances.LaunchTemplate)
		for i := range g.MixedInstances.Overrides {
			refs = append(refs, g.MixedInstances.Overrides[i].LaunchTemplate)
		}
	}
	for _, ref := range refs {
		if ref == nil {
			continue
		}
		if ref.ID == "" && ref.Name == "" {
			return invalidf("Auto Scaling group %s: a launch template needs an ID or a name", g.Name)
		}
		if ref.Version == "" {
			ref.Version = "$Default"
		}
	}
	if g.HealthCheckType == "" {
		g.HealthCheckType = "EC2"
	}
	return nil
}

// AutoScalingGroup returns a copy of the group with the given name.
func (c *Cloud) AutoScalingGroup(name string) (AutoScalingGroup, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, ok := c.groups[name]
	return cloneGroup(g), ok
}

// AutoScalingGroups returns copies of all groups, ordered by name.
func (c *Cloud) AutoScalingGroups() []AutoScalingGroup {
	c.mu.RLock()
	defer c.mu.RUnlock()
	page, _ := pageOf(c.groupNames, func(n string) AutoScalingGroup { return c.groups[n] }, "", 0, nil, cloneGroup)
	return page
}

// UpdateAutoScalingGroup applies fn to a copy of the group and stores the
// result if it is still valid; the name cannot change.
func (c *Cloud) UpdateAutoScalingGroup(name string, fn func(*AutoScalingGroup)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.groups[name]
	if !ok {
		return notFoundf("Auto Scaling group %s", name)
	}
	g := cloneGroup(old)
	fn(&g)
	if g.Name != name {
		return invalidf("Auto Scaling group %s: the name cannot change (to %q)", name, g.Name)
	}
	if err := validateGroup(&g); err != nil {
		return err
	}
	c.groups[name] = g
	return nil
}

// GroupInstances returns copies of the instances of a group that are not
// terminated, ordered by ID.
func (c *Cloud) GroupInstances(name string) []Instance {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.membersLocked(name)
}

func (c *Cloud) membersLocked(name string) []Instance {
	var out []Instance
	for _, id := range c.members[name] {
		inst := c.instances[id]
		if inst.State != StateTerminated {
			out = append(out, cloneInstance(inst))
		}
	}
	return out
}

// groupsPage returns one page of matching groups in name order, as
// DescribeAutoScalingGroups shows them; see pageOf.
func (c *Cloud) groupsPage(after string, limit int, match func(*AutoScalingGroup) bool, withMembers bool) ([]groupView, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	page, next := pageOf(c.groupNames, func(n string) AutoScalingGroup { return c.groups[n] }, after, limit, match, cloneGroup)
	views := make([]groupView, 0, len(page))
	for _, g := range page {
		v := groupView{AutoScalingGroup: g, ARN: c.groupARN(g.Name)}
		c.completeRefLocked(v.LaunchTemplate)
		if m := v.MixedInstances; m != nil {
			c.completeRefLocked(&m.LaunchTemplate)
			for i := range m.Overrides {
				c.completeRefLocked(m.Overrides[i].LaunchTemplate)
			}
		}
		if withMembers {
			v.Members = c.membersLocked(g.Name)
			for i := range v.Members {
				c.completeRefLocked(v.Members[i].LaunchTemplate)
			}
		}
		views = append(views, v)
	}
	return views, next
}

// groupARN returns the ARN of a group, stable for a given name.
func (c *Cloud) groupARN(name string) string {
	return c.arn("autoscaling", "autoScalingGroup:"+stableUUID("asg/"+name)+":autoScalingGroupName/"+name)
}

// completeRef fills in the ID or name of a reference to a known template.
func (c *Cloud) completeRef(ref *LaunchTemplateRef) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.completeRefLocked(ref)
}

// completeRefLocked fills in the ID or name of a reference to a known template.
func (c *Cloud) completeRefLocked(ref *LaunchTemplateRef) {
	if ref == nil {
		return
	}
	key := ref.ID
	if key == "" {
		key = ref.Name
	}
	if lt, ok := c.templateLocked(key); ok {
		ref.ID, ref.Name = lt.ID, lt.Name
	}
}

// launchSourceLocked says what an instance of type instanceType launched by g
// was launched from: a template reference with its version resolved to a
// number when the template is known, or a launch configuration name.
func (c *Cloud) launchSourceLocked(g AutoScalingGroup, instanceType string) (*LaunchTemplateRef, string) {
	var ref *LaunchTemplateRef
	switch {
	case g.LaunchTemplate != nil:
		ref = cloneRef(g.LaunchTemplate)
	case g.MixedInstances != nil:
		ref = cloneRef(&g.MixedInstances.LaunchTemplate)
		for _, o := range g.MixedInstances.Overrides {
			if o.InstanceType == instanceType && o.LaunchTemplate != nil {
				ref = cloneRef(o.LaunchTemplate)
			}
		}
	default:
		return nil, g.LaunchConfigurationName
	}
	key := ref.ID
	if key == "" {
		key = ref.Name
	}
	if lt, ok := c.templateLocked(key); ok {
		ref.ID, ref.Name = lt.ID, lt.Name
		switch ref.Version {
		case "$Latest":
			ref.Version = strconv.FormatInt(lt.LatestVersion(), 10)
		case "$Default", "":
			ref.Version = strconv.FormatInt(lt.DefaultVersion, 10)
		}
	}
	return ref, ""
}

func cloneGroup(g AutoScalingGroup) AutoScalingGroup {
	g.Zones = slices.Clone(g.Zones)
	g.LaunchTemplate = cloneRef(g.LaunchTemplate)
	g.Tags = cloneTags(g.Tags)
	if g.NoPropagateTags != nil {
		g.NoPropagateTags = maps.Clone(g.NoPropagateTags)
	}
	if g.MixedInstances != nil {
		m := *g.MixedInstances
		m.Overrides = slices.Clone(m.Overrides)
		for i := range m.Overrides {
			m.Overrides[i].LaunchTemplate = cloneRef(m.Overrides[i].LaunchTemplate)
		}
		g.MixedInstances = &m
	}
	return g
}
