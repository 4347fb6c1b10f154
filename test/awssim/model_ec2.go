package awssim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ID shapes that EC2 accepts; anything else is "malformed" on the wire.
var (
	instanceIDPattern       = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)
	imageIDPattern          = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	launchTemplateIDPattern = regexp.MustCompile(`^lt-[0-9a-f]{17}$`)
)

// Instance states, as EC2 names them.
const (
	StatePending      = "pending"
	StateRunning      = "running"
	StateShuttingDown = "shutting-down"
	StateTerminated   = "terminated"
	StateStopping     = "stopping"
	StateStopped      = "stopped"
)

// GroupNameTag is the tag AWS puts on every instance an Auto Scaling group launches.
const GroupNameTag = "aws:autoscaling:groupName"

// instanceStateCode maps a state name to EC2's numeric state code.
func instanceStateCode(state string) (int, bool) {
	switch state {
	case StatePending:
		return 0, true
	case StateRunning:
		return 16, true
	case StateShuttingDown:
		return 32, true
	case StateTerminated:
		return 48, true
	case StateStopping:
		return 64, true
	case StateStopped:
		return 80, true
	}
	return 0, false
}

// Image is an Amazon Machine Image.
type Image struct {
	ID           string // ami- followed by 8 or 17 hex digits
	Name         string
	Description  string
	Architecture string // "x86_64" (default) or "arm64"
	State        string // "available" (default), "pending", "failed", "deregistered"...
	OwnerID      string // defaults to the Cloud's account
	OwnerAlias   string // "amazon" for images published by AWS
	Public       bool
	CreationDate time.Time // defaults to the Cloud's clock
	Tags         map[string]string
}

// Instance is an EC2 instance, with its Auto Scaling membership.
type Instance struct {
	ID             string // i- followed by 8 or 17 hex digits; generated when empty
	ImageID        string
	InstanceType   string // defaults to "m5.large"
	Architecture   string // defaults to "x86_64"
	Zone           string // defaults to the region's "a" zone
	State          string // one of the State* constants; defaults to "running"
	LaunchTime     time.Time
	PrivateIP      string // generated in 10.0.0.0/16 when empty
	PrivateDNSName string // derived from PrivateIP when empty, as EC2 names it
	SubnetID       string
	VPCID          string
	Tags           map[string]string

	// AutoScalingGroup names the group the instance belongs to; the instance
	// then also carries the aws:autoscaling:groupName tag, as in AWS. An
	// instance added with only the tag joins the group the tag names.
	AutoScalingGroup string
	// LaunchTemplate and LaunchConfigurationName say what the instance was
	// launched from. When both are empty and the group is already known, the
	// instance inherits the group's, with $Latest/$Default resolved to a number.
	LaunchTemplate          *LaunchTemplateRef
	LaunchConfigurationName string
	// LifecycleState is the Auto Scaling lifecycle state ("InService",
	// "Pending", "Terminating", "Standby"...); derived from State when empty.
	LifecycleState string
	// HealthStatus is the Auto Scaling health status; defaults to "Healthy".
	HealthStatus         string
	ProtectedFromScaleIn bool
}

