// Package world builds a consistent cluster-and-cloud pair for tests: node groups whose EC2
// instances live in a simulated AWS account and whose Nodes, pods and PodDisruptionBudgets
// are Kubernetes objects, all agreeing on IDs, zones, labels and images.
package world

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// Kinds of group a Spec can hold.
const (
	KindASG        = "asg"
	KindEKSManaged = "eks-managed"
	KindKops       = "kops"
	KindKarpenter  = "karpenter"
)

// Spec describes a cluster on AWS.
type Spec struct {
	Region  string
	Cluster string
	// KubeletVersion is the version every node reports, e.g. v1.36.2.
	KubeletVersion string
	Groups         []GroupSpec
	// Created stamps every node and instance.
	Created time.Time
}

// GroupSpec describes one node group.
type GroupSpec struct {
	Name  string
	Kind  string
	Zones []string
	Nodes int
	// MaxSize defaults to Nodes + 2.
	MaxSize int
	// CurrentAMI is the image the nodes run; TargetAMI the one the launch template names.
	CurrentAMI string
	TargetAMI  string
	// Arch is amd64 (default) or arm64.
	Arch string
	// PodsPerNode Deployment pods are placed on each node, under a PDB per group.
	PodsPerNode int
	// PDBBlocks makes the group's PDB allow no disruption.
	PDBBlocks bool
	// LaunchConfiguration makes the group launch from a launch configuration.
	LaunchConfiguration bool
}

// Build adds the groups to cloud and returns the Kubernetes objects of the cluster.
func Build(cloud *awssim.Cloud, s Spec) ([]runtime.Object, error) {
	var objs []runtime.Object
	if s.Cluster != "" {
		if err := cloud.AddCluster(awssim.EKSCluster{Name: s.Cluster, Version: "1.36"}); err != nil {
			return nil, err
		}
	}
	images := map[string]bool{}
	for gi, g := range s.Groups {
		arch := g.Arch
		if arch == "" {
			arch = "amd64"
		}
		ec2Arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[arch]
		for _, id := range []string{g.CurrentAMI, g.TargetAMI} {
			if id != "" && !images[id] {
				images[id] = true
				if err := cloud.AddImage(awssim.Image{ID: id, Name: "image-" + id, Architecture: ec2Arch}); err != nil {
					return nil, err
				}
			}
		}
		asgName := g.Name
		if g.Kind == KindEKSManaged {
			asgName = "eks-" + g.Name + "-0ac1"
		}
		if g.Kind != KindKarpenter {
			if err := addGroup(cloud, s, gi, g, asgName); err != nil {
				return nil, err
			}
		}
		for i := 0; i < g.Nodes; i++ {
			zone := g.Zones[i%len(g.Zones)]
			id := fmt.Sprintf("i-%08x%09x", gi+1, i+1)
			inst := awssim.Instance{ID: id, ImageID: g.CurrentAMI, InstanceType: "m6i.large", Architecture: ec2Arch, Zone: zone, LaunchTime: s.Created, Tags: map[string]string{}}
			if g.Kind == KindKarpenter {
				inst.Tags["karpenter.sh/nodepool"] = g.Name
			} else {
				inst.AutoScalingGroup = asgName
			}
			if s.Cluster != "" {
				inst.Tags["kubernetes.io/cluster/"+s.Cluster] = "owned"
			}
			if g.Kind == KindEKSManaged {
				inst.Tags["eks:cluster-name"] = s.Cluster
				inst.Tags["eks:nodegroup-name"] = g.Name
			}
			if err := cloud.AddInstance(inst); err != nil {
				return nil, err
			}
			node := nodeObject(s, g, arch, zone, id, i)
			objs = append(objs, node)
			for p := 0; p < g.PodsPerNode; p++ {
				objs = append(objs, podObject(g.Name, node.Name, p))
			}
		}
		if g.PodsPerNode > 0 {
			objs = append(objs, pdbObject(g))
		}
	}
	return objs, nil
}

