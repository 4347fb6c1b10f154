package awssim

import (
	"net/url"
	"strconv"
)

// groupResourceType is the only resource type of Auto Scaling tags.
const groupResourceType = "auto-scaling-group"

// asgTagsOf reads Tags.member.N of CreateOrUpdateTags and DeleteTags.
func asgTagsOf(form url.Values) ([]groupTag, error) {
	members, _ := queryStructs(form, "Tags.member.")
	if len(members) == 0 {
		return nil, errNull("tags")
	}
	tags := make([]groupTag, 0, len(members))
	for _, m := range members {
		if rt := m["ResourceType"]; rt != "" && rt != groupResourceType {
			return nil, clientError("ValidationError", "Resource type %s is not supported. The only supported value is %s.", rt, groupResourceType)
		}
		if m["ResourceId"] == "" {
			return nil, clientError("ValidationError", "The ResourceId of a tag must name an Auto Scaling group.")
		}
		propagate := false
		if raw := m["PropagateAtLaunch"]; raw != "" {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return nil, validationError(raw, "tags.member.propagateAtLaunch", "Member must be a boolean")
			}
			propagate = b
		}
		tags = append(tags, groupTag{group: m["ResourceId"], key: m["Key"], value: m["Value"], propagate: propagate})
	}
	return tags, nil
}

// createOrUpdateTags implements CreateOrUpdateTags. PropagateAtLaunch is
// false when omitted.
func (s *autoScalingService) createOrUpdateTags(form url.Values) (any, error) {
	tags, err := asgTagsOf(form)
	if err != nil {
		return nil, err
	}
	return nil, s.cloud.putGroupTags(tags)
}

// deleteTags implements DeleteTags; a tag is named by its group and key.
func (s *autoScalingService) deleteTags(form url.Values) (any, error) {
	tags, err := asgTagsOf(form)
	if err != nil {
		return nil, err
	}
	return nil, s.cloud.deleteGroupTags(tags)
}

// tagField is the field a DescribeTags filter compares against.
func tagField(t groupTag, name string) (string, bool) {
	switch name {
	case "auto-scaling-group":
		return t.group, true
	case "key":
		return t.key, true
	case "value":
		return t.value, true
	case "propagate-at-launch":
		return strconv.FormatBool(t.propagate), true
	}
	return "", false
}

// describeTags implements DescribeTags: Filters.member.N named
// auto-scaling-group, key, value or propagate-at-launch (values of one
// filter are ORed, filters ANDed), MaxRecords (default 50, at most 100) and
// NextToken. Tags come ordered by group name, then key.
func (s *autoScalingService) describeTags(form url.Values) (any, error) {
	filters := queryFilters(form, "Filters.member.", "Values.member.")
	for _, f := range filters {
		if _, ok := tagField(groupTag{}, f.name); !ok {
			return nil, clientError("ValidationError",
				"Filter '%s' is not supported. Use auto-scaling-group, key, value or propagate-at-launch.", f.name)
		}
		if len(f.values) > 1000 {
			return nil, clientError("ValidationError", "The maximum number of values of the filter %s is 1000.", f.name)
		}
	}
	limit, err := asgMaxRecords(form, asgMaxRecordsGroups)
	if err != nil {
		return nil, err
	}
	after, err := asgToken(form, "DescribeTags")
	if err != nil {
		return nil, err
	}
	match := func(t groupTag) bool {
		for _, f := range filters {
			got, _ := tagField(t, f.name)
			if !matchExact(f.values, got) {
				return false
			}
		}
		return true
	}
	page, next := s.cloud.groupTagsPage(match, after, limit)
	out := &struct {
		Tags      []asgTag `xml:"Tags>member"`
		NextToken string   `xml:"NextToken,omitempty"`
	}{NextToken: encodeToken("DescribeTags", next)}
	out.Tags = make([]asgTag, 0, len(page))
	for _, t := range page {
		out.Tags = append(out.Tags, asgTag{ResourceID: t.group, ResourceType: groupResourceType, Key: t.key, Value: t.value, PropagateAtLaunch: t.propagate})
	}
	return out, nil
}
