package discover

import (
	"fmt"
	"strings"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// Well-known node labels that say what manages a node.
const (
	LabelEKSNodegroup     = "eks.amazonaws.com/nodegroup"
	LabelEKSComputeType   = "eks.amazonaws.com/compute-type"
	LabelKopsGroup        = "kops.k8s.io/instancegroup"
	LabelKarpenterPool    = "karpenter.sh/nodepool"
	LabelKarpenterLegacy  = "karpenter.sh/provisioner-name"
	LabelControlPlane     = "node-role.kubernetes.io/control-plane"
	LabelControlPlaneOld  = "node-role.kubernetes.io/master"
	computeTypeFargate    = "fargate"
	instanceStateRunning  = "running"
	instanceStatePending  = "pending"
	fargateProviderPrefix = "fargate-"
)

// classify fills the cloud side of a node from its provider ID and EC2 instance: its kind,
// group, instance, zone and image, or why it is unmanaged. instances holds every instance
// EC2 described; a node whose instance is absent is unmanaged.
func classify(n *plan.NodeFacts, providerID string, instances map[string]awscloud.Instance) {
	unmanaged := func(format string, args ...any) {
		n.Kind = plan.KindUnmanaged
		n.Group = ""
		n.UnmanagedReason = fmt.Sprintf(format, args...)
	}
	if n.Labels[LabelEKSComputeType] == computeTypeFargate || containsFargate(providerID) {
		unmanaged("Fargate node: AWS replaces Fargate capacity itself")
		return
	}
	if providerID == "" {
		unmanaged("no spec.providerID: not a cloud node the tool can map to an instance")
		return
	}
	zone, id, ok := kube.ParseProviderID(providerID)
	if !ok {
		unmanaged("provider ID %q is not an AWS EC2 instance", providerID)
		return
	}
	n.InstanceID = id
	if n.Zone == "" {
		n.Zone = zone
	}
	inst, found := instances[id]
	if !found {
		unmanaged("instance %s was not found in EC2 (wrong --region or account, or already terminated)", id)
		return
	}
	n.CurrentAMI = inst.ImageID
	if inst.InstanceType != "" {
		n.InstanceType = inst.InstanceType
	}
	if inst.Zone != "" {
		n.Zone = inst.Zone
	}
	if n.Architecture == "" {
		n.Architecture = inst.Architecture
	}
	if inst.State != instanceStateRunning && inst.State != instanceStatePending {
		unmanaged("instance %s is %s", id, inst.State)
		return
	}
	controlPlane := hasLabel(n.Labels, LabelControlPlane) || hasLabel(n.Labels, LabelControlPlaneOld)
	switch {
	case n.Labels[LabelKarpenterPool] != "" || n.Labels[LabelKarpenterLegacy] != "":
		n.Kind, n.Group = plan.KindKarpenter, firstNonEmpty(n.Labels[LabelKarpenterPool], n.Labels[LabelKarpenterLegacy])
	case inst.AutoScalingGroup == "":
		unmanaged("instance %s is not in an Auto Scaling group", id)
	case controlPlane:
		n.Kind, n.Group = plan.KindControlPlane, firstNonEmpty(n.Labels[LabelKopsGroup], inst.AutoScalingGroup)
	case n.Labels[LabelEKSNodegroup] != "":
		n.Kind, n.Group = plan.KindEKSManaged, n.Labels[LabelEKSNodegroup]
	case n.Labels[LabelKopsGroup] != "":
		n.Kind, n.Group = plan.KindKops, n.Labels[LabelKopsGroup]
	default:
		n.Kind, n.Group = plan.KindASG, inst.AutoScalingGroup
	}
}

func hasLabel(labels map[string]string, key string) bool {
	_, ok := labels[key]
	return ok
}

func containsFargate(providerID string) bool {
	return strings.Contains(providerID, "/"+fargateProviderPrefix)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
