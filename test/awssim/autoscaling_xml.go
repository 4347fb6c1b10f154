package awssim

import (
	"cmp"
	"slices"
)

// The XML shapes of the Auto Scaling answers, with the element names the
// SDK's deserializers read. Lists are <member> elements.

type asgLaunchTemplateSpec struct {
	LaunchTemplateID   string `xml:"LaunchTemplateId,omitempty"`
	LaunchTemplateName string `xml:"LaunchTemplateName,omitempty"`
	Version            string `xml:"Version,omitempty"`
}

type asgOverride struct {
	InstanceType                string                 `xml:"InstanceType,omitempty"`
	WeightedCapacity            string                 `xml:"WeightedCapacity,omitempty"`
	LaunchTemplateSpecification *asgLaunchTemplateSpec `xml:"LaunchTemplateSpecification,omitempty"`
}

type asgMixedLaunchTemplate struct {
	LaunchTemplateSpecification asgLaunchTemplateSpec `xml:"LaunchTemplateSpecification"`
	Overrides                   []asgOverride         `xml:"Overrides>member"`
}

// asgInstancesDistribution carries the documented defaults of a policy
// created without an InstancesDistribution.
type asgInstancesDistribution struct {
	OnDemandAllocationStrategy          string `xml:"OnDemandAllocationStrategy"`
	OnDemandBaseCapacity                int    `xml:"OnDemandBaseCapacity"`
	OnDemandPercentageAboveBaseCapacity int    `xml:"OnDemandPercentageAboveBaseCapacity"`
	SpotAllocationStrategy              string `xml:"SpotAllocationStrategy"`
	SpotInstancePools                   int    `xml:"SpotInstancePools"`
}

type asgMixedInstancesPolicy struct {
	LaunchTemplate        asgMixedLaunchTemplate   `xml:"LaunchTemplate"`
	InstancesDistribution asgInstancesDistribution `xml:"InstancesDistribution"`
}

type asgInstance struct {
	InstanceID              string                 `xml:"InstanceId"`
	InstanceType            string                 `xml:"InstanceType"`
	AvailabilityZone        string                 `xml:"AvailabilityZone"`
	LifecycleState          string                 `xml:"LifecycleState"`
	HealthStatus            string                 `xml:"HealthStatus"`
	LaunchConfigurationName string                 `xml:"LaunchConfigurationName,omitempty"`
	LaunchTemplate          *asgLaunchTemplateSpec `xml:"LaunchTemplate,omitempty"`
	ProtectedFromScaleIn    bool                   `xml:"ProtectedFromScaleIn"`
}

type asgTag struct {
	ResourceID        string `xml:"ResourceId"`
	ResourceType      string `xml:"ResourceType"`
	Key               string `xml:"Key"`
	Value             string `xml:"Value"`
	PropagateAtLaunch bool   `xml:"PropagateAtLaunch"`
}

type asgGroup struct {
	AutoScalingGroupName             string                   `xml:"AutoScalingGroupName"`
	AutoScalingGroupARN              string                   `xml:"AutoScalingGroupARN"`
	LaunchConfigurationName          string                   `xml:"LaunchConfigurationName,omitempty"`
	LaunchTemplate                   *asgLaunchTemplateSpec   `xml:"LaunchTemplate,omitempty"`
	MixedInstancesPolicy             *asgMixedInstancesPolicy `xml:"MixedInstancesPolicy,omitempty"`
	MinSize                          int                      `xml:"MinSize"`
	MaxSize                          int                      `xml:"MaxSize"`
	DesiredCapacity                  int                      `xml:"DesiredCapacity"`
	DefaultCooldown                  int                      `xml:"DefaultCooldown"`
	AvailabilityZones                []string                 `xml:"AvailabilityZones>member"`
	HealthCheckType                  string                   `xml:"HealthCheckType"`
	HealthCheckGracePeriod           int                      `xml:"HealthCheckGracePeriod"`
	Instances                        []asgInstance            `xml:"Instances>member"`
	CreatedTime                      string                   `xml:"CreatedTime"`
	VPCZoneIdentifier                string                   `xml:"VPCZoneIdentifier,omitempty"`
	Tags                             []asgTag                 `xml:"Tags>member"`
	TerminationPolicies              []string                 `xml:"TerminationPolicies>member"`
	NewInstancesProtectedFromScaleIn bool                     `xml:"NewInstancesProtectedFromScaleIn"`
	ServiceLinkedRoleARN             string                   `xml:"ServiceLinkedRoleARN"`
	CapacityRebalance                bool                     `xml:"CapacityRebalance"`
}

type asgDescribeGroupsResult struct {
	Groups struct {
		Members []asgGroup `xml:"member"`
	} `xml:"AutoScalingGroups"`
	NextToken string `xml:"NextToken,omitempty"`
}

type asgLaunchConfiguration struct {
	LaunchConfigurationName string `xml:"LaunchConfigurationName"`
	LaunchConfigurationARN  string `xml:"LaunchConfigurationARN"`
	ImageID                 string `xml:"ImageId"`
	InstanceType            string `xml:"InstanceType"`
	CreatedTime             string `xml:"CreatedTime"`
}

