package awscloud

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// The calls that change Auto Scaling groups. They follow the rules of the Amazon EC2 Auto
// Scaling API Reference and are checked here first, so that a request AWS would refuse fails
// with a sentence naming the rule rather than a round trip. Throttling is left to the SDK's
// retryer, which LoadConfig sets to the adaptive mode.

// AutoScalingWriter is the part of the Auto Scaling client that rotation uses to read a group
// and change it.
type AutoScalingWriter interface {
	DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	UpdateAutoScalingGroup(ctx context.Context, in *autoscaling.UpdateAutoScalingGroupInput, optFns ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
	TerminateInstanceInAutoScalingGroup(ctx context.Context, in *autoscaling.TerminateInstanceInAutoScalingGroupInput, optFns ...func(*autoscaling.Options)) (*autoscaling.TerminateInstanceInAutoScalingGroupOutput, error)
	CreateOrUpdateTags(ctx context.Context, in *autoscaling.CreateOrUpdateTagsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.CreateOrUpdateTagsOutput, error)
	DeleteTags(ctx context.Context, in *autoscaling.DeleteTagsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DeleteTagsOutput, error)
}

var _ AutoScalingWriter = (*autoscaling.Client)(nil)

// NotInGroupError is TerminateInGroup's error for an instance Auto Scaling no longer
// manages: it was terminated already, or left its group.
type NotInGroupError struct {
	InstanceID string
	// Err is AWS's answer.
	Err error
}

// Error names the instance.
func (e *NotInGroupError) Error() string {
	return fmt.Sprintf("instance %s is not managed by an Auto Scaling group (terminated already, or detached)", e.InstanceID)
}

// Unwrap returns AWS's answer.
func (e *NotInGroupError) Unwrap() error { return e.Err }

// IsNotInGroup reports whether err says that Auto Scaling no longer manages the instance.
func IsNotInGroup(err error) bool {
	var e *NotInGroupError
	return errors.As(err, &e)
}

// groupResourceType is the ResourceType of Auto Scaling group tags.
const groupResourceType = "auto-scaling-group"

// GroupSizes are the three sizes of an Auto Scaling group or EKS node group.
type GroupSizes struct {
	Min, Desired, Max int
}

// String renders the sizes as min/desired/max.
func (s GroupSizes) String() string {
	return fmt.Sprintf("min %d, desired %d, max %d", s.Min, s.Desired, s.Max)
}

// validate checks MinSize <= DesiredCapacity <= MaxSize, the rule UpdateAutoScalingGroup and
// UpdateNodegroupConfig enforce.
func (s GroupSizes) validate() error {
	if s.Min < 0 || s.Min > s.Desired || s.Desired > s.Max {
		return fmt.Errorf("sizes %s break the rule min <= desired <= max", s)
	}
	return nil
}

// GroupMember is one instance of an Auto Scaling group.
type GroupMember struct {
	InstanceID string
	Zone       string
	// LifecycleState is Auto Scaling's: Pending, InService, Terminating, Standby, ...
	LifecycleState string
	// HealthStatus is Healthy or Unhealthy.
	HealthStatus string
}

// InCapacity reports whether the member counts toward the group's desired capacity: it is
// pending or in service, not leaving.
func (m GroupMember) InCapacity() bool {
	return strings.HasPrefix(m.LifecycleState, "Pending") || m.LifecycleState == string(types.LifecycleStateInService)
}

// GroupState is an Auto Scaling group as it is now: its sizes, members and tags.
type GroupState struct {
	Name    string
	Sizes   GroupSizes
	Members []GroupMember
	Tags    map[string]string
}

// autoScalingWriter returns the client that changes groups.
func (c *Clients) autoScalingWriter() (AutoScalingWriter, error) {
	if c.GroupWriter == nil {
		return nil, errors.New("no Auto Scaling client to change groups with")
	}
	return c.GroupWriter, nil
}

// GroupState describes one Auto Scaling group: sizes, members ordered by instance ID, and tags.
func (c *Clients) GroupState(ctx context.Context, name string) (GroupState, error) {
	w, err := c.autoScalingWriter()
	if err != nil {
		return GroupState{}, err
	}
	out, err := w.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return GroupState{}, wrap(err, "describe auto scaling group %s", name)
	}
	for _, g := range out.AutoScalingGroups {
		if aws.ToString(g.AutoScalingGroupName) != name {
			continue
		}
		state := GroupState{
			Name: name,
			Sizes: GroupSizes{
				Min:     int(aws.ToInt32(g.MinSize)),
				Desired: int(aws.ToInt32(g.DesiredCapacity)),
				Max:     int(aws.ToInt32(g.MaxSize)),
			},
			Tags: make(map[string]string, len(g.Tags)),
		}
		for _, i := range g.Instances {
			state.Members = append(state.Members, GroupMember{
				InstanceID:     aws.ToString(i.InstanceId),
				Zone:           aws.ToString(i.AvailabilityZone),
				LifecycleState: string(i.LifecycleState),
				HealthStatus:   aws.ToString(i.HealthStatus),
			})
		}
		sort.Slice(state.Members, func(a, b int) bool { return state.Members[a].InstanceID < state.Members[b].InstanceID })
		for _, t := range g.Tags {
			state.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return state, nil
	}
	return GroupState{}, &Error{Message: fmt.Sprintf("auto scaling group %s does not exist in region %s", name, c.Region)}
}

// SetGroupSizes sets MinSize, DesiredCapacity and MaxSize of the group in one
// UpdateAutoScalingGroup call. Giving all three, as absolute values, makes the call
// idempotent and keeps AWS from adjusting the desired capacity on its own (which it does when
// only a bound is given); min <= desired <= max must hold.
func (c *Clients) SetGroupSizes(ctx context.Context, name string, sizes GroupSizes) error {
	if err := sizes.validate(); err != nil {
		return fmt.Errorf("update auto scaling group %s: %w", name, err)
	}
	w, err := c.autoScalingWriter()
	if err != nil {
		return err
	}
	_, err = w.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name),
		MinSize:              aws.Int32(int32(sizes.Min)),
		DesiredCapacity:      aws.Int32(int32(sizes.Desired)),
		MaxSize:              aws.Int32(int32(sizes.Max)),
	})
	if err != nil {
		return wrap(err, "update auto scaling group %s to %s", name, sizes)
	}
	return nil
}

