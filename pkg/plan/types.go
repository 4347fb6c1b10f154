package plan

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// APIVersion and KindRotationPlan identify the serialized plan.
const (
	APIVersion       = "rotate.kubectl.io/v1alpha1"
	KindRotationPlan = "RotationPlan"
)

// Target says which image each node should end on.
type Target struct {
	// AMI is an explicit image for every selected node (--ami ami-...). Empty means none.
	AMI string
	// PerNode maps node name to an image resolved for that node (--ami latest, from the
	// EKS-optimized image parameters for its Kubernetes version, architecture and OS).
	PerNode map[string]string
	// OlderThan, when positive, also rotates nodes older than it whatever their image.
	OlderThan time.Duration
}

// Selection restricts the plan to some nodes. The zero value selects every managed node.
type Selection struct {
	// Groups are node group names (ASG, EKS node group, kops instance group, node pool).
	Groups []string
	// GroupsOf are node names whose whole groups are selected, as if named in Groups.
	GroupsOf []string
	// Nodes are node names.
	Nodes []string
	// Selector filters nodes by label; nil selects all.
	Selector labels.Selector
}

// Policy bounds how fast the rotation goes and what a drain may do.
type Policy struct {
	// MaxSurge is a count ("2") or a percentage of the group ("25%", rounded up) of extra
	// nodes launched before old ones are drained.
	MaxSurge string
	// MaxUnavailable is a count or a percentage of the group (rounded down) of nodes that
	// may be drained without a replacement being Ready first.
	MaxUnavailable string
	// DeleteEmptyDirData allows draining pods that use emptyDir volumes.
	DeleteEmptyDirData bool
	// BootTime and DrainTime are the estimates used for the plan's duration.
	BootTime  time.Duration
	DrainTime time.Duration
}

// Action is what the rotation will do to a node.
type Action string

// The actions a plan assigns.
const (
	ActionRotate Action = "rotate" // replace the node with one on the target image
	ActionKeep   Action = "keep"   // the node already runs the target image
	ActionSkip   Action = "skip"   // the node cannot be rotated; Reason says why
)

// Plan is the rotation plan. Its JSON form is a stable, versioned API.
type Plan struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Generated is Facts.Now.
	Generated time.Time `json:"generated"`
	// Policy is the policy the plan was cut with.
	Policy PolicySummary `json:"policy"`
	Groups []Group       `json:"groups"`
	// Unmanaged lists nodes that are never rotated, with the reason.
	Unmanaged []UnmanagedNode `json:"unmanaged,omitempty"`
	Batches   []Batch         `json:"batches"`
	Blockers  []Blocker       `json:"blockers"`
	// Estimate is the expected wall time of the whole rotation.
	Estimate Duration `json:"estimate"`
}

// PolicySummary records the policy a plan was cut with.
type PolicySummary struct {
	MaxSurge           string `json:"maxSurge"`
	MaxUnavailable     string `json:"maxUnavailable"`
	DeleteEmptyDirData bool   `json:"deleteEmptyDirData"`
	OlderThan          string `json:"olderThan,omitempty"`
}

// Group is one node group in the plan.
type Group struct {
	Name             string `json:"name"`
	Kind             Kind   `json:"kind"`
	AutoScalingGroup string `json:"autoScalingGroup,omitempty"`
	TargetAMI        string `json:"targetAMI"`
	TargetSource     string `json:"targetSource,omitempty"`
	MinSize          int    `json:"minSize"`
	MaxSize          int    `json:"maxSize"`
	DesiredCapacity  int    `json:"desiredCapacity"`
	// Surge and Unavailable are the policy resolved against the group's size.
	Surge       int    `json:"surge"`
	Unavailable int    `json:"unavailable"`
	Counts      Counts `json:"counts"`
	Nodes       []Node `json:"nodes"`
}

// Counts tallies a group's nodes by action.
type Counts struct {
	Rotate int `json:"rotate"`
	Keep   int `json:"keep"`
	Skip   int `json:"skip"`
}

// Node is one node in the plan.
type Node struct {
	Name         string `json:"name"`
	InstanceID   string `json:"instanceID"`
	InstanceType string `json:"instanceType,omitempty"`
	Zone         string `json:"zone"`
	CurrentAMI   string `json:"currentAMI"`
	TargetAMI    string `json:"targetAMI"`
	Action       Action `json:"action"`
	Reason       string `json:"reason"`
	// Age is the node's age at Plan.Generated.
	Age Duration `json:"age"`
	// Batch is the index of the batch the node is rotated in, -1 if it is not rotated.
	Batch int `json:"batch"`
	// Evictions lists the pods a drain of the node will evict, as namespace/name.
	Evictions []string `json:"evictions,omitempty"`
}

// UnmanagedNode is a node the tool will never touch.
type UnmanagedNode struct {
	Name       string `json:"name"`
	InstanceID string `json:"instanceID,omitempty"`
	Reason     string `json:"reason"`
}

// Batch is a set of nodes of one group replaced together.
type Batch struct {
	Index int    `json:"index"`
	Group string `json:"group"`
	// Surge is how many replacement nodes are launched before the batch is drained.
	Surge int      `json:"surge"`
	Nodes []string `json:"nodes"`
	Zones []string `json:"zones"`
}

// BlockerKind classifies what would stall a rotation.
type BlockerKind string

// The blockers a preflight finds.
const (
	BlockerPDB          BlockerKind = "pdb"           // a PDB allows no disruption now
	BlockerNoController BlockerKind = "no-controller" // a pod that nothing recreates
	BlockerEmptyDir     BlockerKind = "emptydir"      // emptyDir data without --delete-emptydir-data
	BlockerDoNotDisrupt BlockerKind = "do-not-disrupt"
	BlockerCapacity     BlockerKind = "capacity" // the surge needs more than the group's MaxSize
	// BlockerLaunchImage: the group launches another image than the target, so no rotation
	// of it can reach the target; execution refuses to start.
	BlockerLaunchImage BlockerKind = "launch-image"
)

// Unreachable returns an error naming the first group whose replacements could not run its
// target image, nil when every group launches its target. Executing such a plan would
// replace nodes without changing their image.
func (p *Plan) Unreachable() error {
	for _, b := range p.Blockers {
		if b.Kind == BlockerLaunchImage {
			return errors.New(b.Message)
		}
	}
	return nil
}

// Blocker is something that would stall or slow a rotation, found before it starts.
type Blocker struct {
	Kind  BlockerKind `json:"kind"`
	Group string      `json:"group,omitempty"`
	Node  string      `json:"node,omitempty"`
	// Pod is namespace/name, PDB is namespace/name, when the blocker concerns one.
	Pod     string `json:"pod,omitempty"`
	PDB     string `json:"pdb,omitempty"`
	Message string `json:"message"`
}
