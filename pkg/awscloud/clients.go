// Package awscloud discovers, read-only, what kubectl rotate needs to know about AWS:
// EC2 instances and images, Auto Scaling groups with the image their launch template or
// launch configuration would start, EKS managed node groups, and the EKS-optimized images
// published in SSM public parameters.
//
// Every call is batched by the limits AWS documents and paged with the SDK paginators, so
// discovery of thousands of nodes costs a handful of requests. Unknown IDs and names are
// absent from results rather than errors, because a real account has terminated instances
// and deleted groups that Kubernetes still remembers.
package awscloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Documented limits applied to every batched call.
const (
	// maxInstanceIDsPerCall: "you should not specify more than 1,000 IDs in a single call"
	// (Amazon EC2 Developer Guide, "Pagination in the Amazon EC2 API").
	maxInstanceIDsPerCall = 1000
	// maxFilterValuesPerCall: EC2 rejects more with FilterLimitExceeded, "The maximum number
	// of filter values specified on a single call is 200" (the EC2 error code
	// FilterLimitExceeded, Amazon EC2 API Reference, "Error codes").
	maxFilterValuesPerCall = 200
	// maxEC2PageSize: MaxResults of DescribeInstances and DescribeImages is at most 1000
	// (Amazon EC2 API Reference, DescribeInstances / DescribeImages, and the devguide
	// pagination example that uses withMaxResults(1000)).
	maxEC2PageSize = 1000
	// maxGroupNamesPerCall: "By default, you can only specify up to 50 names"
	// (Amazon EC2 Auto Scaling API Reference, DescribeAutoScalingGroups, AutoScalingGroupNames).
	maxGroupNamesPerCall = 50
	// maxLaunchConfigurationNamesPerCall: "Array Members: Maximum number of 50 items"
	// (Amazon EC2 Auto Scaling API Reference, DescribeLaunchConfigurations).
	maxLaunchConfigurationNamesPerCall = 50
	// maxAutoScalingRecords: MaxRecords "The default value is 50 and the maximum value is 100"
	// (DescribeAutoScalingGroups and DescribeLaunchConfigurations).
	maxAutoScalingRecords = 100
	// maxParameterNamesPerCall: GetParameters Names "Maximum number of 10 items"
	// (AWS Systems Manager API Reference, GetParameters).
	maxParameterNamesPerCall = 10
	// describeConcurrency bounds the DescribeNodegroup calls in flight at once.
	describeConcurrency = 4
)

// EC2API is the part of the EC2 client that discovery uses.
type EC2API interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DescribeLaunchTemplateVersions(ctx context.Context, in *ec2.DescribeLaunchTemplateVersionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error)
}

// AutoScalingAPI is the part of the Auto Scaling client that discovery uses.
type AutoScalingAPI interface {
	DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	DescribeLaunchConfigurations(ctx context.Context, in *autoscaling.DescribeLaunchConfigurationsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeLaunchConfigurationsOutput, error)
}

// EKSAPI is the part of the EKS client that discovery uses.
type EKSAPI interface {
	DescribeNodegroup(ctx context.Context, in *eks.DescribeNodegroupInput, optFns ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error)
}

// SSMAPI is the part of the SSM client that discovery uses.
type SSMAPI interface {
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
}

var (
	_ EC2API         = (*ec2.Client)(nil)
	_ AutoScalingAPI = (*autoscaling.Client)(nil)
	_ EKSAPI         = (*eks.Client)(nil)
	_ SSMAPI         = (*ssm.Client)(nil)
)

// Clients holds one client per AWS service and performs the discovery calls.
type Clients struct {
	EC2         EC2API
	AutoScaling AutoScalingAPI
	EKS         EKSAPI
	SSM         SSMAPI
	// GroupWriter and NodegroupWriter change groups during a rotation; discovery never
	// uses them.
	GroupWriter     AutoScalingWriter
	NodegroupWriter EKSWriter
	// Region is named in error messages; it is the region of cfg given to NewClients.
	Region string
}

// NewClients builds SDK clients for EC2, Auto Scaling, EKS and SSM from cfg.
func NewClients(cfg aws.Config) *Clients {
	asg, eksClient := autoscaling.NewFromConfig(cfg), eks.NewFromConfig(cfg)
	return &Clients{
		EC2:             ec2.NewFromConfig(cfg),
		AutoScaling:     asg,
		EKS:             eksClient,
		SSM:             ssm.NewFromConfig(cfg),
		GroupWriter:     asg,
		NodegroupWriter: eksClient,
		Region:          cfg.Region,
	}
}

// chunks cuts items into consecutive slices of at most size elements.
func chunks[T any](items []T, size int) [][]T {
	var out [][]T
	for len(items) > size {
		out = append(out, items[:size:size])
		items = items[size:]
	}
	if len(items) > 0 {
		out = append(out, items)
	}
	return out
}

// unique returns the non-empty strings of items once each, in first-seen order.
func unique(items []string) []string {
	seen := make(map[string]bool, len(items))
	out := make([]string, 0, len(items))
	for _, s := range items {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
