package awscloud

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// AutoScalingGroup is what discovery knows about one Auto Scaling group, including the image
// that instances it launches next would run.
type AutoScalingGroup struct {
	Name                              string
	MinSize, MaxSize, DesiredCapacity int
	Zones                             []string
	// Instances are the IDs of the group's instances.
	Instances []string
	Tags      map[string]string
	// Status is "Delete in progress" while the group is being deleted, "" otherwise.
	Status string
	// TargetAMI is the image new instances get, "" when it could not be resolved.
	TargetAMI string
	// TargetSource says where TargetAMI comes from, or why it could not be resolved.
	TargetSource string
	// LaunchTemplate is the group's launch template (or its mixed instances policy's) with
	// the version resolved; nil for a launch configuration.
	LaunchTemplate          *LaunchTemplateRef
	LaunchConfigurationName string
	// MixedInstances is true when the group uses a mixed instances policy.
	MixedInstances bool
	// OverrideLaunchTemplates counts mixed instances overrides that carry their own launch
	// template; their instances may run another image than TargetAMI.
	OverrideLaunchTemplates int
}

// AutoScalingGroups describes the named groups, at most 50 names per call and 100 records
// per page, and resolves each group's target image from its launch template (versions
// $Latest, $Default or a number, one DescribeLaunchTemplateVersions call per distinct
// template), its launch configuration (DescribeLaunchConfigurations, 50 names per call) or
// its mixed instances policy. Unknown names are absent from the result.
func (c *Clients) AutoScalingGroups(ctx context.Context, names []string) (map[string]AutoScalingGroup, error) {
	out := make(map[string]AutoScalingGroup, len(names))
	for _, batch := range chunks(unique(names), maxGroupNamesPerCall) {
		p := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.AutoScaling,
			&autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: batch},
			func(o *autoscaling.DescribeAutoScalingGroupsPaginatorOptions) { o.Limit = maxAutoScalingRecords })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, wrap(err, "describe auto scaling groups")
			}
			for _, g := range page.AutoScalingGroups {
				group := toGroup(g)
				out[group.Name] = group
			}
		}
	}
	if err := c.resolveGroupTargets(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// toGroup converts the SDK shape, keeping the launch template reference unresolved.
func toGroup(g types.AutoScalingGroup) AutoScalingGroup {
	group := AutoScalingGroup{
		Name:                    aws.ToString(g.AutoScalingGroupName),
		MinSize:                 int(aws.ToInt32(g.MinSize)),
		MaxSize:                 int(aws.ToInt32(g.MaxSize)),
		DesiredCapacity:         int(aws.ToInt32(g.DesiredCapacity)),
		Zones:                   append([]string(nil), g.AvailabilityZones...),
		Tags:                    make(map[string]string, len(g.Tags)),
		Status:                  aws.ToString(g.Status),
		LaunchConfigurationName: aws.ToString(g.LaunchConfigurationName),
	}
	for _, i := range g.Instances {
		group.Instances = append(group.Instances, aws.ToString(i.InstanceId))
	}
	for _, t := range g.Tags {
		group.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	switch {
	case g.LaunchTemplate != nil:
		group.LaunchTemplate = asgTemplateRef(g.LaunchTemplate)
	case g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil:
		lt := g.MixedInstancesPolicy.LaunchTemplate
		group.MixedInstances = true
		group.LaunchTemplate = asgTemplateRef(lt.LaunchTemplateSpecification)
		for _, o := range lt.Overrides {
			if o.LaunchTemplateSpecification != nil {
				group.OverrideLaunchTemplates++
			}
		}
		if group.LaunchTemplate == nil {
			group.TargetSource = "mixed instances policy without a launch template"
		}
	}
	return group
}

// asgTemplateRef converts an Auto Scaling launch template specification.
func asgTemplateRef(s *types.LaunchTemplateSpecification) *LaunchTemplateRef {
	if s == nil || (s.LaunchTemplateId == nil && s.LaunchTemplateName == nil) {
		return nil
	}
	return &LaunchTemplateRef{
		ID:      aws.ToString(s.LaunchTemplateId),
		Name:    aws.ToString(s.LaunchTemplateName),
		Version: aws.ToString(s.Version),
	}
}

// resolveGroupTargets fills TargetAMI and TargetSource of every group.
func (c *Clients) resolveGroupTargets(ctx context.Context, groups map[string]AutoScalingGroup) error {
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	var refs []*LaunchTemplateRef
	var configs []string
	for _, name := range names {
		g := groups[name]
		switch {
		case g.LaunchTemplate != nil:
			refs = append(refs, g.LaunchTemplate)
		case g.LaunchConfigurationName != "":
			configs = append(configs, g.LaunchConfigurationName)
		}
	}
	problems, err := c.resolveLaunchTemplates(ctx, refs)
	if err != nil {
		return err
	}
	images, err := c.launchConfigurationImages(ctx, configs)
	if err != nil {
		return err
	}
	for _, name := range names {
		g := groups[name]
		switch {
		case g.LaunchTemplate != nil:
			g.TargetAMI, g.TargetSource = templateTarget(g, problems)
		case g.LaunchConfigurationName != "":
			image, ok := images[g.LaunchConfigurationName]
			g.TargetAMI = image
			g.TargetSource = "launch configuration " + g.LaunchConfigurationName
			if !ok {
				g.TargetSource += " does not exist"
			}
		case g.TargetSource == "":
			g.TargetSource = "no launch template or launch configuration"
		}
		groups[name] = g
	}
	return nil
}

// templateTarget is the image and its description for a group using a launch template.
func templateTarget(g AutoScalingGroup, problems map[string]string) (string, string) {
	r := g.LaunchTemplate
	var b strings.Builder
	if g.MixedInstances {
		b.WriteString("mixed instances policy: ")
	}
	fmt.Fprintf(&b, "launch template %s version %s", r.label(), r.Version)
	if problem, bad := problems[r.key()+"@"+r.Version]; bad {
		fmt.Fprintf(&b, ": %s", problem)
		return "", b.String()
	}
	if fmt.Sprint(r.VersionNumber) != r.Version {
		fmt.Fprintf(&b, " (%d)", r.VersionNumber)
	}
	if r.ImageID == "" {
		b.WriteString(" names no image")
	}
	if g.OverrideLaunchTemplates > 0 {
		fmt.Fprintf(&b, "; %d override(s) carry their own launch template", g.OverrideLaunchTemplates)
	}
	return r.ImageID, b.String()
}

// launchConfigurationImages maps launch configuration names to their image IDs; names that
// do not exist are absent.
func (c *Clients) launchConfigurationImages(ctx context.Context, names []string) (map[string]string, error) {
	out := make(map[string]string)
	for _, batch := range chunks(unique(names), maxLaunchConfigurationNamesPerCall) {
		p := autoscaling.NewDescribeLaunchConfigurationsPaginator(c.AutoScaling,
			&autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: batch},
			func(o *autoscaling.DescribeLaunchConfigurationsPaginatorOptions) { o.Limit = maxAutoScalingRecords })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, wrap(err, "describe launch configurations")
			}
			for _, lc := range page.LaunchConfigurations {
				out[aws.ToString(lc.LaunchConfigurationName)] = aws.ToString(lc.ImageId)
			}
		}
	}
	return out, nil
}
