// Package plan computes a rotation plan: which nodes move to which machine image, in which
// batches, and what would stall them. It is a pure function of the facts that discovery
// gathered, the target image and the policy; it performs no I/O and reads no clock.
package plan

import (
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// Kind says what manages a node's lifecycle and therefore how it is replaced.
type Kind string

// The kinds of node a cluster on AWS has.
const (
	KindASG          Kind = "asg"           // self-managed EC2 Auto Scaling group
	KindEKSManaged   Kind = "eks-managed"   // EKS managed node group
	KindKops         Kind = "kops"          // kops instance group (an Auto Scaling group)
	KindKarpenter    Kind = "karpenter"     // Karpenter node pool
	KindControlPlane Kind = "control-plane" // control-plane node in an Auto Scaling group
	KindUnmanaged    Kind = "unmanaged"     // nothing the tool can replace; never rotated
)

// Facts is everything discovery learned about the cluster and its cloud.
type Facts struct {
	// Now is the moment the facts were gathered; node ages are measured from it.
	Now time.Time
	// Nodes are all nodes of the cluster, managed or not.
	Nodes []NodeFacts
	// Groups are the node groups the managed nodes belong to, keyed by GroupFacts.Name.
	Groups []GroupFacts
	// PDBs are all PodDisruptionBudgets of the cluster.
	PDBs []PDBFacts
	// Images are the machine images discovery described, keyed by image ID: the images the
	// nodes run, the groups' target images and an explicitly requested image.
	Images map[string]ImageFacts
}

// NodeFacts describes one Kubernetes node and the EC2 instance behind it.
type NodeFacts struct {
	Name       string
	InstanceID string
	Zone       string
	// InstanceType is the EC2 instance type, e.g. m6i.large.
	InstanceType string
	// Kind classifies the node; Group names its node group (empty for unmanaged nodes).
	Kind  Kind
	Group string
	// UnmanagedReason says why a node of KindUnmanaged cannot be rotated.
	UnmanagedReason string
	// CurrentAMI is the image the instance was launched from.
	CurrentAMI string
	// Architecture is the node's kubernetes.io/arch label value: amd64 or arm64.
	Architecture   string
	KubeletVersion string
	OSImage        string
	Labels         map[string]string
	Annotations    map[string]string
	Created        time.Time
	Ready          bool
	Unschedulable  bool
	// Pods are the pods bound to the node.
	Pods []PodFacts
}

// PodFacts describes one pod bound to a node, as much as a drain needs to know.
type PodFacts struct {
	Namespace string
	Name      string
	Labels    map[string]string
	// Annotations carry opt-outs such as karpenter.sh/do-not-disrupt.
	Annotations map[string]string
	// OwnerKind and OwnerName name the pod's controller, empty if it has none.
	OwnerKind string
	OwnerName string
	// DaemonSet pods and mirror (static) pods are never evicted by a drain.
	DaemonSet bool
	Mirror    bool
	// EmptyDir is true when the pod mounts an emptyDir volume whose data a drain deletes.
	EmptyDir bool
	// Finished pods (phase Succeeded or Failed) are deleted without eviction.
	Finished bool
}

// GroupFacts describes a node group and the Auto Scaling group behind it, if any.
type GroupFacts struct {
	// Name is what users call the group: the ASG name, EKS node group name, kops instance
	// group name or Karpenter node pool name.
	Name string
	Kind Kind
	// AutoScalingGroup is the name of the backing Auto Scaling group, if there is one.
	AutoScalingGroup string
	MinSize          int
	MaxSize          int
	DesiredCapacity  int
	// TargetAMI is the image new instances of the group launch from (its launch template,
	// launch configuration or node group release), empty when it cannot be known.
	TargetAMI string
	// TargetSource says where TargetAMI came from, e.g. "launch template lt-0abc version 4".
	TargetSource string
	// Zones are the availability zones the group launches into.
	Zones []string
}

// PDBFacts describes one PodDisruptionBudget.
type PDBFacts struct {
	Namespace string
	Name      string
	// Selector selects the pods the budget covers; nil selects nothing.
	Selector labels.Selector
	// DisruptionsAllowed is the budget's status.disruptionsAllowed.
	DisruptionsAllowed int
	// MinAvailable and MaxUnavailable are shown as written, e.g. "2" or "50%".
	MinAvailable   string
	MaxUnavailable string
}

// ImageFacts describes one machine image.
type ImageFacts struct {
	ID   string
	Name string
	// State is the EC2 image state, e.g. available, pending, deregistered.
	State string
	// Architecture is the node architecture the image runs on: amd64 or arm64.
	Architecture string
	Created      time.Time
}