type asgDescribeLaunchConfigurationsResult struct {
	LaunchConfigurations struct {
		Members []asgLaunchConfiguration `xml:"member"`
	} `xml:"LaunchConfigurations"`
	NextToken string `xml:"NextToken,omitempty"`
}

type asgInstanceDetails struct {
	InstanceID              string                 `xml:"InstanceId"`
	InstanceType            string                 `xml:"InstanceType"`
	AutoScalingGroupName    string                 `xml:"AutoScalingGroupName"`
	AvailabilityZone        string                 `xml:"AvailabilityZone"`
	LifecycleState          string                 `xml:"LifecycleState"`
	HealthStatus            string                 `xml:"HealthStatus"`
	LaunchConfigurationName string                 `xml:"LaunchConfigurationName,omitempty"`
	LaunchTemplate          *asgLaunchTemplateSpec `xml:"LaunchTemplate,omitempty"`
	ProtectedFromScaleIn    bool                   `xml:"ProtectedFromScaleIn"`
}

type asgDescribeInstancesResult struct {
	Instances struct {
		Members []asgInstanceDetails `xml:"member"`
	} `xml:"AutoScalingInstances"`
	NextToken string `xml:"NextToken,omitempty"`
}

// asgSpec renders an optional launch template reference.
func asgSpec(ref *LaunchTemplateRef) *asgLaunchTemplateSpec {
	if ref == nil {
		return nil
	}
	return &asgLaunchTemplateSpec{LaunchTemplateID: ref.ID, LaunchTemplateName: ref.Name, Version: ref.Version}
}

// lifecycleState is the Auto Scaling lifecycle state of an instance: its own
// when set, otherwise derived from the EC2 state.
func lifecycleState(inst Instance) string {
	if inst.LifecycleState != "" {
		return inst.LifecycleState
	}
	switch inst.State {
	case StatePending:
		return "Pending"
	case StateShuttingDown:
		return "Terminating"
	case StateTerminated:
		return "Terminated"
	}
	return "InService"
}

// asgGroupOf renders a group as DescribeAutoScalingGroups shows it.
func asgGroupOf(v groupView, account string) asgGroup {
	g := asgGroup{
		AutoScalingGroupName:             v.Name,
		AutoScalingGroupARN:              v.ARN,
		LaunchConfigurationName:          v.LaunchConfigurationName,
		LaunchTemplate:                   asgSpec(v.LaunchTemplate),
		MinSize:                          v.MinSize,
		MaxSize:                          v.MaxSize,
		DesiredCapacity:                  v.DesiredCapacity,
		DefaultCooldown:                  300,
		AvailabilityZones:                v.Zones,
		HealthCheckType:                  v.HealthCheckType,
		HealthCheckGracePeriod:           300,
		CreatedTime:                      xmlTime(v.CreatedTime),
		VPCZoneIdentifier:                v.VPCZoneIdentifier,
		TerminationPolicies:              []string{"Default"},
		NewInstancesProtectedFromScaleIn: v.NewInstancesProtectedFromScaleIn,
		ServiceLinkedRoleARN:             "arn:aws:iam::" + account + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
	}
	if m := v.MixedInstances; m != nil {
		p := &asgMixedInstancesPolicy{
			LaunchTemplate: asgMixedLaunchTemplate{LaunchTemplateSpecification: *asgSpec(&m.LaunchTemplate)},
			InstancesDistribution: asgInstancesDistribution{
				OnDemandAllocationStrategy:          "prioritized",
				OnDemandPercentageAboveBaseCapacity: 100,
				SpotAllocationStrategy:              "lowest-price",
				SpotInstancePools:                   2,
			},
		}
		for _, o := range m.Overrides {
			p.LaunchTemplate.Overrides = append(p.LaunchTemplate.Overrides, asgOverride{
				InstanceType:                o.InstanceType,
				WeightedCapacity:            o.WeightedCapacity,
				LaunchTemplateSpecification: asgSpec(o.LaunchTemplate),
			})
		}
		g.MixedInstancesPolicy = p
	}
	for _, inst := range v.Members {
		g.Instances = append(g.Instances, asgInstance{
			InstanceID:              inst.ID,
			InstanceType:            inst.InstanceType,
			AvailabilityZone:        inst.Zone,
			LifecycleState:          lifecycleState(inst),
			HealthStatus:            inst.HealthStatus,
			LaunchConfigurationName: inst.LaunchConfigurationName,
			LaunchTemplate:          asgSpec(inst.LaunchTemplate),
			ProtectedFromScaleIn:    inst.ProtectedFromScaleIn,
		})
	}
	for k, val := range v.Tags {
		g.Tags = append(g.Tags, asgTag{ResourceID: v.Name, ResourceType: "auto-scaling-group", Key: k, Value: val, PropagateAtLaunch: !v.NoPropagateTags[k]})
	}
	slices.SortFunc(g.Tags, func(a, b asgTag) int { return cmp.Compare(a.Key, b.Key) })
	return g
}
