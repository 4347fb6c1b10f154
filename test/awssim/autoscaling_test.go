package awssim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// groupCloud returns a cloud with launch template lt-...1 "nodes" (versions
// 1 to 3, default 2), launch configuration "legacy-lc" and three groups:
// "lt-group" on nodes/$Latest with two instances, "mixed" with a mixed
// instances policy and one instance, and "lc-group" on legacy-lc.
func groupCloud(t *testing.T) *Cloud {
	t.Helper()
	c := templateCloud(t)
	must(t, c.AddLaunchConfiguration(LaunchConfiguration{Name: "legacy-lc", ImageID: imageID(8), InstanceType: "t3.large"}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{
		Name: "lt-group", MinSize: 1, MaxSize: 4, DesiredCapacity: 2,
		Zones: []string{"us-east-1a", "us-east-1b"}, VPCZoneIdentifier: "subnet-a,subnet-b",
		LaunchTemplate: &LaunchTemplateRef{ID: templateID(1), Version: "$Latest"},
		Tags:           map[string]string{"kubernetes.io/cluster/prod": "owned", "team": "blue"},
	}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{
		Name: "mixed", MinSize: 0, MaxSize: 10, DesiredCapacity: 1,
		MixedInstances: &MixedInstancesPolicy{
			LaunchTemplate: LaunchTemplateRef{Name: "nodes", Version: "$Default"},
			Overrides: []Override{
				{InstanceType: "m5.large", WeightedCapacity: "1"},
				{InstanceType: "g5.xlarge", LaunchTemplate: &LaunchTemplateRef{Name: "gpu"}},
			},
		},
		Tags: map[string]string{"team": "red"},
	}))
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "lc-group", MaxSize: 2, DesiredCapacity: 1, LaunchConfigurationName: "legacy-lc"}))
	must(t, c.AddInstance(Instance{ID: instanceID(1), AutoScalingGroup: "lt-group", Zone: "us-east-1a"}))
	must(t, c.AddInstance(Instance{ID: instanceID(2), AutoScalingGroup: "lt-group", Zone: "us-east-1b", ProtectedFromScaleIn: true}))
	must(t, c.AddInstance(Instance{ID: instanceID(3), AutoScalingGroup: "mixed", InstanceType: "g5.xlarge"}))
	must(t, c.AddInstance(Instance{ID: instanceID(4), AutoScalingGroup: "lc-group", State: StatePending}))
	must(t, c.AddInstance(Instance{ID: instanceID(5), AutoScalingGroup: "lc-group", State: StateTerminated}))
	must(t, c.AddInstance(Instance{ID: instanceID(6)}))
	return c
}

func describeGroup(t *testing.T, client *autoscaling.Client, name string) asgtypes.AutoScalingGroup {
	t.Helper()
	out, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AutoScalingGroups) != 1 {
		t.Fatalf("got %d groups, want %s", len(out.AutoScalingGroups), name)
	}
	return out.AutoScalingGroups[0]
}

