package discover

import (
	"strings"
	"testing"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

func TestClassify(t *testing.T) {
	instances := map[string]awscloud.Instance{
		"i-asg":     {ID: "i-asg", ImageID: "ami-old", Zone: "us-east-1b", InstanceType: "m6i.large", State: "running", AutoScalingGroup: "workers"},
		"i-solo":    {ID: "i-solo", ImageID: "ami-old", State: "running"},
		"i-gone":    {ID: "i-gone", ImageID: "ami-old", State: "shutting-down", AutoScalingGroup: "workers"},
		"i-karp":    {ID: "i-karp", ImageID: "ami-old", State: "running"},
		"i-pending": {ID: "i-pending", ImageID: "ami-old", State: "pending", AutoScalingGroup: "workers"},
	}
	tests := []struct {
		name       string
		labels     map[string]string
		providerID string
		kind       plan.Kind
		group      string
		reason     string
	}{
		{name: "self-managed ASG", providerID: "aws:///us-east-1b/i-asg", kind: plan.KindASG, group: "workers"},
		{name: "pending instance is still managed", providerID: "aws:///us-east-1b/i-pending", kind: plan.KindASG, group: "workers"},
		{name: "EKS managed node group", providerID: "aws:///us-east-1b/i-asg", labels: map[string]string{LabelEKSNodegroup: "ng-1"}, kind: plan.KindEKSManaged, group: "ng-1"},
		{name: "kops instance group", providerID: "aws:///us-east-1b/i-asg", labels: map[string]string{LabelKopsGroup: "nodes-us-east-1b"}, kind: plan.KindKops, group: "nodes-us-east-1b"},
		{name: "kops control plane", providerID: "aws:///us-east-1b/i-asg", labels: map[string]string{LabelKopsGroup: "control-plane-us-east-1b", LabelControlPlane: ""}, kind: plan.KindControlPlane, group: "control-plane-us-east-1b"},
		{name: "control plane without instance group label", providerID: "aws:///us-east-1b/i-asg", labels: map[string]string{LabelControlPlaneOld: ""}, kind: plan.KindControlPlane, group: "workers"},
		{name: "karpenter", providerID: "aws:///us-east-1b/i-karp", labels: map[string]string{LabelKarpenterPool: "default"}, kind: plan.KindKarpenter, group: "default"},
		{name: "no provider ID", kind: plan.KindUnmanaged, reason: "no spec.providerID"},
		{name: "fargate by label", providerID: "aws:///us-east-1b/i-asg", labels: map[string]string{LabelEKSComputeType: "fargate"}, kind: plan.KindUnmanaged, reason: "Fargate"},
		{name: "fargate by provider ID", providerID: "aws:///us-east-1b/abc/fargate-ip-10-0-1-2.ec2.internal", kind: plan.KindUnmanaged, reason: "Fargate"},
		{name: "other cloud", providerID: "gce://p/us-central1-a/n", kind: plan.KindUnmanaged, reason: "not an AWS EC2 instance"},
		{name: "not found in EC2", providerID: "aws:///us-east-1b/i-missing", kind: plan.KindUnmanaged, reason: "not found in EC2"},
		{name: "not in an ASG", providerID: "aws:///us-east-1b/i-solo", kind: plan.KindUnmanaged, reason: "not in an Auto Scaling group"},
		{name: "terminating instance", providerID: "aws:///us-east-1b/i-gone", kind: plan.KindUnmanaged, reason: "shutting-down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := plan.NodeFacts{Name: "n", Labels: tt.labels}
			classify(&n, tt.providerID, instances)
			if n.Kind != tt.kind || n.Group != tt.group {
				t.Errorf("kind, group = %s, %q; want %s, %q (reason %q)", n.Kind, n.Group, tt.kind, tt.group, n.UnmanagedReason)
			}
			if !strings.Contains(n.UnmanagedReason, tt.reason) || (tt.reason == "") != (n.UnmanagedReason == "") {
				t.Errorf("reason = %q, want it to contain %q", n.UnmanagedReason, tt.reason)
			}
		})
	}
}

func TestClassifyTakesZoneTypeAndImageFromEC2(t *testing.T) {
	n := plan.NodeFacts{Name: "n"}
	classify(&n, "aws:///us-east-1a/i-1", map[string]awscloud.Instance{
		"i-1": {ID: "i-1", ImageID: "ami-1", Zone: "us-east-1c", InstanceType: "c7g.large", State: "running", Architecture: "arm64", AutoScalingGroup: "g"},
	})
	if n.InstanceID != "i-1" || n.CurrentAMI != "ami-1" || n.Zone != "us-east-1c" || n.InstanceType != "c7g.large" || n.Architecture != "arm64" {
		t.Errorf("facts = %+v", n)
	}
}

func TestKubernetesMinor(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            bool
	}{
		{name: "plain", in: "v1.36.2", want: "1.36"},
		{name: "eks build", in: "v1.31.4-eks-aeac579", want: "1.31"},
		{name: "empty", in: "", err: true},
		{name: "garbage", in: "vX", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kubernetesMinor(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("kubernetesMinor(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}
