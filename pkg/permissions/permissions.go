// Package permissions names what kubectl rotate is allowed to do: the Kubernetes API verbs and
// the AWS actions it calls. deploy/rbac.yaml and deploy/iam-policy.json grant exactly these, a
// test keeps them equal, and "kubectl rotate check" verifies them against a live cluster.
package permissions

import "strings"

// Need says when a permission is required.
type Need string

// When permissions are needed.
const (
	// Always: every rotation needs it.
	Always Need = "always"
	// Force: only with --on-drain-timeout force, which deletes pods the drain could not evict.
	Force Need = "force"
)

// KubernetesRule is one verb on one resource that kubectl rotate uses.
type KubernetesRule struct {
	// Group is the API group; "" is the core group.
	Group string
	// Resource is the plural resource name, with "/subresource" when it is one.
	Resource string
	// Verb is the API verb.
	Verb string
	// Namespace limits the rule to one namespace; "" is cluster-wide.
	Namespace string
	// Name limits the rule to one object; "" is any object.
	Name string
	// Need says when the rule is required.
	Need Need
	// Why is what the tool does with it.
	Why string
}

// String names the rule as an operator reads it: "patch nodes", "create pods/eviction",
// "update leases kubectl-rotate in kube-system".
func (r KubernetesRule) String() string {
	var b strings.Builder
	b.WriteString(r.Verb)
	b.WriteString(" ")
	b.WriteString(r.Resource)
	if r.Group != "" {
		b.WriteString(".")
		b.WriteString(r.Group)
	}
	if r.Name != "" {
		b.WriteString(" ")
		b.WriteString(r.Name)
	}
	if r.Namespace != "" {
		b.WriteString(" in ")
		b.WriteString(r.Namespace)
	}
	return b.String()
}

// LockNamespace and LockName place the Lease that stops two rotations of one cluster at once.
const (
	LockNamespace = "kube-system"
	LockName      = "kubectl-rotate"
)

// Kubernetes returns every Kubernetes API permission kubectl rotate uses, in a stable order.
func Kubernetes() []KubernetesRule {
	return []KubernetesRule{
		{Resource: "nodes", Verb: "list", Need: Always, Why: "discover the cluster's nodes"},
		{Resource: "nodes", Verb: "watch", Need: Always, Why: "follow replacements becoming Ready and old nodes leaving"},
		{Resource: "nodes", Verb: "patch", Need: Always, Why: "cordon and uncordon nodes and record progress in annotations"},
		{Resource: "nodes", Verb: "delete", Need: Always, Why: "remove a Node object that lingers after its instance terminated"},
		{Resource: "pods", Verb: "get", Need: Always, Why: "wait for an evicted pod to be gone"},
		{Resource: "pods", Verb: "list", Need: Always, Why: "find the pods on each node"},
		{Resource: "pods", Verb: "watch", Need: Always, Why: "follow evicted workloads until they are scheduled again"},
		{Resource: "pods/eviction", Verb: "create", Need: Always, Why: "evict pods through the Eviction API, respecting PodDisruptionBudgets"},
		{Group: "policy", Resource: "poddisruptionbudgets", Verb: "list", Need: Always, Why: "find the budgets that can block a drain"},
		{Group: "apps", Resource: "daemonsets", Verb: "get", Need: Always, Why: "recognise DaemonSet pods, which a drain leaves in place"},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "create", Namespace: LockNamespace, Need: Always, Why: "take the lock that stops two rotations at once"},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "get", Namespace: LockNamespace, Name: LockName, Need: Always, Why: "read who holds the rotation lock"},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "update", Namespace: LockNamespace, Name: LockName, Need: Always, Why: "renew the rotation lock"},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "delete", Namespace: LockNamespace, Name: LockName, Need: Always, Why: "release the rotation lock"},
		{Resource: "pods", Verb: "delete", Need: Force, Why: "delete pods that could not be evicted, only with --on-drain-timeout force"},
	}
}

// AWSAction is one AWS API action kubectl rotate calls.
type AWSAction struct {
	// Action is the IAM action name, "service:Operation".
	Action string
	// Mutates is true for actions that change the account.
	Mutates bool
	// Why is what the tool does with it.
	Why string
}

// Service is the IAM service prefix of the action: "ec2", "autoscaling", "eks" or "ssm".
func (a AWSAction) Service() string {
	service, _, _ := strings.Cut(a.Action, ":")
	return service
}

// Operation is the API operation of the action, "DescribeInstances" for "ec2:DescribeInstances".
func (a AWSAction) Operation() string {
	_, op, _ := strings.Cut(a.Action, ":")
	return op
}

// AWS returns every AWS action kubectl rotate calls, in a stable order.
func AWS() []AWSAction {
	return []AWSAction{
		{Action: "ec2:DescribeInstances", Why: "map nodes to instances, their image and group"},
		{Action: "ec2:DescribeImages", Why: "check the target image exists, is available and matches the architecture"},
		{Action: "ec2:DescribeLaunchTemplateVersions", Why: "read the image each group's launch template launches"},
		{Action: "autoscaling:DescribeAutoScalingGroups", Why: "read groups, their sizes, instances and tags"},
		{Action: "autoscaling:DescribeLaunchConfigurations", Why: "read the image of groups on launch configurations"},
		{Action: "autoscaling:UpdateAutoScalingGroup", Mutates: true, Why: "raise desired capacity (and MaxSize if needed) for the surge, restore them after"},
		{Action: "autoscaling:TerminateInstanceInAutoScalingGroup", Mutates: true, Why: "terminate a drained node's instance"},
		{Action: "autoscaling:CreateOrUpdateTags", Mutates: true, Why: "save a group's original sizes before changing them"},
		{Action: "autoscaling:DeleteTags", Mutates: true, Why: "remove the saved sizes when the group is done"},
		{Action: "eks:DescribeNodegroup", Why: "read a managed node group's release, sizes and Auto Scaling group"},
		{Action: "eks:UpdateNodegroupConfig", Mutates: true, Why: "change a managed node group's sizes for the surge"},
		{Action: "eks:DescribeUpdate", Why: "wait for a node group size change to finish"},
		{Action: "ssm:GetParameters", Why: "resolve --ami latest from the EKS-optimized image parameters"},
	}
}

// TaggedKeys are the only Auto Scaling group tag keys kubectl rotate writes or deletes; the IAM
// policy limits CreateOrUpdateTags and DeleteTags to them.
func TaggedKeys() []string {
	return []string{"rotate.kubectl.io/original-sizes", "rotate.kubectl.io/run"}
}