func TestDescribeAutoScalingGroupWithLaunchTemplate(t *testing.T) {
	srv := startServer(t, groupCloud(t))
	g := describeGroup(t, autoscaling.NewFromConfig(srv.AWSConfig()), "lt-group")
	if aws.ToInt32(g.MinSize) != 1 || aws.ToInt32(g.MaxSize) != 4 || aws.ToInt32(g.DesiredCapacity) != 2 {
		t.Errorf("sizes = %d/%d/%d", aws.ToInt32(g.MinSize), aws.ToInt32(g.DesiredCapacity), aws.ToInt32(g.MaxSize))
	}
	if !slices.Equal(g.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) || aws.ToString(g.VPCZoneIdentifier) != "subnet-a,subnet-b" {
		t.Errorf("zones = %v, subnets = %s", g.AvailabilityZones, aws.ToString(g.VPCZoneIdentifier))
	}
	lt := g.LaunchTemplate
	if lt == nil || aws.ToString(lt.LaunchTemplateId) != templateID(1) || aws.ToString(lt.LaunchTemplateName) != "nodes" || aws.ToString(lt.Version) != "$Latest" {
		t.Errorf("launch template = %+v, want %s nodes $Latest", lt, templateID(1))
	}
	if !strings.HasSuffix(aws.ToString(g.AutoScalingGroupARN), ":autoScalingGroupName/lt-group") {
		t.Errorf("ARN = %s", aws.ToString(g.AutoScalingGroupARN))
	}
	var ids []string
	for _, inst := range g.Instances {
		ids = append(ids, aws.ToString(inst.InstanceId))
		if inst.LifecycleState != asgtypes.LifecycleStateInService || aws.ToString(inst.HealthStatus) != "Healthy" {
			t.Errorf("instance %s: %s/%s", aws.ToString(inst.InstanceId), inst.LifecycleState, aws.ToString(inst.HealthStatus))
		}
		if inst.LaunchTemplate == nil || aws.ToString(inst.LaunchTemplate.Version) != "3" {
			t.Errorf("instance %s launched from %+v, want version 3 ($Latest when launched)", aws.ToString(inst.InstanceId), inst.LaunchTemplate)
		}
	}
	if !slices.Equal(ids, []string{instanceID(1), instanceID(2)}) {
		t.Errorf("instances = %v", ids)
	}
	if !aws.ToBool(g.Instances[1].ProtectedFromScaleIn) {
		t.Errorf("instance 2 is not protected from scale-in")
	}
	tags := map[string]string{}
	for _, tag := range g.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		if aws.ToString(tag.ResourceId) != "lt-group" || aws.ToString(tag.ResourceType) != "auto-scaling-group" {
			t.Errorf("tag %+v", tag)
		}
	}
	if tags["team"] != "blue" || tags["kubernetes.io/cluster/prod"] != "owned" {
		t.Errorf("tags = %v", tags)
	}
}

func TestDescribeAutoScalingGroupMixedInstancesPolicy(t *testing.T) {
	srv := startServer(t, groupCloud(t))
	g := describeGroup(t, autoscaling.NewFromConfig(srv.AWSConfig()), "mixed")
	if g.LaunchTemplate != nil || g.LaunchConfigurationName != nil {
		t.Errorf("a mixed group has launch template %+v and configuration %v", g.LaunchTemplate, g.LaunchConfigurationName)
	}
	p := g.MixedInstancesPolicy
	if p == nil || p.LaunchTemplate == nil || p.LaunchTemplate.LaunchTemplateSpecification == nil {
		t.Fatalf("policy = %+v", p)
	}
	spec := p.LaunchTemplate.LaunchTemplateSpecification
	if aws.ToString(spec.LaunchTemplateId) != templateID(1) || aws.ToString(spec.LaunchTemplateName) != "nodes" || aws.ToString(spec.Version) != "$Default" {
		t.Errorf("spec = %+v", spec)
	}
	overrides := p.LaunchTemplate.Overrides
	if len(overrides) != 2 {
		t.Fatalf("overrides = %+v", overrides)
	}
	if aws.ToString(overrides[0].InstanceType) != "m5.large" || aws.ToString(overrides[0].WeightedCapacity) != "1" || overrides[0].LaunchTemplateSpecification != nil {
		t.Errorf("override 0 = %+v", overrides[0])
	}
	o1 := overrides[1].LaunchTemplateSpecification
	if aws.ToString(overrides[1].InstanceType) != "g5.xlarge" || o1 == nil || aws.ToString(o1.LaunchTemplateId) != templateID(2) || aws.ToString(o1.Version) != "$Default" {
		t.Errorf("override 1 = %+v (spec %+v)", overrides[1], o1)
	}
	if p.InstancesDistribution == nil || aws.ToInt32(p.InstancesDistribution.OnDemandPercentageAboveBaseCapacity) != 100 {
		t.Errorf("distribution = %+v", p.InstancesDistribution)
	}
	if len(g.Instances) != 1 || aws.ToString(g.Instances[0].LaunchTemplate.LaunchTemplateName) != "gpu" {
		t.Errorf("instances = %+v, want the g5 instance on the gpu template of its override", g.Instances)
	}
}

