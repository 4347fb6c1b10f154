package awscloud

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Tag keys read from instances.
const (
	tagAutoScalingGroup = "aws:autoscaling:groupName"
	tagEKSClusterName   = "eks:cluster-name"
	tagAWSEKSCluster    = "aws:eks:cluster-name"
	tagClusterPrefix    = "kubernetes.io/cluster/"
)

// notFoundRetries bounds how often one batch is retried without the IDs an
// InvalidInstanceID.NotFound answer named before falling back to the instance-id filter.
const notFoundRetries = 3

// Instance is what discovery knows about one EC2 instance.
type Instance struct {
	ID           string
	ImageID      string
	Zone         string
	InstanceType string
	// State is the EC2 state name: pending, running, stopping, stopped, shutting-down, terminated.
	State string
	// Architecture is "amd64" or "arm64" (EC2's x86_64 and arm64); other values pass through.
	Architecture   string
	LaunchTime     time.Time
	PrivateDNSName string
	Tags           map[string]string
	// AutoScalingGroup is the value of the aws:autoscaling:groupName tag, or "".
	AutoScalingGroup string
}

// Instances describes the given instances in batches of up to 1,000 IDs per
// DescribeInstances call. IDs that EC2 does not know, and IDs that are not instance IDs at
// all, are absent from the result. A batch naming an unknown ID fails as a whole with
// InvalidInstanceID.NotFound; it is retried without the IDs that answer names, and when
// that does not settle it, described through the instance-id filter (which never fails on
// unknown IDs) in requests of at most 200 filter values and 1,000 results per page.
func (c *Clients) Instances(ctx context.Context, ids []string) (map[string]Instance, error) {
	out := make(map[string]Instance, len(ids))
	var valid []string
	for _, id := range unique(ids) {
		if validInstanceID(id) {
			valid = append(valid, id)
		}
	}
	for _, batch := range chunks(valid, maxInstanceIDsPerCall) {
		if err := c.describeInstanceBatch(ctx, batch, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// describeInstanceBatch describes at most maxInstanceIDsPerCall IDs into out.
func (c *Clients) describeInstanceBatch(ctx context.Context, batch []string, out map[string]Instance) error {
	for attempt := 0; attempt <= notFoundRetries && len(batch) > 0; attempt++ {
		found := make(map[string]Instance, len(batch))
		err := c.describeInstancePages(ctx, &ec2.DescribeInstancesInput{InstanceIds: batch}, 0, found)
		if err == nil {
			for id, inst := range found {
				out[id] = inst
			}
			return nil
		}
		if errorCode(err) != "InvalidInstanceID.NotFound" {
			return wrap(err, "describe instances")
		}
		rest := withoutNamed(batch, err.Error())
		if len(rest) == len(batch) {
			break
		}
		batch = rest
	}
	if len(batch) == 0 {
		return nil
	}
	for _, part := range chunks(batch, maxFilterValuesPerCall) {
		in := &ec2.DescribeInstancesInput{
			Filters: []types.Filter{{Name: aws.String("instance-id"), Values: part}},
		}
		if err := c.describeInstancePages(ctx, in, maxEC2PageSize, out); err != nil {
			return wrap(err, "describe instances")
		}
	}
	return nil
}

// describeInstancePages pages through one DescribeInstances request into out. limit is the
// page size, 0 when the request names instance IDs (which MaxResults may not accompany).
func (c *Clients) describeInstancePages(ctx context.Context, in *ec2.DescribeInstancesInput, limit int32, out map[string]Instance) error {
	p := ec2.NewDescribeInstancesPaginator(c.EC2, in, func(o *ec2.DescribeInstancesPaginatorOptions) {
		o.Limit = limit
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				inst := toInstance(i)
				if inst.ID != "" {
					out[inst.ID] = inst
				}
			}
		}
	}
	return nil
}

// withoutNamed drops from batch the IDs that the error message names, the way EC2 reports
// "The instance IDs 'i-1, i-2' do not exist".
func withoutNamed(batch []string, message string) []string {
	named := make(map[string]bool)
	for _, word := range strings.FieldsFunc(message, func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z')
	}) {
		if validInstanceID(word) {
			named[word] = true
		}
	}
	rest := make([]string, 0, len(batch))
	for _, id := range batch {
		if !named[id] {
			rest = append(rest, id)
		}
	}
	return rest
}

// toInstance converts the SDK shape.
func toInstance(i types.Instance) Instance {
	inst := Instance{
		ID:             aws.ToString(i.InstanceId),
		ImageID:        aws.ToString(i.ImageId),
		InstanceType:   string(i.InstanceType),
		Architecture:   kubeArch(string(i.Architecture)),
		LaunchTime:     aws.ToTime(i.LaunchTime),
		PrivateDNSName: aws.ToString(i.PrivateDnsName),
		Tags:           make(map[string]string, len(i.Tags)),
	}
	if i.Placement != nil {
		inst.Zone = aws.ToString(i.Placement.AvailabilityZone)
	}
	if i.State != nil {
		inst.State = string(i.State.Name)
	}
	for _, t := range i.Tags {
		inst.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	inst.AutoScalingGroup = inst.Tags[tagAutoScalingGroup]
	return inst
}

// kubeArch maps an EC2 architecture to the Kubernetes (GOARCH) name.
func kubeArch(arch string) string {
	switch arch {
	case "x86_64":
		return "amd64"
	case "arm64":
		return "arm64"
	}
	return arch
}

// ec2Arch maps a Kubernetes architecture to the EC2 name; EC2 names pass through.
func ec2Arch(arch string) string {
	switch arch {
	case "amd64", "x86_64":
		return "x86_64"
	case "arm64", "aarch64":
		return "arm64"
	}
	return ""
}

// validInstanceID reports whether id has the i-xxxxxxxx or i-xxxxxxxxxxxxxxxxx form.
func validInstanceID(id string) bool {
	return validResourceID(id, "i-")
}

// validResourceID reports whether id is prefix followed by 8 or 17 lower-case hex digits.
func validResourceID(id, prefix string) bool {
	hex, ok := strings.CutPrefix(id, prefix)
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	for _, r := range hex {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// ClusterName finds the EKS cluster name in instance tags (eks:cluster-name,
// aws:eks:cluster-name, or the key kubernetes.io/cluster/<name>). When instances disagree the
// name on most of them wins, ties going to the alphabetically first; "" when none is tagged.
func ClusterName(instances map[string]Instance) string {
	votes := make(map[string]int)
	for _, inst := range instances {
		if name := clusterNameOf(inst.Tags); name != "" {
			votes[name]++
		}
	}
	names := make([]string, 0, len(votes))
	for name := range votes {
		names = append(names, name)
	}
	sort.Slice(names, func(a, b int) bool {
		if votes[names[a]] != votes[names[b]] {
			return votes[names[a]] > votes[names[b]]
		}
		return names[a] < names[b]
	})
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// clusterNameOf reads the cluster name from one instance's tags.
func clusterNameOf(tags map[string]string) string {
	for _, key := range []string{tagEKSClusterName, tagAWSEKSCluster} {
		if v := tags[key]; v != "" {
			return v
		}
	}
	var found []string
	for key := range tags {
		if name, ok := strings.CutPrefix(key, tagClusterPrefix); ok && name != "" {
			found = append(found, name)
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		return ""
	}
	return found[0]
}
