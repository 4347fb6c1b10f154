package scenario

import (
	"fmt"

	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// Tags the simulated groups carry, as their real counterparts do.
const (
	nodeLabelTag     = "k8s.io/cluster-autoscaler/node-template/label/"
	tagEKSCluster    = "eks:cluster-name"
	tagEKSNodegroup  = "eks:nodegroup-name"
	tagKopsGroup     = "kops.k8s.io/instancegroup"
	tagKopsCluster   = "KubernetesCluster"
	labelEKSGroup    = "eks.amazonaws.com/nodegroup"
	labelKopsGroup   = "kops.k8s.io/instancegroup"
	ssmAL2023Amd64   = "/aws/service/eks/optimized-ami/%s/amazon-linux-2023/x86_64/standard/recommended/image_id"
	oldImageVersion  = 1
	newImageVersion  = 2
	clusterTagPrefix = "kubernetes.io/cluster/"
)

// AutoScalingGroupName is the name of the Auto Scaling group behind g: the group's own name
// for self-managed groups, eks-<name>-<suffix> for EKS node groups as EKS names them, and
// <name>.<cluster> for kops instance groups.
func (s *Scenario) AutoScalingGroupName(g Group) string {
	switch g.Kind {
	case KindEKSManaged:
		return fmt.Sprintf("eks-%s-7ac9d1e2-5b1f-4c1a-9d0e-%012x", g.Name, len(g.Name))
	case KindKops:
		return g.Name + "." + s.Cluster + ".k8s.local"
	default:
		return g.Name
	}
}

func launchTemplateID(i int) string { return fmt.Sprintf("lt-%017x", 0x5a0000+i) }

// Populate creates the scenario's account: both images, the EKS cluster, one launch template
// per group whose only version runs the old image, and the groups at their size. The cloud
// then launches the instances.
func (s *Scenario) Populate(cloud *awssim.Cloud, kubernetesMinor string) error {
	for _, img := range []Image{s.Images.Old, s.Images.New} {
		if err := cloud.AddImage(awssim.Image{ID: img.ID, Name: img.Name, OwnerAlias: "amazon", Public: true}); err != nil {
			return fmt.Errorf("add image %s: %w", img.ID, err)
		}
	}
	if err := cloud.AddCluster(awssim.EKSCluster{Name: s.Cluster, Version: kubernetesMinor}); err != nil {
		return fmt.Errorf("add cluster: %w", err)
	}
	for i, g := range s.Groups {
		lt := awssim.LaunchTemplate{
			ID: launchTemplateID(i), Name: g.Name + "-nodes", DefaultVersion: oldImageVersion,
			Versions: []awssim.LaunchTemplateVersion{{Number: oldImageVersion, ImageID: s.Images.Old.ID, InstanceType: g.InstanceType}},
		}
		if err := cloud.AddLaunchTemplate(lt); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
		asg := awssim.AutoScalingGroup{
			Name: s.AutoScalingGroupName(g), MinSize: g.Size, MaxSize: g.MaxSize, DesiredCapacity: g.Size, Zones: g.Zones,
			LaunchTemplate: &awssim.LaunchTemplateRef{ID: lt.ID, Version: "$Latest"},
			Tags:           map[string]string{clusterTagPrefix + s.Cluster: "owned"},
		}
		switch g.Kind {
		case KindEKSManaged:
			asg.Tags[tagEKSCluster] = s.Cluster
			asg.Tags[tagEKSNodegroup] = g.Name
			asg.Tags[nodeLabelTag+labelEKSGroup] = g.Name
		case KindKops:
			asg.Tags[tagKopsCluster] = s.Cluster
			asg.Tags[tagKopsGroup] = g.Name
			asg.Tags[nodeLabelTag+labelKopsGroup] = g.Name
		}
		if err := cloud.AddAutoScalingGroup(asg); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
		if g.Kind == KindEKSManaged {
			err := cloud.AddNodegroup(awssim.Nodegroup{
				Cluster: s.Cluster, Name: g.Name, Version: kubernetesMinor, ReleaseVersion: kubernetesMinor + ".0-20261015",
				MinSize: g.Size, MaxSize: g.MaxSize, DesiredSize: g.Size, InstanceTypes: []string{g.InstanceType},
				AutoScalingGroups: []string{asg.Name}, Labels: map[string]string{labelEKSGroup: g.Name},
			})
			if err != nil {
				return fmt.Errorf("node group %s: %w", g.Name, err)
			}
		}
	}
	return cloud.SetParameter(fmt.Sprintf(ssmAL2023Amd64, kubernetesMinor), s.Images.Old.ID)
}

// PublishNewImage does what an image release does: every group's launch template gains a
// version with the new image, which the groups ($Latest) launch from now on, and the
// EKS-optimized image parameter points at it.
func (s *Scenario) PublishNewImage(cloud *awssim.Cloud, kubernetesMinor string) error {
	for i, g := range s.Groups {
		lt, ok := cloud.LaunchTemplate(launchTemplateID(i))
		if !ok {
			return fmt.Errorf("group %s: launch template %s is gone", g.Name, launchTemplateID(i))
		}
		lt.Versions = append(lt.Versions, awssim.LaunchTemplateVersion{Number: newImageVersion, ImageID: s.Images.New.ID, InstanceType: g.InstanceType})
		if err := cloud.AddLaunchTemplate(lt); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
	}
	return cloud.SetParameter(fmt.Sprintf(ssmAL2023Amd64, kubernetesMinor), s.Images.New.ID)
}