func TestDescribeAutoScalingGroupsSelection(t *testing.T) {
	srv := startServer(t, groupCloud(t))
	client := autoscaling.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name  string
		input autoscaling.DescribeAutoScalingGroupsInput
		want  []string
	}{
		{name: "all", want: []string{"lc-group", "lt-group", "mixed"}},
		{name: "names, unknown ones left out", input: autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"mixed", "nope"}}, want: []string{"mixed"}},
		{name: "tag filter", input: autoscaling.DescribeAutoScalingGroupsInput{Filters: []asgtypes.Filter{{Name: aws.String("tag:team"), Values: []string{"red", "green"}}}}, want: []string{"mixed"}},
		{name: "tag-key filter", input: autoscaling.DescribeAutoScalingGroupsInput{Filters: []asgtypes.Filter{{Name: aws.String("tag-key"), Values: []string{"kubernetes.io/cluster/prod"}}}}, want: []string{"lt-group"}},
		{name: "tag-value filter", input: autoscaling.DescribeAutoScalingGroupsInput{Filters: []asgtypes.Filter{{Name: aws.String("tag-value"), Values: []string{"blue"}}}}, want: []string{"lt-group"}},
		{name: "no wildcards in Auto Scaling filters", input: autoscaling.DescribeAutoScalingGroupsInput{Filters: []asgtypes.Filter{{Name: aws.String("tag:team"), Values: []string{"*"}}}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeAutoScalingGroups(ctx(t), &tt.input)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range out.AutoScalingGroups {
				got = append(got, aws.ToString(g.AutoScalingGroupName))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	g := describeGroup(t, client, "lc-group")
	if aws.ToString(g.LaunchConfigurationName) != "legacy-lc" || len(g.Instances) != 1 || g.Instances[0].LifecycleState != asgtypes.LifecycleStatePending {
		t.Errorf("lc-group = %s with %+v, want legacy-lc and only the pending instance", aws.ToString(g.LaunchConfigurationName), g.Instances)
	}
	out, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: []string{"lt-group"}, IncludeInstances: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.AutoScalingGroups[0].Instances); n != 0 {
		t.Errorf("IncludeInstances=false returned %d instances", n)
	}
}

func TestDescribeAutoScalingGroupsPaging(t *testing.T) {
	c := newTestCloud()
	for i := range 120 {
		must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: fmt.Sprintf("group-%03d", i), MaxSize: 1}))
	}
	srv := startServer(t, c)
	client := autoscaling.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name       string
		maxRecords *int32
		want       []int
	}{
		{name: "default page size 50", want: []int{50, 50, 20}},
		{name: "MaxRecords 100", maxRecords: aws.Int32(100), want: []int{100, 20}},
		{name: "MaxRecords 7", maxRecords: aws.Int32(7), want: append(slices.Repeat([]int{7}, 17), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sizes []int
			var names []string
			p := autoscaling.NewDescribeAutoScalingGroupsPaginator(client, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: tt.maxRecords})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx(t))
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(page.AutoScalingGroups))
				for _, g := range page.AutoScalingGroups {
					names = append(names, aws.ToString(g.AutoScalingGroupName))
				}
			}
			if !slices.Equal(sizes, tt.want) {
				t.Errorf("page sizes = %v, want %v", sizes, tt.want)
			}
			if len(names) != 120 || !slices.IsSorted(names) {
				t.Errorf("got %d names, sorted %v", len(names), slices.IsSorted(names))
			}
		})
	}
}

func TestDescribeLaunchConfigurations(t *testing.T) {
	c := newTestCloud()
	for i := range 7 {
		must(t, c.AddLaunchConfiguration(LaunchConfiguration{Name: fmt.Sprintf("lc-%d", i), ImageID: imageID(i + 1), InstanceType: "t3.small"}))
	}
	srv := startServer(t, c)
	client := autoscaling.NewFromConfig(srv.AWSConfig())
	out, err := client.DescribeLaunchConfigurations(ctx(t), &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{"lc-3", "missing"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LaunchConfigurations) != 1 || aws.ToString(out.LaunchConfigurations[0].ImageId) != imageID(4) ||
		aws.ToString(out.LaunchConfigurations[0].InstanceType) != "t3.small" {
		t.Errorf("got %+v, want lc-3 on %s", out.LaunchConfigurations, imageID(4))
	}
	var sizes []int
	p := autoscaling.NewDescribeLaunchConfigurationsPaginator(client, &autoscaling.DescribeLaunchConfigurationsInput{MaxRecords: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.LaunchConfigurations))
	}
	if want := []int{3, 3, 1}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes = %v, want %v", sizes, want)
	}
}

