package awscloud

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// amiTypeCustom is the EKS AMI type of node groups whose launch template names the image.
const amiTypeCustom = "CUSTOM"

// Nodegroup is what discovery knows about one EKS managed node group.
type Nodegroup struct {
	Cluster, Name string
	// Version is the Kubernetes version of the group, such as "1.36".
	Version string
	// ReleaseVersion is the EKS-optimized AMI release, such as "1.36.0-20260115".
	ReleaseVersion string
	// AMIType is the EKS AMI type, such as AL2023_x86_64_STANDARD or CUSTOM.
	AMIType                       string
	Status                        string
	MinSize, MaxSize, DesiredSize int
	// AutoScalingGroups are the names of the groups EKS manages for this node group.
	AutoScalingGroups []string
	// LaunchTemplate is the node group's launch template, nil when EKS owns it. For a
	// CUSTOM AMI type its version and ImageID are resolved.
	LaunchTemplate *LaunchTemplateRef
	// TargetAMI is the custom image of a CUSTOM node group, "" otherwise or when unresolved.
	TargetAMI string
	Labels    map[string]string
	Tags      map[string]string
}

// NodegroupsNamed describes the named managed node groups of the EKS cluster, the ones its
// nodes name in their labels, and resolves the image of CUSTOM groups. Names that do not exist
// are absent from the result.
func (c *Clients) NodegroupsNamed(ctx context.Context, cluster string, names []string) (map[string]Nodegroup, error) {
	groups, err := c.describeNodegroups(ctx, cluster, unique(names))
	if err != nil {
		return nil, err
	}
	return groups, c.resolveNodegroupImages(ctx, groups)
}

// describeNodegroups calls DescribeNodegroup for each name, a few at a time. Groups that do
// not exist, such as one deleted since its nodes were read, are absent.
func (c *Clients) describeNodegroups(ctx context.Context, cluster string, names []string) (map[string]Nodegroup, error) {
	out := make(map[string]Nodegroup, len(names))
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
	)
	slots := make(chan struct{}, describeConcurrency)
	for _, name := range names {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			resp, err := c.EKS.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{
				ClusterName:   aws.String(cluster),
				NodegroupName: aws.String(name),
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && errorCode(err) == "ResourceNotFoundException":
			case err != nil:
				if firstErr == nil {
					firstErr = wrap(err, "describe node group %s of EKS cluster %s", name, cluster)
				}
			case resp.Nodegroup != nil:
				out[name] = toNodegroup(cluster, *resp.Nodegroup)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// toNodegroup converts the SDK shape.
func toNodegroup(cluster string, ng types.Nodegroup) Nodegroup {
	out := Nodegroup{
		Cluster:        cluster,
		Name:           aws.ToString(ng.NodegroupName),
		Version:        aws.ToString(ng.Version),
		ReleaseVersion: aws.ToString(ng.ReleaseVersion),
		AMIType:        string(ng.AmiType),
		Status:         string(ng.Status),
		Labels:         make(map[string]string, len(ng.Labels)),
		Tags:           make(map[string]string, len(ng.Tags)),
	}
	if s := ng.ScalingConfig; s != nil {
		out.MinSize = int(aws.ToInt32(s.MinSize))
		out.MaxSize = int(aws.ToInt32(s.MaxSize))
		out.DesiredSize = int(aws.ToInt32(s.DesiredSize))
	}
	if ng.Resources != nil {
		for _, g := range ng.Resources.AutoScalingGroups {
			out.AutoScalingGroups = append(out.AutoScalingGroups, aws.ToString(g.Name))
		}
	}
	if lt := ng.LaunchTemplate; lt != nil && (lt.Id != nil || lt.Name != nil) {
		out.LaunchTemplate = &LaunchTemplateRef{
			ID:      aws.ToString(lt.Id),
			Name:    aws.ToString(lt.Name),
			Version: aws.ToString(lt.Version),
		}
	}
	for k, v := range ng.Labels {
		out.Labels[k] = v
	}
	for k, v := range ng.Tags {
		out.Tags[k] = v
	}
	return out
}

// resolveNodegroupImages fills TargetAMI of CUSTOM node groups from their launch templates.
func (c *Clients) resolveNodegroupImages(ctx context.Context, groups map[string]Nodegroup) error {
	names := make([]string, 0, len(groups))
	var refs []*LaunchTemplateRef
	for name, g := range groups {
		if g.AMIType == amiTypeCustom && g.LaunchTemplate != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		refs = append(refs, groups[name].LaunchTemplate)
	}
	if len(refs) == 0 {
		return nil
	}
	if _, err := c.resolveLaunchTemplates(ctx, refs); err != nil {
		return err
	}
	for _, name := range names {
		g := groups[name]
		g.TargetAMI = g.LaunchTemplate.ImageID
		groups[name] = g
	}
	return nil
}
