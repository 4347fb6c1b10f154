package awssim

import (
	"net/url"
	"strconv"
	"strings"
)

// Documented limits of the Auto Scaling actions that change groups.
const (
	asgMaxDetach     = 20 // DetachInstances: "You can specify up to 20 instances."
	asgMaxProtect    = 50 // SetInstanceProtection: up to 50 instance IDs
	asgMaxNameLength = 255
)

// errNull is Auto Scaling's answer for a missing required parameter.
func errNull(member string) *apiError {
	return clientError("ValidationError",
		"1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// asgGroupName reads the required AutoScalingGroupName.
func asgGroupName(form url.Values) (string, error) {
	name, ok := form["AutoScalingGroupName"]
	if !ok || len(name) == 0 {
		return "", errNull("autoScalingGroupName")
	}
	if n := len(name[0]); n < 1 || n > asgMaxNameLength {
		return "", validationError(name[0], "autoScalingGroupName", "Member must have length between 1 and 255")
	}
	return name[0], nil
}

// asgInt reads an optional integer parameter; nil when it is absent.
func asgInt(form url.Values, key, member string) (*int, error) {
	raw, ok := form[key]
	if !ok || len(raw) == 0 {
		return nil, nil
	}
	n, err := strconv.Atoi(raw[0])
	if err != nil {
		return nil, validationError(raw[0], member, "Member must be an integer")
	}
	if n < 0 {
		return nil, validationError(raw[0], member, "Member must have value greater than or equal to 0")
	}
	return &n, nil
}

// asgBool reads a boolean parameter; nil when it is absent, an error when it
// is absent and required.
func asgBool(form url.Values, key, member string, required bool) (*bool, error) {
	raw, ok := form[key]
	if !ok || len(raw) == 0 {
		if required {
			return nil, errNull(member)
		}
		return nil, nil
	}
	b, err := strconv.ParseBool(raw[0])
	if err != nil {
		return nil, validationError(raw[0], member, "Member must be a boolean")
	}
	return &b, nil
}

// asgIDs reads InstanceIds.member.N, at most limit of them.
func asgIDs(form url.Values, limit int) ([]string, error) {
	ids := queryList(form, "InstanceIds.member.")
	if len(ids) > limit {
		return nil, validationError(strings.Join(ids, ","), "instanceIds",
			"Member must have length less than or equal to "+strconv.Itoa(limit))
	}
	return ids, nil
}

// setDesiredCapacity implements SetDesiredCapacity.
func (s *autoScalingService) setDesiredCapacity(form url.Values) (any, error) {
	name, err := asgGroupName(form)
	if err != nil {
		return nil, err
	}
	desired, err := asgInt(form, "DesiredCapacity", "desiredCapacity")
	if err != nil {
		return nil, err
	}
	if desired == nil {
		return nil, errNull("desiredCapacity")
	}
	honor, err := asgBool(form, "HonorCooldown", "honorCooldown", false)
	if err != nil {
		return nil, err
	}
	return nil, s.cloud.setDesiredCapacity(name, *desired, honor != nil && *honor)
}

// updateAutoScalingGroup implements UpdateAutoScalingGroup for the sizes,
// the launch source (LaunchTemplate, LaunchConfigurationName or the launch
// template part of MixedInstancesPolicy), AvailabilityZones,
// VPCZoneIdentifier, HealthCheckType and NewInstancesProtectedFromScaleIn.
// Other parameters are accepted and ignored.
func (s *autoScalingService) updateAutoScalingGroup(form url.Values) (any, error) {
	name, err := asgGroupName(form)
	if err != nil {
		return nil, err
	}
	var u groupUpdate
	for _, size := range []struct {
		key, member string
		into        **int
	}{
		{"MinSize", "minSize", &u.minSize},
		{"MaxSize", "maxSize", &u.maxSize},
		{"DesiredCapacity", "desiredCapacity", &u.desired},
	} {
		if *size.into, err = asgInt(form, size.key, size.member); err != nil {
			return nil, err
		}
	}
	sources := 0
	if spec, ok := asgTemplateSpec(form, "LaunchTemplate."); ok {
		u.launchTemplate = &spec
		sources++
	}
	if lc := form.Get("LaunchConfigurationName"); lc != "" {
		u.launchConfigName = lc
		sources++
	}
	if m, ok := asgMixedInstances(form); ok {
		u.mixedInstances = m
		sources++
	}
	if sources > 1 {
		return nil, clientError("ValidationError",
			"Valid requests must contain either LaunchTemplate, LaunchConfigurationName or MixedInstancesPolicy parameter.")
	}
	if zones := queryList(form, "AvailabilityZones.member."); len(zones) > 0 {
		u.zones = zones
	}
	if _, ok := form["VPCZoneIdentifier"]; ok {
		v := form.Get("VPCZoneIdentifier")
		u.vpcZoneIdentifier = &v
	}
	switch hc := form.Get("HealthCheckType"); hc {
	case "", "EC2", "ELB", "VPC_LATTICE", "EBS":
		u.healthCheckType = hc
	default:
		return nil, validationError(hc, "healthCheckType", "Member must be one of EC2, ELB, VPC_LATTICE, EBS")
	}
	if u.protectNew, err = asgBool(form, "NewInstancesProtectedFromScaleIn", "newInstancesProtectedFromScaleIn", false); err != nil {
		return nil, err
	}
	return nil, s.cloud.updateGroup(name, u)
}

// asgTemplateSpec reads a LaunchTemplateSpecification under prefix
// (LaunchTemplate., or ...LaunchTemplateSpecification.), and whether any of
// its members is present.
func asgTemplateSpec(form url.Values, prefix string) (LaunchTemplateRef, bool) {
	ref := LaunchTemplateRef{
		ID:      form.Get(prefix + "LaunchTemplateId"),
		Name:    form.Get(prefix + "LaunchTemplateName"),
		Version: form.Get(prefix + "Version"),
	}
	return ref, ref != LaunchTemplateRef{}
}

// asgMixedInstances reads the launch template part of a
// MixedInstancesPolicy. Overrides is nil when the request does not list
// them, so that the group keeps its own.
func asgMixedInstances(form url.Values) (*MixedInstancesPolicy, bool) {
	const base = "MixedInstancesPolicy.LaunchTemplate."
	present := false
	for key := range form {
		if strings.HasPrefix(key, "MixedInstancesPolicy.") {
			present = true
		}
	}
	if !present {
		return nil, false
	}
	m := &MixedInstancesPolicy{}
	m.LaunchTemplate, _ = asgTemplateSpec(form, base+"LaunchTemplateSpecification.")
	members, listed := queryStructs(form, base+"Overrides.member.")
	if listed {
		m.Overrides = []Override{}
	}
	for _, o := range members {
		override := Override{InstanceType: o["InstanceType"], WeightedCapacity: o["WeightedCapacity"]}
		sub := url.Values{}
		for k, v := range o {
			sub.Set(k, v)
		}
		if ref, ok := asgTemplateSpec(sub, "LaunchTemplateSpecification."); ok {
			override.LaunchTemplate = &ref
		}
		m.Overrides = append(m.Overrides, override)
	}
	return m, true
}

// terminateInstanceInAutoScalingGroup implements
// TerminateInstanceInAutoScalingGroup and answers the termination activity.
func (s *autoScalingService) terminateInstanceInAutoScalingGroup(form url.Values) (any, error) {
	id := form.Get("InstanceId")
	if id == "" {
		return nil, errNull("instanceId")
	}
	if len(id) > 19 {
		return nil, validationError(id, "instanceId", "Member must have length less than or equal to 19")
	}
	decrement, err := asgBool(form, "ShouldDecrementDesiredCapacity", "shouldDecrementDesiredCapacity", true)
	if err != nil {
		return nil, err
	}
	a, err := s.cloud.terminateInGroup(id, *decrement)
	if err != nil {
		return nil, err
	}
	return &struct {
		Activity asgActivity `xml:"Activity"`
	}{s.activityOf(a)}, nil
}

// detachInstances implements DetachInstances and answers one activity per
// detached instance.
func (s *autoScalingService) detachInstances(form url.Values) (any, error) {
	name, err := asgGroupName(form)
	if err != nil {
		return nil, err
	}
	ids, err := asgIDs(form, asgMaxDetach)
	if err != nil {
		return nil, err
	}
	decrement, err := asgBool(form, "ShouldDecrementDesiredCapacity", "shouldDecrementDesiredCapacity", true)
	if err != nil {
		return nil, err
	}
	activities, err := s.cloud.detach(name, ids, *decrement)
	if err != nil {
		return nil, err
	}
	return &asgActivitiesResult{Activities: s.activitiesOf(activities)}, nil
}

// setInstanceProtection implements SetInstanceProtection.
func (s *autoScalingService) setInstanceProtection(form url.Values) (any, error) {
	name, err := asgGroupName(form)
	if err != nil {
		return nil, err
	}
	ids, err := asgIDs(form, asgMaxProtect)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errNull("instanceIds")
	}
	protected, err := asgBool(form, "ProtectedFromScaleIn", "protectedFromScaleIn", true)
	if err != nil {
		return nil, err
	}
	if err := s.cloud.setInstanceProtection(name, ids, *protected); err != nil {
		return nil, err
	}
	return &struct{}{}, nil // an empty SetInstanceProtectionResult, as AWS sends
}