// TerminateInGroup terminates one instance through its Auto Scaling group. With decrement the
// group's desired capacity drops by one (refused by AWS when it already equals MinSize);
// without, the group launches a replacement. An instance already terminating is answered
// with its termination again, so repeating the call is harmless; an instance that is gone or
// no longer a member fails with a *NotInGroupError.
func (c *Clients) TerminateInGroup(ctx context.Context, instanceID string, decrement bool) error {
	w, err := c.autoScalingWriter()
	if err != nil {
		return err
	}
	_, err = w.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId:                     aws.String(instanceID),
		ShouldDecrementDesiredCapacity: aws.Bool(decrement),
	})
	if err == nil {
		return nil
	}
	if errorCode(err) == "ValidationError" && strings.Contains(err.Error(), "No managed instance found") {
		return &NotInGroupError{InstanceID: instanceID, Err: err}
	}
	return wrap(err, "terminate instance %s in its auto scaling group", instanceID)
}

// TagGroup creates or overwrites tags on the group. They are not propagated to the instances
// the group launches.
func (c *Clients) TagGroup(ctx context.Context, name string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	w, err := c.autoScalingWriter()
	if err != nil {
		return err
	}
	keys := sortedKeys(tags)
	in := &autoscaling.CreateOrUpdateTagsInput{Tags: make([]types.Tag, 0, len(keys))}
	for _, k := range keys {
		in.Tags = append(in.Tags, types.Tag{
			Key: aws.String(k), Value: aws.String(tags[k]), PropagateAtLaunch: aws.Bool(false),
			ResourceId: aws.String(name), ResourceType: aws.String(groupResourceType),
		})
	}
	if _, err := w.CreateOrUpdateTags(ctx, in); err != nil {
		return wrap(err, "tag auto scaling group %s", name)
	}
	return nil
}

// UntagGroup deletes the tags with the given keys from the group; keys it does not carry are
// ignored by AWS.
func (c *Clients) UntagGroup(ctx context.Context, name string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	w, err := c.autoScalingWriter()
	if err != nil {
		return err
	}
	in := &autoscaling.DeleteTagsInput{Tags: make([]types.Tag, 0, len(keys))}
	for _, k := range unique(keys) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), ResourceId: aws.String(name), ResourceType: aws.String(groupResourceType)})
	}
	if _, err := w.DeleteTags(ctx, in); err != nil {
		return wrap(err, "remove tags from auto scaling group %s", name)
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
