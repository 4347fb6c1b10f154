package awssim

import (
	"net/url"
)

// ec2MaxTerminate is the documented limit of TerminateInstances: "you can
// specify up to 1000 instance IDs".
const ec2MaxTerminate = 1000

// ec2StateChange is the InstanceStateChange shape of TerminateInstances.
type ec2StateChange struct {
	InstanceID    string           `xml:"instanceId"`
	CurrentState  ec2InstanceState `xml:"currentState"`
	PreviousState ec2InstanceState `xml:"previousState"`
}

// ec2Return answers the EC2 actions whose only output is <return>true</return>.
type ec2Return struct {
	ec2Meta
	Return bool `xml:"return"`
}

// ec2State renders a state name with its code.
func ec2State(name string) ec2InstanceState {
	code, _ := instanceStateCode(name)
	return ec2InstanceState{Code: code, Name: name}
}

// errInstancesNotFound is EC2's answer for unknown instance IDs.
func errInstancesNotFound(missing []string) *apiError {
	if len(missing) == 1 {
		return clientError("InvalidInstanceID.NotFound", "The instance ID %s does not exist", quotedList(missing))
	}
	return clientError("InvalidInstanceID.NotFound", "The instance IDs %s do not exist", quotedList(missing))
}

// terminateInstances implements TerminateInstances: InstanceId.N (up to
// 1000), answering each instance's previous and current state.
func (s *ec2Service) terminateInstances(form url.Values) (any, error) {
	ids := queryList(form, "InstanceId.")
	switch {
	case len(ids) == 0:
		return nil, clientError("MissingParameter", "The request must contain the parameter InstanceId")
	case len(ids) > ec2MaxTerminate:
		return nil, clientError("InvalidParameterValue", "You can terminate up to %d instances in one request.", ec2MaxTerminate)
	}
	if bad := malformedIDs(ids, instanceIDPattern.MatchString); len(bad) > 0 {
		return nil, clientError("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", bad[0])
	}
	changes, missing := s.cloud.terminateInstances(ids)
	if len(missing) > 0 {
		return nil, errInstancesNotFound(missing)
	}
	out := &struct {
		ec2Meta
		Instances []ec2StateChange `xml:"instancesSet>item"`
	}{}
	for _, ch := range changes {
		out.Instances = append(out.Instances, ec2StateChange{
			InstanceID: ch.id, CurrentState: ec2State(ch.current), PreviousState: ec2State(ch.previous),
		})
	}
	return out, nil
}

// ec2TagRequest reads ResourceId.N and Tag.N of CreateTags and DeleteTags.
func ec2TagRequest(form url.Values) ([]string, []map[string]string, error) {
	ids := queryList(form, "ResourceId.")
	if len(ids) == 0 {
		return nil, nil, clientError("MissingParameter", "The request must contain the parameter resourceIdSet")
	}
	tags, _ := queryStructs(form, "Tag.")
	return ids, tags, nil
}

// createTags implements CreateTags on instances, images and launch templates.
func (s *ec2Service) createTags(form url.Values) (any, error) {
	ids, members, err := ec2TagRequest(form)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, clientError("MissingParameter", "The request must contain the parameter tagSet")
	}
	tags := make(map[string]string, len(members))
	for _, m := range members {
		tags[m["Key"]] = m["Value"]
	}
	if err := s.cloud.createTags(ids, tags); err != nil {
		return nil, err
	}
	return &ec2Return{Return: true}, nil
}

// deleteTags implements DeleteTags: Tag.N.Value, when sent (even empty),
// must match for the tag to go; without Tag.N every user tag goes.
func (s *ec2Service) deleteTags(form url.Values) (any, error) {
	ids, members, err := ec2TagRequest(form)
	if err != nil {
		return nil, err
	}
	tags := make([]tagDeletion, 0, len(members))
	for _, m := range members {
		d := tagDeletion{key: m["Key"]}
		if v, ok := m["Value"]; ok {
			d.value = &v
		}
		tags = append(tags, d)
	}
	if err := s.cloud.deleteTags(ids, tags); err != nil {
		return nil, err
	}
	return &ec2Return{Return: true}, nil
}