// AddImage adds an image, replacing any image with the same ID.
func (c *Cloud) AddImage(img Image) error {
	if !imageIDPattern.MatchString(img.ID) {
		return invalidf("image ID %q is not of the form ami-<hex>", img.ID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if img.Architecture == "" {
		img.Architecture = "x86_64"
	}
	if img.State == "" {
		img.State = "available"
	}
	if img.OwnerID == "" {
		img.OwnerID = c.accountID
	}
	img.CreationDate = c.stampLocked(img.CreationDate)
	img.Tags = cloneTags(img.Tags)
	c.images[img.ID] = img
	c.imageIDs.insert(img.ID)
	return nil
}

// Image returns a copy of the image with the given ID.
func (c *Cloud) Image(id string) (Image, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	img, ok := c.images[id]
	return cloneImage(img), ok
}

// AddInstance adds an instance, replacing any instance with the same ID. See
// Instance for the defaults it fills in.
func (c *Cloud) AddInstance(inst Instance) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if inst.ID == "" {
		inst.ID = c.newIDLocked("i-", func(id string) bool { _, ok := c.instances[id]; return ok })
	}
	inst = cloneInstance(inst)
	if inst.AutoScalingGroup == "" {
		inst.AutoScalingGroup = inst.Tags[GroupNameTag]
	}
	if err := c.normalizeInstanceLocked(&inst); err != nil {
		return err
	}
	if g, ok := c.groups[inst.AutoScalingGroup]; ok && inst.LaunchTemplate == nil && inst.LaunchConfigurationName == "" {
		inst.LaunchTemplate, inst.LaunchConfigurationName = c.launchSourceLocked(g, inst.InstanceType)
	}
	c.putInstanceLocked(inst)
	return nil
}

// normalizeInstanceLocked validates inst and fills in its defaults.
func (c *Cloud) normalizeInstanceLocked(inst *Instance) error {
	if !instanceIDPattern.MatchString(inst.ID) {
		return invalidf("instance ID %q is not of the form i-<hex>", inst.ID)
	}
	if inst.State == "" {
		inst.State = StateRunning
	}
	if _, ok := instanceStateCode(inst.State); !ok {
		return invalidf("instance %s: unknown state %q", inst.ID, inst.State)
	}
	if inst.InstanceType == "" {
		inst.InstanceType = "m5.large"
	}
	if inst.Architecture == "" {
		inst.Architecture = "x86_64"
	}
	if inst.Zone == "" {
		inst.Zone = c.region + "a"
	}
	if inst.HealthStatus == "" {
		inst.HealthStatus = "Healthy"
	}
	inst.LaunchTime = c.stampLocked(inst.LaunchTime)
	if inst.PrivateIP == "" {
		c.seq++
		inst.PrivateIP = fmt.Sprintf("10.0.%d.%d", (c.seq/250)%256, c.seq%250+4)
	}
	if inst.PrivateDNSName == "" {
		inst.PrivateDNSName = privateDNSName(c.region, inst.PrivateIP)
	}
	if inst.AutoScalingGroup != "" {
		if inst.Tags == nil {
			inst.Tags = map[string]string{}
		}
		inst.Tags[GroupNameTag] = inst.AutoScalingGroup
	} else {
		delete(inst.Tags, GroupNameTag)
	}
	return nil
}

// privateDNSName names an address the way EC2 does in region.
func privateDNSName(region, ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

// putInstanceLocked stores inst and keeps the group membership index current.
// A new instance, or one whose state changed, has the time of the change
// recorded for the lifecycle and is announced to subscribers.
func (c *Cloud) putInstanceLocked(inst Instance) {
	old, existed := c.instances[inst.ID]
	if existed && old.AutoScalingGroup != inst.AutoScalingGroup {
		c.removeMemberLocked(old.AutoScalingGroup, inst.ID)
	}
	if !existed || old.State != inst.State {
		at := c.stampLocked(time.Time{})
		c.stateSince[inst.ID] = at
		defer c.publishLocked(eventKindOf(inst.State), inst, at)
	}
	c.instances[inst.ID] = inst
	c.instanceIDs.insert(inst.ID)
	if inst.AutoScalingGroup != "" {
		m := c.members[inst.AutoScalingGroup]
		m.insert(inst.ID)
		c.members[inst.AutoScalingGroup] = m
	}
}

// removeMemberLocked drops id from the membership index of group.
func (c *Cloud) removeMemberLocked(group, id string) {
	if group == "" {
		return
	}
	m := c.members[group]
	m.remove(id)
	if len(m) == 0 {
		delete(c.members, group)
		return
	}
	c.members[group] = m
}

// Instance returns a copy of the instance with the given ID.
func (c *Cloud) Instance(id string) (Instance, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	inst, ok := c.instances[id]
	return cloneInstance(inst), ok
}

// Instances returns copies of all instances, ordered by ID.
func (c *Cloud) Instances() []Instance {
	c.mu.RLock()
	defer c.mu.RUnlock()
	page, _ := c.instancesPageLocked("", 0, nil)
	return page
}

// UpdateInstance applies fn to a copy of the instance and stores the result.
// Changing AutoScalingGroup moves the instance between groups and keeps the
// aws:autoscaling:groupName tag in step; the ID cannot change.
func (c *Cloud) UpdateInstance(id string, fn func(*Instance)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.instances[id]
	if !ok {
		return notFoundf("instance %s", id)
	}
	inst := cloneInstance(old)
	fn(&inst)
	if inst.ID != id {
		return invalidf("instance %s: the ID cannot change (to %q)", id, inst.ID)
	}
	if err := c.normalizeInstanceLocked(&inst); err != nil {
		return err
	}
	c.putInstanceLocked(inst)
	return nil
}

// RemoveInstance deletes the instance, as EC2 does some time after
// termination; subscribers see an InstanceRemoved event.
func (c *Cloud) RemoveInstance(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	inst, ok := c.instances[id]
	if !ok {
		return notFoundf("instance %s", id)
	}
	c.removeLocked(inst)
	return nil
}

// removeLocked deletes an instance from the model and announces it.
func (c *Cloud) removeLocked(inst Instance) {
	c.removeMemberLocked(inst.AutoScalingGroup, inst.ID)
	delete(c.instances, inst.ID)
	delete(c.stateSince, inst.ID)
	c.instanceIDs.remove(inst.ID)
	c.publishLocked(InstanceRemoved, inst, c.stampLocked(time.Time{}))
}

// instancesByID returns copies of the instances with the given IDs, ordered
// by ID and without duplicates, and the IDs that name no instance.
func (c *Cloud) instancesByID(ids []string) (found []Instance, missing []string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return byIDs(ids, c.instances, cloneInstance)
}

// instancesPage returns one page of matching instances in ID order; see pageOf.
func (c *Cloud) instancesPage(after string, limit int, match func(*Instance) bool) ([]Instance, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.instancesPageLocked(after, limit, match)
}

func (c *Cloud) instancesPageLocked(after string, limit int, match func(*Instance) bool) ([]Instance, string) {
	lookup := func(id string) Instance { return c.instances[id] }
	return pageOf(c.instanceIDs, lookup, after, limit, match, cloneInstance)
}

// imagesByID returns copies of the images with the given IDs, ordered by ID,
// and the IDs that name no image.
func (c *Cloud) imagesByID(ids []string) (found []Image, missing []string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return byIDs(ids, c.images, cloneImage)
}

// byIDs returns copies of the items with the given IDs, ordered by ID and without
// duplicates, and the IDs that name no item. The caller holds the lock.
func byIDs[T any](ids []string, items map[string]T, clone func(T) T) (found []T, missing []string) {
	seen := make(map[string]bool, len(ids))
	var foundIDs []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := items[id]; ok {
			foundIDs = append(foundIDs, id)
		} else {
			missing = append(missing, id)
		}
	}
	slices.Sort(foundIDs)
	for _, id := range foundIDs {
		found = append(found, clone(items[id]))
	}
	return found, missing
}

// imagesPage returns one page of matching images in ID order; see pageOf.
func (c *Cloud) imagesPage(after string, limit int, match func(*Image) bool) ([]Image, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	lookup := func(id string) Image { return c.images[id] }
	return pageOf(c.imageIDs, lookup, after, limit, match, cloneImage)
}

func cloneImage(img Image) Image {
	img.Tags = cloneTags(img.Tags)
	return img
}

func cloneInstance(inst Instance) Instance {
	inst.Tags = cloneTags(inst.Tags)
	inst.LaunchTemplate = cloneRef(inst.LaunchTemplate)
	return inst
}
