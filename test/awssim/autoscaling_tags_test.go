package awssim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// asgTagInput builds the Tag of a CreateOrUpdateTags or DeleteTags call.
func asgTagInput(group, key, value string, propagate bool) asgtypes.Tag {
	return asgtypes.Tag{ResourceId: aws.String(group), ResourceType: aws.String("auto-scaling-group"),
		Key: aws.String(key), Value: aws.String(value), PropagateAtLaunch: aws.Bool(propagate)}
}

// tagStrings renders tag descriptions as group/key=value(propagate).
func tagStrings(tags []asgtypes.TagDescription) string {
	var out []string
	for _, t := range tags {
		out = append(out, fmt.Sprintf("%s/%s=%s(%v)", aws.ToString(t.ResourceId), aws.ToString(t.Key), aws.ToString(t.Value),
			aws.ToBool(t.PropagateAtLaunch)))
	}
	return strings.Join(out, " ")
}

func TestGroupTagsRoundTrip(t *testing.T) {
	c, _, client := simClient(t)
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "other", MaxSize: 1, Tags: map[string]string{"team": "red"}}))
	_, err := client.CreateOrUpdateTags(ctx(t), &autoscaling.CreateOrUpdateTagsInput{Tags: []asgtypes.Tag{
		asgTagInput("workers", "rotate/original-min", "1", false),
		asgTagInput("workers", "team", "green", true),
		asgTagInput("other", "rotate/original-min", "0", false),
	}})
	if err != nil {
		t.Fatal(err)
	}
	g := describeGroup(t, client, "workers")
	var got []string
	for _, tag := range g.Tags {
		got = append(got, fmt.Sprintf("%s=%s(%v)", aws.ToString(tag.Key), aws.ToString(tag.Value), aws.ToBool(tag.PropagateAtLaunch)))
	}
	if want := "cost-center=42(true) rotate/original-min=1(false) team=green(true)"; strings.Join(got, " ") != want {
		t.Errorf("DescribeAutoScalingGroups tags = %s, want %s", strings.Join(got, " "), want)
	}

	tests := []struct {
		name    string
		filters []asgtypes.Filter
		want    string
	}{
		{name: "all", want: "other/rotate/original-min=0(false) other/team=red(true) workers/cost-center=42(true) " +
			"workers/rotate/original-min=1(false) workers/team=green(true)"},
		{name: "by group", filters: []asgtypes.Filter{{Name: aws.String("auto-scaling-group"), Values: []string{"other"}}},
			want: "other/rotate/original-min=0(false) other/team=red(true)"},
		{name: "by key", filters: []asgtypes.Filter{{Name: aws.String("key"), Values: []string{"rotate/original-min"}}},
			want: "other/rotate/original-min=0(false) workers/rotate/original-min=1(false)"},
		{name: "group and key", filters: []asgtypes.Filter{
			{Name: aws.String("auto-scaling-group"), Values: []string{"workers"}},
			{Name: aws.String("key"), Values: []string{"rotate/original-min", "team"}}},
			want: "workers/rotate/original-min=1(false) workers/team=green(true)"},
		{name: "by value", filters: []asgtypes.Filter{{Name: aws.String("value"), Values: []string{"red", "42"}}},
			want: "other/team=red(true) workers/cost-center=42(true)"},
		{name: "by propagation", filters: []asgtypes.Filter{{Name: aws.String("propagate-at-launch"), Values: []string{"false"}}},
			want: "other/rotate/original-min=0(false) workers/rotate/original-min=1(false)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all []asgtypes.TagDescription
			pages := autoscaling.NewDescribeTagsPaginator(client, &autoscaling.DescribeTagsInput{Filters: tt.filters, MaxRecords: aws.Int32(2)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx(t))
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Tags) > 2 {
					t.Errorf("a page of %d tags, want at most 2", len(page.Tags))
				}
				all = append(all, page.Tags...)
			}
			if got := tagStrings(all); got != tt.want {
				t.Errorf("tags = %s\nwant %s", got, tt.want)
			}
		})
	}

	if _, err := client.DeleteTags(ctx(t), &autoscaling.DeleteTagsInput{Tags: []asgtypes.Tag{
		{ResourceId: aws.String("workers"), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("rotate/original-min")},
		{ResourceId: aws.String("workers"), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("never-set")},
	}}); err != nil {
		t.Fatal(err)
	}
	out, err := client.DescribeTags(ctx(t), &autoscaling.DescribeTagsInput{Filters: []asgtypes.Filter{
		{Name: aws.String("auto-scaling-group"), Values: []string{"workers"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagStrings(out.Tags); got != "workers/cost-center=42(true) workers/team=green(true)" {
		t.Errorf("after DeleteTags: %s", got)
	}
}

func TestGroupTagsPropagateAtLaunch(t *testing.T) {
	c, _, client := simClient(t)
	if _, err := client.CreateOrUpdateTags(ctx(t), &autoscaling.CreateOrUpdateTagsInput{Tags: []asgtypes.Tag{
		asgTagInput("workers", "kept-on-group", "x", false), asgTagInput("workers", "copied", "y", true)}}); err != nil {
		t.Fatal(err)
	}
	before := activeIDs(c, "workers")
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 4 }))
	c.Reconcile()
	added := newIDs(before, activeIDs(c, "workers"))
	if len(added) != 1 {
		t.Fatalf("launched %v", added)
	}
	tags := mustInstance(t, c, added[0]).Tags
	if _, ok := tags["kept-on-group"]; ok || tags["copied"] != "y" {
		t.Errorf("launched instance tags = %v", tags)
	}
}

func TestGroupTagErrors(t *testing.T) {
	tooMany := make([]asgtypes.Tag, 49)
	for i := range tooMany {
		tooMany[i] = asgTagInput("workers", fmt.Sprintf("k%d", i), "v", false)
	}
	tests := []struct {
		name     string
		tags     []asgtypes.Tag
		wantCode string
		wantText string
	}{
		{name: "unknown group", tags: []asgtypes.Tag{asgTagInput("nope", "k", "v", false)},
			wantCode: "ValidationError", wantText: "AutoScalingGroup name not found"},
		{name: "reserved prefix", tags: []asgtypes.Tag{asgTagInput("workers", "aws:mine", "v", false)},
			wantCode: "ValidationError", wantText: "reserved"},
		{name: "key too long", tags: []asgtypes.Tag{asgTagInput("workers", strings.Repeat("k", 129), "v", false)},
			wantCode: "ValidationError", wantText: "longer than 128"},
		{name: "wrong resource type", tags: []asgtypes.Tag{{ResourceId: aws.String("workers"), ResourceType: aws.String("instance"),
			Key: aws.String("k")}}, wantCode: "ValidationError", wantText: "not supported"},
		{name: "more than 50 tags", tags: tooMany, wantCode: "LimitExceeded", wantText: "50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simClient(t)
			_, err := client.CreateOrUpdateTags(ctx(t), &autoscaling.CreateOrUpdateTagsInput{Tags: tt.tags})
			wantError(t, err, tt.wantCode, tt.wantText)
			if g, _ := c.AutoScalingGroup("workers"); len(g.Tags) != 2 {
				t.Errorf("a refused call changed the tags to %v", g.Tags)
			}
		})
	}
	_, _, client := simClient(t)
	_, err := client.DescribeTags(ctx(t), &autoscaling.DescribeTagsInput{Filters: []asgtypes.Filter{{Name: aws.String("tag-key"), Values: []string{"x"}}}})
	wantError(t, err, "ValidationError", "Filter 'tag-key' is not supported")
}
