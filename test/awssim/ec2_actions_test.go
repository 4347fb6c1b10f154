package awssim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// simEC2 returns a simCloud with a stopped instance 4 and a terminated
// instance 5 outside the group, and an EC2 client of it.
func simEC2(t *testing.T) (*Cloud, *fakeClock, *ec2.Client) {
	t.Helper()
	c, clock := simCloud(t)
	must(t, c.AddInstance(Instance{ID: instanceID(4), State: StateStopped, Tags: map[string]string{"env": "dev", "empty": ""}}))
	must(t, c.AddInstance(Instance{ID: instanceID(5), State: StateTerminated}))
	return c, clock, ec2.NewFromConfig(startServer(t, c).AWSConfig())
}

func TestTerminateInstances(t *testing.T) {
	c, clock, client := simEC2(t)
	out, err := client.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{instanceID(2), instanceID(4), instanceID(5)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range out.TerminatingInstances {
		got = append(got, fmt.Sprintf("%s:%s(%d)->%s(%d)", aws.ToString(ch.InstanceId), ch.PreviousState.Name,
			aws.ToInt32(ch.PreviousState.Code), ch.CurrentState.Name, aws.ToInt32(ch.CurrentState.Code)))
	}
	want := []string{
		instanceID(2) + ":running(16)->shutting-down(32)",
		instanceID(4) + ":stopped(80)->shutting-down(32)",
		instanceID(5) + ":terminated(48)->terminated(48)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("state changes\n %v\nwant\n %v", got, want)
	}

	before := activeIDs(c, "workers")
	c.Reconcile()
	added := newIDs(before, activeIDs(c, "workers"))
	if len(added) != 1 || mustInstance(t, c, added[0]).Zone != "us-east-1b" {
		t.Errorf("the group replaced the instance terminated through EC2 with %v, want one instance in us-east-1b", added)
	}
	step(c, clock, testShutdown)
	desc, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{instanceID(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if s := desc.Reservations[0].Instances[0].State.Name; s != ec2types.InstanceStateNameTerminated {
		t.Errorf("after ShutdownDelay the instance is %s", s)
	}
}

func TestTerminateInstancesErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    ec2.TerminateInstancesInput
		wantCode string
	}{
		{name: "unknown instance", input: ec2.TerminateInstancesInput{InstanceIds: []string{instanceID(1), instanceID(99)}},
			wantCode: "InvalidInstanceID.NotFound"},
		{name: "malformed ID", input: ec2.TerminateInstancesInput{InstanceIds: []string{"i-bad"}}, wantCode: "InvalidInstanceID.Malformed"},
		{name: "dry run", input: ec2.TerminateInstancesInput{InstanceIds: []string{instanceID(1)}, DryRun: aws.Bool(true)},
			wantCode: "DryRunOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simEC2(t)
			_, err := client.TerminateInstances(ctx(t), &tt.input)
			wantCode(t, err, tt.wantCode)
			if s := mustInstance(t, c, instanceID(1)).State; s != StateRunning {
				t.Errorf("a refused call left instance 1 %s", s)
			}
		})
	}
}

func TestInstanceTags(t *testing.T) {
	tests := []struct {
		name   string
		create map[string]string
		delete []ec2types.Tag
		want   string // tags of instance 4 after both calls
	}{
		{name: "create adds and overwrites", create: map[string]string{"env": "prod", "rotation": "in-progress"},
			want: "empty= env=prod rotation=in-progress"},
		{name: "delete by key", delete: []ec2types.Tag{{Key: aws.String("env")}}, want: "empty="},
		{name: "delete with a matching value", delete: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}, want: "empty="},
		{name: "delete with another value keeps the tag", delete: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
			want: "empty= env=dev"},
		{name: "an empty value deletes only an empty tag", delete: []ec2types.Tag{
			{Key: aws.String("env"), Value: aws.String("")}, {Key: aws.String("empty"), Value: aws.String("")}}, want: "env=dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simEC2(t)
			if tt.create != nil {
				var tags []ec2types.Tag
				for k, v := range tt.create {
					tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				if _, err := client.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{instanceID(4)}, Tags: tags}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.delete != nil {
				if _, err := client.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{instanceID(4)}, Tags: tt.delete}); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, tag := range ec2Tags(mustInstance(t, c, instanceID(4)).Tags) {
				got = append(got, tag.Key+"="+tag.Value)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("tags = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestTagsOnOtherResourcesAndAllTags(t *testing.T) {
	c, _, client := simEC2(t)
	if _, err := client.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{imageID(3), templateID(2), instanceID(1)},
		Tags: []ec2types.Tag{{Key: aws.String("rotate"), Value: aws.String("yes")}}}); err != nil {
		t.Fatal(err)
	}
	img, _ := c.Image(imageID(3))
	lt, _ := c.LaunchTemplate(templateID(2))
	if img.Tags["rotate"] != "yes" || lt.Tags["rotate"] != "yes" {
		t.Errorf("image tags %v, template tags %v", img.Tags, lt.Tags)
	}
	if _, err := client.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{instanceID(1)}}); err != nil {
		t.Fatal(err)
	}
	if tags := mustInstance(t, c, instanceID(1)).Tags; tags[GroupNameTag] != "workers" || len(tags) != 1 {
		t.Errorf("deleting all tags left %v, want only the aws: tag", tags)
	}
}

