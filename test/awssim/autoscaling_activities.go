package awssim

import (
	"net/url"
	"strconv"
	"strings"
)

// Documented limits of DescribeScalingActivities: MaxRecords defaults to
// and is at most 100; up to 50 activity IDs.
const (
	asgMaxRecordsActivities = 100
	asgMaxActivityIDs       = 50
)

// asgActivity is the Activity shape of the Auto Scaling answers.
type asgActivity struct {
	ActivityID           string `xml:"ActivityId"`
	AutoScalingGroupName string `xml:"AutoScalingGroupName"`
	AutoScalingGroupARN  string `xml:"AutoScalingGroupARN"`
	Description          string `xml:"Description"`
	Cause                string `xml:"Cause"`
	Details              string `xml:"Details,omitempty"`
	StartTime            string `xml:"StartTime"`
	EndTime              string `xml:"EndTime,omitempty"`
	StatusCode           string `xml:"StatusCode"`
	StatusMessage        string `xml:"StatusMessage,omitempty"`
	Progress             int    `xml:"Progress"`
}

// asgActivitiesResult answers DetachInstances and DescribeScalingActivities.
type asgActivitiesResult struct {
	Activities []asgActivity `xml:"Activities>member"`
	NextToken  string        `xml:"NextToken,omitempty"`
}

// activityOf renders an activity.
func (s *autoScalingService) activityOf(a ScalingActivity) asgActivity {
	out := asgActivity{
		ActivityID:           a.ID,
		AutoScalingGroupName: a.Group,
		AutoScalingGroupARN:  s.cloud.groupARN(a.Group),
		Description:          a.Description,
		Cause:                a.Cause,
		Details:              a.Details,
		StartTime:            xmlTime(a.StartTime),
		StatusCode:           a.StatusCode,
		StatusMessage:        a.StatusMessage,
		Progress:             a.Progress,
	}
	if !a.EndTime.IsZero() {
		out.EndTime = xmlTime(a.EndTime)
	}
	return out
}

// activitiesOf renders a list of activities.
func (s *autoScalingService) activitiesOf(list []ScalingActivity) []asgActivity {
	out := make([]asgActivity, 0, len(list))
	for _, a := range list {
		out = append(out, s.activityOf(a))
	}
	return out
}

// describeScalingActivities implements DescribeScalingActivities:
// ActivityIds.member.N (up to 50), AutoScalingGroupName, MaxRecords
// (default and maximum 100) and NextToken, newest activity first.
// IncludeDeletedGroups is accepted; groups are never deleted here.
func (s *autoScalingService) describeScalingActivities(form url.Values) (any, error) {
	ids := queryList(form, "ActivityIds.member.")
	if len(ids) > asgMaxActivityIDs {
		return nil, validationError(strings.Join(ids, ","), "activityIds",
			"Member must have length less than or equal to "+strconv.Itoa(asgMaxActivityIDs))
	}
	limit := asgMaxRecordsActivities
	if form.Get("MaxRecords") != "" {
		var err error
		if limit, err = asgMaxRecords(form, asgMaxRecordsActivities); err != nil {
			return nil, err
		}
	}
	after, err := asgToken(form, "DescribeScalingActivities")
	if err != nil {
		return nil, err
	}
	wanted := setOf(ids)
	match := func(a *ScalingActivity) bool { return len(ids) == 0 || wanted[a.ID] }
	page, next := s.cloud.activitiesPage(form.Get("AutoScalingGroupName"), match, after, limit)
	return &asgActivitiesResult{Activities: s.activitiesOf(page), NextToken: encodeToken("DescribeScalingActivities", next)}, nil
}
