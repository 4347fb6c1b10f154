package awssim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Documented limits of the Auto Scaling describe calls (API reference,
// DescribeAutoScalingGroups, DescribeLaunchConfigurations,
// DescribeAutoScalingInstances).
const (
	asgDefaultMaxRecords   = 50  // every call's default page size
	asgMaxRecordsGroups    = 100 // DescribeAutoScalingGroups and DescribeLaunchConfigurations
	asgMaxRecordsInstances = 50  // DescribeAutoScalingInstances
	asgMaxNames            = 50  // names (or instance IDs) per call, by default
)

// autoScalingService answers the Auto Scaling query protocol (Version 2011-01-01).
type autoScalingService struct {
	cloud    *Cloud
	handlers map[string]queryHandler
}

func newAutoScalingService(c *Cloud) *autoScalingService {
	s := &autoScalingService{cloud: c}
	s.handlers = map[string]queryHandler{
		"DescribeAutoScalingGroups":    s.describeAutoScalingGroups,
		"DescribeLaunchConfigurations": s.describeLaunchConfigurations,
		"DescribeAutoScalingInstances": s.describeAutoScalingInstances,
		"DescribeScalingActivities":    s.describeScalingActivities,
		"DescribeTags":                 s.describeTags,

		"SetDesiredCapacity":                  s.setDesiredCapacity,
		"UpdateAutoScalingGroup":              s.updateAutoScalingGroup,
		"TerminateInstanceInAutoScalingGroup": s.terminateInstanceInAutoScalingGroup,
		"DetachInstances":                     s.detachInstances,
		"SetInstanceProtection":               s.setInstanceProtection,
		"CreateOrUpdateTags":                  s.createOrUpdateTags,
		"DeleteTags":                          s.deleteTags,
	}
	return s
}

func (s *autoScalingService) operation(r *http.Request) (string, error) {
	return queryOperation(r, s.handlers)
}

func (s *autoScalingService) call(op string, r *http.Request) (any, error) {
	return s.handlers[op](r.Form)
}

func (s *autoScalingService) writeResult(w http.ResponseWriter, requestID, op string, out any) {
	writeQueryResult(w, requestID, autoscalingNamespace, op, out)
}

func (s *autoScalingService) writeError(w http.ResponseWriter, requestID string, err *apiError) {
	writeQueryError(w, requestID, autoscalingNamespace, err)
}

// validationError is the shape of Auto Scaling's constraint violations.
func validationError(value, member, constraint string) *apiError {
	return clientError("ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// asgMaxRecords reads MaxRecords: default 50, at most hi.
func asgMaxRecords(form url.Values, hi int) (int, error) {
	raw := form.Get("MaxRecords")
	limit, err := parsePageLimit(raw)
	if err != nil {
		return 0, validationError(raw, "maxRecords", "Member must be a number")
	}
	switch {
	case !limit.present:
		return asgDefaultMaxRecords, nil
	case limit.value < 1:
		return 0, validationError(raw, "maxRecords", "Member must have value greater than or equal to 1")
	case limit.value > hi:
		return 0, validationError(raw, "maxRecords", "Member must have value less than or equal to "+strconv.Itoa(hi))
	}
	return limit.value, nil
}

// asgToken decodes NextToken for op.
func asgToken(form url.Values, op string) (string, error) {
	after, err := decodeToken(op, form.Get("NextToken"))
	if err != nil {
		return "", clientError("InvalidNextToken", "The token '%s' is invalid.", form.Get("NextToken"))
	}
	return after, nil
}

// groupField is the fieldFunc of the DescribeAutoScalingGroups filters, which
// only know tags (tag:<key>, tag-key, tag-value are handled by tagFilter).
func groupField(*AutoScalingGroup, string) ([]string, bool) { return nil, false }

// describeAutoScalingGroups implements DescribeAutoScalingGroups:
// AutoScalingGroupNames.member.N (up to 50, or up to MaxRecords when that is
// higher), Filters.member.N on tags, IncludeInstances, MaxRecords (default
// 50, at most 100) and NextToken. Unknown names are left out silently.
func (s *autoScalingService) describeAutoScalingGroups(form url.Values) (any, error) {
	names := queryList(form, "AutoScalingGroupNames.member.")
	limit, err := asgMaxRecords(form, asgMaxRecordsGroups)
	if err != nil {
		return nil, err
	}
	if maxNames := max(asgMaxNames, limit); len(names) > maxNames {
		return nil, validationError(strings.Join(names, ","), "autoScalingGroupNames",
			"Member must have length less than or equal to "+strconv.Itoa(maxNames))
	}
	includeInstances, err := queryBool(form, "IncludeInstances", true)
	if err != nil {
		return nil, validationError(form.Get("IncludeInstances"), "includeInstances", "Member must be a boolean")
	}
	after, err := asgToken(form, "DescribeAutoScalingGroups")
	if err != nil {
		return nil, err
	}
	byFilters, unknown := matcher(queryFilters(form, "Filters.member.", "Values.member."), groupField,
		func(g *AutoScalingGroup) map[string]string { return g.Tags }, matchExact)
	if unknown != "" {
		return nil, clientError("ValidationError", "Filter '%s' is not supported. Use tag-key, tag-value or tag:<key>.", unknown)
	}
	wanted := setOf(names)
	match := func(g *AutoScalingGroup) bool {
		return (len(names) == 0 || wanted[g.Name]) && byFilters(g)
	}
	views, next := s.cloud.groupsPage(after, limit, match, includeInstances)
	out := &asgDescribeGroupsResult{NextToken: encodeToken("DescribeAutoScalingGroups", next)}
	out.Groups.Members = make([]asgGroup, 0, len(views))
	for _, v := range views {
		out.Groups.Members = append(out.Groups.Members, asgGroupOf(v, s.cloud.AccountID()))
	}
	return out, nil
}

// describeLaunchConfigurations implements DescribeLaunchConfigurations:
// LaunchConfigurationNames.member.N (up to 50), MaxRecords (default 50, at
// most 100) and NextToken.
func (s *autoScalingService) describeLaunchConfigurations(form url.Values) (any, error) {
	names := queryList(form, "LaunchConfigurationNames.member.")
	if len(names) > asgMaxNames {
		return nil, validationError(strings.Join(names, ","), "launchConfigurationNames",
			"Member must have length less than or equal to "+strconv.Itoa(asgMaxNames))
	}
	limit, err := asgMaxRecords(form, asgMaxRecordsGroups)
	if err != nil {
		return nil, err
	}
	after, err := asgToken(form, "DescribeLaunchConfigurations")
	if err != nil {
		return nil, err
	}
	wanted := setOf(names)
	match := func(lc *LaunchConfiguration) bool { return len(names) == 0 || wanted[lc.Name] }
	page, next := s.cloud.launchConfigurationsPage(after, limit, match)
	out := &asgDescribeLaunchConfigurationsResult{NextToken: encodeToken("DescribeLaunchConfigurations", next)}
	out.LaunchConfigurations.Members = make([]asgLaunchConfiguration, 0, len(page))
	for _, lc := range page {
		out.LaunchConfigurations.Members = append(out.LaunchConfigurations.Members, asgLaunchConfiguration{
			LaunchConfigurationName: lc.Name,
			LaunchConfigurationARN: s.cloud.arn("autoscaling", "launchConfiguration:"+
				stableUUID("lc/"+lc.Name)+":launchConfigurationName/"+lc.Name),
			ImageID:      lc.ImageID,
			InstanceType: lc.InstanceType,
			CreatedTime:  xmlTime(lc.CreatedTime),
		})
	}
	return out, nil
}

// describeAutoScalingInstances implements DescribeAutoScalingInstances:
// InstanceIds.member.N (up to 50; IDs of no group instance are ignored),
// MaxRecords (default 50, at most 50) and NextToken.
func (s *autoScalingService) describeAutoScalingInstances(form url.Values) (any, error) {
	ids := queryList(form, "InstanceIds.member.")
	if len(ids) > asgMaxNames {
		return nil, validationError(strings.Join(ids, ","), "instanceIds",
			"Member must have length less than or equal to "+strconv.Itoa(asgMaxNames))
	}
	limit, err := asgMaxRecords(form, asgMaxRecordsInstances)
	if err != nil {
		return nil, err
	}
	after, err := asgToken(form, "DescribeAutoScalingInstances")
	if err != nil {
		return nil, err
	}
	wanted := setOf(ids)
	match := func(inst *Instance) bool {
		return inst.AutoScalingGroup != "" && inst.State != StateTerminated && (len(ids) == 0 || wanted[inst.ID])
	}
	page, next := s.cloud.instancesPage(after, limit, match)
	out := &asgDescribeInstancesResult{NextToken: encodeToken("DescribeAutoScalingInstances", next)}
	out.Instances.Members = make([]asgInstanceDetails, 0, len(page))
	for _, inst := range page {
		s.cloud.completeRef(inst.LaunchTemplate)
		out.Instances.Members = append(out.Instances.Members, asgInstanceDetails{
			InstanceID:           inst.ID,
			InstanceType:         inst.InstanceType,
			AutoScalingGroupName: inst.AutoScalingGroup,
			AvailabilityZone:     inst.Zone,
			LifecycleState:       lifecycleState(inst),
			// This call reports health in capitals (HEALTHY), unlike
			// DescribeAutoScalingGroups (Healthy), as AWS does.
			HealthStatus:            strings.ToUpper(inst.HealthStatus),
			LaunchConfigurationName: inst.LaunchConfigurationName,
			LaunchTemplate:          asgSpec(inst.LaunchTemplate),
			ProtectedFromScaleIn:    inst.ProtectedFromScaleIn,
		})
	}
	return out, nil
}