func TestDescribeAutoScalingInstances(t *testing.T) {
	srv := startServer(t, groupCloud(t))
	client := autoscaling.NewFromConfig(srv.AWSConfig())
	out, err := client.DescribeAutoScalingInstances(ctx(t), &autoscaling.DescribeAutoScalingInstancesInput{
		InstanceIds: []string{instanceID(2), instanceID(4), instanceID(5), instanceID(6), instanceID(99)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range out.AutoScalingInstances {
		got = append(got, aws.ToString(d.InstanceId)+"@"+aws.ToString(d.AutoScalingGroupName)+"/"+aws.ToString(d.LifecycleState)+"/"+aws.ToString(d.HealthStatus))
	}
	want := []string{instanceID(2) + "@lt-group/InService/HEALTHY", instanceID(4) + "@lc-group/Pending/HEALTHY"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v (no terminated, ungrouped or unknown instances)", got, want)
	}
	if lt := out.AutoScalingInstances[0].LaunchTemplate; lt == nil || aws.ToString(lt.LaunchTemplateName) != "nodes" {
		t.Errorf("launch template = %+v", lt)
	}
	if lc := aws.ToString(out.AutoScalingInstances[1].LaunchConfigurationName); lc != "legacy-lc" {
		t.Errorf("launch configuration = %q", lc)
	}
}

func TestDescribeAutoScalingInstancesPaging(t *testing.T) {
	c := newTestCloud()
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "big", MaxSize: 200, DesiredCapacity: 120}))
	for i := 1; i <= 120; i++ {
		must(t, c.AddInstance(Instance{ID: instanceID(i), AutoScalingGroup: "big"}))
	}
	srv := startServer(t, c)
	var sizes []int
	p := autoscaling.NewDescribeAutoScalingInstancesPaginator(autoscaling.NewFromConfig(srv.AWSConfig()), &autoscaling.DescribeAutoScalingInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.AutoScalingInstances))
	}
	if want := []int{50, 50, 20}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes = %v, want %v", sizes, want)
	}
}

func TestAutoScalingErrors(t *testing.T) {
	srv := startServer(t, groupCloud(t))
	client := autoscaling.NewFromConfig(srv.AWSConfig())
	names := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("g-%d", i))
		}
		return out
	}
	var ids []string
	for i := 1; i <= 51; i++ {
		ids = append(ids, instanceID(i))
	}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{name: "groups: MaxRecords above 100", code: "ValidationError", call: func() error {
			_, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(101)})
			return err
		}},
		{name: "groups: 51 names at the default MaxRecords", code: "ValidationError", call: func() error {
			_, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: names(51)})
			return err
		}},
		{name: "groups: bad token", code: "InvalidNextToken", call: func() error {
			_, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{NextToken: aws.String("garbage")})
			return err
		}},
		{name: "groups: unknown filter", code: "ValidationError", call: func() error {
			_, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{Filters: []asgtypes.Filter{{Name: aws.String("instance-type"), Values: []string{"x"}}}})
			return err
		}},
		{name: "launch configurations: 51 names", code: "ValidationError", call: func() error {
			_, err := client.DescribeLaunchConfigurations(ctx(t), &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: names(51)})
			return err
		}},
		{name: "instances: 51 IDs", code: "ValidationError", call: func() error {
			_, err := client.DescribeAutoScalingInstances(ctx(t), &autoscaling.DescribeAutoScalingInstancesInput{InstanceIds: ids})
			return err
		}},
		{name: "instances: MaxRecords above 50", code: "ValidationError", call: func() error {
			_, err := client.DescribeAutoScalingInstances(ctx(t), &autoscaling.DescribeAutoScalingInstancesInput{MaxRecords: aws.Int32(51)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}

	out, err := client.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: names(60), MaxRecords: aws.Int32(60)})
	if err != nil {
		t.Fatalf("60 names with MaxRecords 60: %v", err)
	}
	if len(out.AutoScalingGroups) != 0 {
		t.Errorf("got %d groups for unknown names", len(out.AutoScalingGroups))
	}
}