func addGroup(cloud *awssim.Cloud, s Spec, gi int, g GroupSpec, asgName string) error {
	maxSize := g.MaxSize
	if maxSize == 0 {
		maxSize = g.Nodes + 2
	}
	asg := awssim.AutoScalingGroup{Name: asgName, MinSize: g.Nodes, MaxSize: maxSize, DesiredCapacity: g.Nodes, Zones: g.Zones, Tags: map[string]string{}}
	if g.LaunchConfiguration {
		lc := awssim.LaunchConfiguration{Name: g.Name + "-lc", ImageID: g.TargetAMI, InstanceType: "m6i.large"}
		if err := cloud.AddLaunchConfiguration(lc); err != nil {
			return err
		}
		asg.LaunchConfigurationName = lc.Name
	} else {
		lt := awssim.LaunchTemplate{
			ID:             fmt.Sprintf("lt-%017x", gi+1),
			Name:           g.Name + "-lt",
			DefaultVersion: 1,
			Versions: []awssim.LaunchTemplateVersion{
				{Number: 1, ImageID: g.CurrentAMI, InstanceType: "m6i.large"},
				{Number: 2, ImageID: g.TargetAMI, InstanceType: "m6i.large"},
			},
		}
		if err := cloud.AddLaunchTemplate(lt); err != nil {
			return err
		}
		asg.LaunchTemplate = &awssim.LaunchTemplateRef{ID: lt.ID, Version: "$Latest"}
	}
	if g.Kind == KindKops {
		asg.Tags["kops.k8s.io/instancegroup"] = g.Name
	}
	if err := cloud.AddAutoScalingGroup(asg); err != nil {
		return err
	}
	if g.Kind == KindEKSManaged {
		return cloud.AddNodegroup(awssim.Nodegroup{
			Cluster: s.Cluster, Name: g.Name, ReleaseVersion: "1.36.0-20261101",
			MinSize: g.Nodes, MaxSize: maxSize, DesiredSize: g.Nodes, AutoScalingGroups: []string{asgName},
		})
	}
	return nil
}

func nodeObject(s Spec, g GroupSpec, arch, zone, instanceID string, i int) *corev1.Node {
	labels := map[string]string{
		corev1.LabelArchStable:         arch,
		corev1.LabelOSStable:           "linux",
		corev1.LabelTopologyZone:       zone,
		corev1.LabelTopologyRegion:     s.Region,
		corev1.LabelInstanceTypeStable: "m6i.large",
	}
	switch g.Kind {
	case KindEKSManaged:
		labels["eks.amazonaws.com/nodegroup"] = g.Name
	case KindKops:
		labels["kops.k8s.io/instancegroup"] = g.Name
	case KindKarpenter:
		labels["karpenter.sh/nodepool"] = g.Name
	}
	name := fmt.Sprintf("%s-%03d", g.Name, i)
	labels[corev1.LabelHostname] = name
	version := s.KubeletVersion
	if version == "" {
		version = "v1.36.2"
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, CreationTimestamp: metav1.NewTime(s.Created)},
		Spec:       corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/%s", zone, instanceID)},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: version, OSImage: "Amazon Linux 2023.9.20261101", Architecture: arch},
		},
	}
}

func podObject(group, node string, i int) *corev1.Pod {
	controller := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "apps", Name: fmt.Sprintf("%s-%s-%d", group, node, i),
			Labels:          map[string]string{"app": group},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "ReplicaSet", Name: group + "-rs", Controller: &controller}},
		},
		Spec:   corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

func pdbObject(g GroupSpec) *policyv1.PodDisruptionBudget {
	allowed := int32(1)
	if g.PDBBlocks {
		allowed = 0
	}
	minAvailable := intstr.FromString("90%")
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: g.Name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvailable,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": g.Name}},
		},
		Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed},
	}
}