func TestTagErrors(t *testing.T) {
	tooMany := make([]ec2types.Tag, 51)
	for i := range tooMany {
		tooMany[i] = ec2types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	one := []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	tests := []struct {
		name      string
		resources []string
		tags      []ec2types.Tag
		delete    bool
		wantCode  string
	}{
		{name: "unknown instance", resources: []string{instanceID(1), instanceID(99)}, tags: one, wantCode: "InvalidInstanceID.NotFound"},
		{name: "malformed instance", resources: []string{"i-x"}, tags: one, wantCode: "InvalidInstanceID.Malformed"},
		{name: "unknown image", resources: []string{imageID(77)}, tags: one, wantCode: "InvalidAMIID.NotFound"},
		{name: "unknown template", resources: []string{templateID(77)}, tags: one, wantCode: "InvalidLaunchTemplateId.NotFound"},
		{name: "unsupported resource", resources: []string{"vol-0123"}, tags: one, wantCode: "InvalidID"},
		{name: "reserved key", resources: []string{instanceID(1)}, tags: []ec2types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}},
			wantCode: "InvalidParameterValue"},
		{name: "deleting a reserved key", resources: []string{instanceID(1)}, tags: []ec2types.Tag{{Key: aws.String(GroupNameTag)}},
			delete: true, wantCode: "InvalidParameterValue"},
		{name: "more than 50 tags", resources: []string{instanceID(1)}, tags: tooMany, wantCode: "TagLimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, client := simEC2(t)
			var err error
			if tt.delete {
				_, err = client.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: tt.resources, Tags: tt.tags})
			} else {
				_, err = client.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: tt.resources, Tags: tt.tags})
			}
			wantCode(t, err, tt.wantCode)
			if tags := mustInstance(t, c, instanceID(1)).Tags; len(tags) != 1 {
				t.Errorf("a refused call changed instance 1's tags to %v", tags)
			}
		})
	}
}

func TestDescribeInstanceStatus(t *testing.T) {
	c, _, client := simEC2(t)
	must(t, c.UpdateAutoScalingGroup("workers", func(g *AutoScalingGroup) { g.DesiredCapacity = 4 }))
	c.Reconcile() // one pending instance more
	statuses := func(input ec2.DescribeInstanceStatusInput) string {
		t.Helper()
		var out []string
		pages := ec2.NewDescribeInstanceStatusPaginator(client, &input)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page.InstanceStatuses {
				out = append(out, fmt.Sprintf("%s:%s:%s", strings.TrimLeft(strings.TrimPrefix(aws.ToString(s.InstanceId), "i-"), "0"),
					s.InstanceState.Name, s.InstanceStatus.Status))
			}
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name  string
		input ec2.DescribeInstanceStatusInput
		want  string
	}{
		{name: "running instances by default", input: ec2.DescribeInstanceStatusInput{MaxResults: aws.Int32(5)},
			want: "1:running:ok 2:running:ok 3:running:ok"},
		{name: "all instances", input: ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true), MaxResults: aws.Int32(5)},
			want: "1:running:ok 2:running:ok 3:running:ok 4:stopped:not-applicable 5:terminated:not-applicable 6:pending:not-applicable"},
		{name: "by ID", input: ec2.DescribeInstanceStatusInput{InstanceIds: []string{instanceID(3), instanceID(4)}, IncludeAllInstances: aws.Bool(true)},
			want: "3:running:ok 4:stopped:not-applicable"},
		{name: "by zone", input: ec2.DescribeInstanceStatusInput{Filters: []ec2types.Filter{{Name: aws.String("availability-zone"), Values: []string{"us-east-1b"}}}},
			want: "2:running:ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statuses(tt.input); got != tt.want {
				t.Errorf("statuses = %s\nwant %s", got, tt.want)
			}
		})
	}
	_, err := client.DescribeInstanceStatus(ctx(t), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{instanceID(99)}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}