// ec2StatusDetail is one check of an instance status summary.
type ec2StatusDetail struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

// ec2StatusSummary is the systemStatus or instanceStatus of an instance.
type ec2StatusSummary struct {
	Status  string            `xml:"status"`
	Details []ec2StatusDetail `xml:"details>item"`
}

// ec2InstanceStatus is one item of DescribeInstanceStatus.
type ec2InstanceStatus struct {
	InstanceID       string           `xml:"instanceId"`
	AvailabilityZone string           `xml:"availabilityZone"`
	InstanceState    ec2InstanceState `xml:"instanceState"`
	SystemStatus     ec2StatusSummary `xml:"systemStatus"`
	InstanceStatus   ec2StatusSummary `xml:"instanceStatus"`
}

// statusOf is the status checks of an instance: passed when it runs, not
// applicable otherwise. The simulator has no impaired instances.
func statusOf(inst Instance) ec2StatusSummary {
	if inst.State != StateRunning {
		return ec2StatusSummary{Status: "not-applicable"}
	}
	return ec2StatusSummary{Status: "ok", Details: []ec2StatusDetail{{Name: "reachability", Status: "passed"}}}
}

// instanceStatusField is the fieldFunc of the DescribeInstanceStatus filters.
func instanceStatusField(inst *Instance, name string) ([]string, bool) {
	switch name {
	case "availability-zone", "instance-state-name", "instance-state-code":
		return instanceField(inst, name)
	case "instance-status.status", "system-status.status":
		return []string{statusOf(*inst).Status}, true
	case "instance-status.reachability", "system-status.reachability":
		if d := statusOf(*inst).Details; len(d) > 0 {
			return []string{d[0].Status}, true
		}
		return nil, true
	}
	return nil, false
}

// describeInstanceStatus implements DescribeInstanceStatus: InstanceId.N,
// Filter.N, IncludeAllInstances (running instances only by default),
// MaxResults (5-1000, not with InstanceId) and NextToken.
func (s *ec2Service) describeInstanceStatus(form url.Values) (any, error) {
	ids := queryList(form, "InstanceId.")
	if form.Get("MaxResults") != "" && len(ids) > 0 {
		return nil, clientError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	limit, err := ec2MaxResults(form, 5, 1000)
	if err != nil {
		return nil, err
	}
	after, err := ec2Token(form, "DescribeInstanceStatus")
	if err != nil {
		return nil, err
	}
	includeAll, err := queryBool(form, "IncludeAllInstances", false)
	if err != nil {
		return nil, clientError("InvalidParameterValue", "Invalid value '%s' for IncludeAllInstances", form.Get("IncludeAllInstances"))
	}
	byFilters, unknown := matcher(ec2Filters(form), instanceStatusField, func(i *Instance) map[string]string { return i.Tags }, matchWildcards)
	if unknown != "" {
		return nil, clientError("InvalidParameterValue", "The filter '%s' is invalid", unknown)
	}
	if bad := malformedIDs(ids, instanceIDPattern.MatchString); len(bad) > 0 {
		return nil, clientError("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", bad[0])
	}
	match := func(inst *Instance) bool { return (includeAll || inst.State == StateRunning) && byFilters(inst) }
	var page []Instance
	next := ""
	if len(ids) > 0 {
		found, missing := s.cloud.instancesByID(ids)
		if len(missing) > 0 {
			return nil, errInstancesNotFound(missing)
		}
		for i := range found {
			if match(&found[i]) {
				page = append(page, found[i])
			}
		}
	} else {
		page, next = s.cloud.instancesPage(after, limit, match)
	}
	out := &struct {
		ec2Meta
		Statuses  []ec2InstanceStatus `xml:"instanceStatusSet>item"`
		NextToken string              `xml:"nextToken,omitempty"`
	}{NextToken: encodeToken("DescribeInstanceStatus", next)}
	for _, inst := range page {
		out.Statuses = append(out.Statuses, ec2InstanceStatus{
			InstanceID: inst.ID, AvailabilityZone: inst.Zone, InstanceState: ec2State(inst.State),
			SystemStatus: statusOf(inst), InstanceStatus: statusOf(inst),
		})
	}
	return out, nil
}
