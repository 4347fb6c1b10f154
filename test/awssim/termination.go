package awssim

import (
	"strconv"
	"time"
)

// pickVictimLocked chooses the instance a group terminates when it scales
// in, by the default termination policy as the Amazon EC2 Auto Scaling User
// Guide describes it ("Configure termination policies", "How the default
// termination policy works"), among the active instances that are not
// protected from scale in:
//
//  1. the Availability Zones with the most instances and at least one
//     unprotected instance;
//  2. within them, the instances with the most outdated configuration: for
//     a group with a launch template, first instances launched from a
//     launch configuration, then from another launch template than the
//     current one, then from the oldest version of the current template;
//     for a group with a launch configuration, the oldest launch
//     configuration;
//  3. of those, the instance closest to its next billing hour;
//  4. AWS then picks at random; the simulator picks the lowest instance ID,
//     so that tests are repeatable.
//
// It reports false when every instance is protected.
func (c *Cloud) pickVictimLocked(g AutoScalingGroup, active []Instance, now time.Time) (Instance, bool) {
	perZone := map[string]int{}
	var candidates []Instance
	for _, inst := range active {
		perZone[inst.Zone]++
		if !inst.ProtectedFromScaleIn {
			candidates = append(candidates, inst)
		}
	}
	if len(candidates) == 0 {
		return Instance{}, false
	}
	most := 0
	for _, inst := range candidates {
		most = max(most, perZone[inst.Zone])
	}
	candidates = keepBest(candidates, func(inst Instance) int64 { return int64(perZone[inst.Zone]) }, int64(most))
	candidates = c.mostOutdatedLocked(g, candidates)
	untilNextHour := func(inst Instance) int64 {
		return int64(max(now.Sub(inst.LaunchTime), 0) % time.Hour)
	}
	candidates = keepMax(candidates, untilNextHour)
	return candidates[0], true
}

// mostOutdatedLocked keeps the candidates whose configuration is the most
// outdated, as step 2 of pickVictimLocked says.
func (c *Cloud) mostOutdatedLocked(g AutoScalingGroup, candidates []Instance) []Instance {
	switch {
	case g.LaunchTemplate != nil || g.MixedInstances != nil:
		current := c.currentTemplatesLocked(g)
		staleness := func(inst Instance) int64 {
			switch {
			case inst.LaunchConfigurationName != "":
				return 2
			case inst.LaunchTemplate == nil || !current[c.templateIDLocked(*inst.LaunchTemplate)]:
				return 1
			}
			return 0
		}
		candidates = keepMax(candidates, staleness)
		if staleness(candidates[0]) == 0 {
			version := func(inst Instance) int64 {
				n, err := strconv.ParseInt(inst.LaunchTemplate.Version, 10, 64)
				if err != nil {
					return 0
				}
				return -n
			}
			candidates = keepMax(candidates, version)
		}
		return candidates
	case g.LaunchConfigurationName != "":
		age := func(inst Instance) int64 {
			lc, ok := c.launchConfigs[inst.LaunchConfigurationName]
			if !ok {
				return 0 // unknown, or no launch configuration at all: oldest
			}
			return -lc.CreatedTime.UnixNano()
		}
		return keepMax(candidates, age)
	}
	return candidates
}

// currentTemplatesLocked returns the IDs of the launch templates a group
// launches from now.
func (c *Cloud) currentTemplatesLocked(g AutoScalingGroup) map[string]bool {
	current := map[string]bool{}
	if g.LaunchTemplate != nil {
		current[c.templateIDLocked(*g.LaunchTemplate)] = true
	}
	if m := g.MixedInstances; m != nil {
		current[c.templateIDLocked(m.LaunchTemplate)] = true
		for _, o := range m.Overrides {
			if o.LaunchTemplate != nil {
				current[c.templateIDLocked(*o.LaunchTemplate)] = true
			}
		}
	}
	return current
}

// templateIDLocked returns the ID of the template a reference names, or
// the name it was given when the template is unknown.
func (c *Cloud) templateIDLocked(ref LaunchTemplateRef) string {
	key := ref.ID
	if key == "" {
		key = ref.Name
	}
	if lt, ok := c.templateLocked(key); ok {
		return lt.ID
	}
	return key
}

// keepMax returns the instances with the highest score, in their order.
func keepMax(instances []Instance, score func(Instance) int64) []Instance {
	best := score(instances[0])
	for _, inst := range instances[1:] {
		best = max(best, score(inst))
	}
	return keepBest(instances, score, best)
}

// keepBest returns the instances whose score is want, in their order.
func keepBest(instances []Instance, score func(Instance) int64, want int64) []Instance {
	var out []Instance
	for _, inst := range instances {
		if score(inst) == want {
			out = append(out, inst)
		}
	}
	return out
}
