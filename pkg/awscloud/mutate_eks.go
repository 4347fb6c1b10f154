package awscloud

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// The sizes of an EKS managed node group belong to EKS: its scaling configuration is applied
// to the node group's Auto Scaling group whenever it changes ("Whenever this parameter
// changes, the number of worker nodes in the node group is updated to the specified size",
// Amazon EKS API Reference, NodegroupScalingConfig), so sizes are changed with
// UpdateNodegroupConfig rather than on the Auto Scaling group. Terminating an instance with
// TerminateInstanceInAutoScalingGroup and a decrement is what the Cluster Autoscaler does to
// managed node groups, and EKS follows the group's desired capacity there.

// EKSWriter is the part of the EKS client that changes managed node groups.
type EKSWriter interface {
	UpdateNodegroupConfig(ctx context.Context, in *eks.UpdateNodegroupConfigInput, optFns ...func(*eks.Options)) (*eks.UpdateNodegroupConfigOutput, error)
	DescribeUpdate(ctx context.Context, in *eks.DescribeUpdateInput, optFns ...func(*eks.Options)) (*eks.DescribeUpdateOutput, error)
}

var _ EKSWriter = (*eks.Client)(nil)

const (
	// nodegroupUpdatePoll is how often an update of a node group is described until it ends.
	// EKS applies scaling changes within seconds; it offers no waiter for updates.
	nodegroupUpdatePoll = 2 * time.Second
	// nodegroupBusyRetries bounds the retries of an update refused because another update
	// of the node group is in progress (ResourceInUseException).
	nodegroupBusyRetries = 30
)

// SetNodegroupSizes sets the scaling configuration of an EKS managed node group with
// UpdateNodegroupConfig and waits until EKS reports the update done. The rules of the API
// reference apply: minSize >= 0, maxSize >= 1 and minSize <= desiredSize <= maxSize. An update
// refused because another one is in progress is retried.
func (c *Clients) SetNodegroupSizes(ctx context.Context, cluster, nodegroup string, sizes GroupSizes) error {
	if err := sizes.validate(); err != nil || sizes.Max < 1 {
		if err == nil {
			err = fmt.Errorf("sizes %s: maxSize must be at least 1", sizes)
		}
		return fmt.Errorf("update node group %s of EKS cluster %s: %w", nodegroup, cluster, err)
	}
	w := c.NodegroupWriter
	if w == nil {
		return fmt.Errorf("update node group %s of EKS cluster %s: no EKS client to change node groups with", nodegroup, cluster)
	}
	in := &eks.UpdateNodegroupConfigInput{
		ClusterName:   aws.String(cluster),
		NodegroupName: aws.String(nodegroup),
		ScalingConfig: &types.NodegroupScalingConfig{
			MinSize:     aws.Int32(int32(sizes.Min)),
			DesiredSize: aws.Int32(int32(sizes.Desired)),
			MaxSize:     aws.Int32(int32(sizes.Max)),
		},
	}
	for attempt := 0; ; attempt++ {
		out, err := w.UpdateNodegroupConfig(ctx, in)
		if err == nil {
			if out.Update == nil {
				return nil
			}
			return c.waitNodegroupUpdate(ctx, w, cluster, nodegroup, aws.ToString(out.Update.Id))
		}
		if errorCode(err) != "ResourceInUseException" || attempt >= nodegroupBusyRetries {
			return wrap(err, "update node group %s of EKS cluster %s to %s", nodegroup, cluster, sizes)
		}
		if err := sleepCtx(ctx, nodegroupUpdatePoll); err != nil {
			return fmt.Errorf("update node group %s of EKS cluster %s: %w", nodegroup, cluster, err)
		}
	}
}

// waitNodegroupUpdate describes the update until it is no longer in progress.
func (c *Clients) waitNodegroupUpdate(ctx context.Context, w EKSWriter, cluster, nodegroup, id string) error {
	for {
		out, err := w.DescribeUpdate(ctx, &eks.DescribeUpdateInput{
			Name: aws.String(cluster), NodegroupName: aws.String(nodegroup), UpdateId: aws.String(id),
		})
		if err != nil {
			return wrap(err, "describe update %s of node group %s", id, nodegroup)
		}
		if out.Update == nil {
			return nil
		}
		switch out.Update.Status {
		case types.UpdateStatusSuccessful:
			return nil
		case types.UpdateStatusFailed, types.UpdateStatusCancelled:
			var reasons []string
			for _, e := range out.Update.Errors {
				reasons = append(reasons, aws.ToString(e.ErrorMessage))
			}
			return &Error{Message: fmt.Sprintf("EKS update %s of node group %s ended %s: %s", id, nodegroup,
				strings.ToLower(string(out.Update.Status)), strings.Join(reasons, "; "))}
		}
		if err := sleepCtx(ctx, nodegroupUpdatePoll); err != nil {
			return fmt.Errorf("wait for update %s of node group %s: %w", id, nodegroup, err)
		}
	}
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
