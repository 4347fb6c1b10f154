package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// DefaultAccountID is the AWS account that owns every resource of a Cloud.
const DefaultAccountID = "123456789012"

// ErrNotFound reports that a Cloud holds no resource with the given ID or name.
var ErrNotFound = errors.New("awssim: resource not found")

// ErrInvalid reports a resource that AWS itself would not accept, such as a
// malformed ID or a group whose desired capacity lies outside its bounds.
var ErrInvalid = errors.New("awssim: invalid resource")

// Cloud is an in-memory AWS account in one region: images, instances, launch
// templates and configurations, Auto Scaling groups, EKS clusters and node
// groups, and SSM parameters. It is safe for concurrent use; every method
// takes and returns copies, so callers never share memory with the model.
//
// A Cloud changes on its own only when reconciled (Reconcile, or Run in the
// background): then instances boot and shut down and groups launch and
// terminate instances to meet their desired capacity. Subscribe reports
// every change of an instance's state.
type Cloud struct {
	mu        sync.RWMutex
	region    string
	accountID string
	now       func() time.Time
	seq       uint64

	images   map[string]Image
	imageIDs sortedKeys

	instances   map[string]Instance
	instanceIDs sortedKeys
	members     map[string]sortedKeys // Auto Scaling group name -> instance IDs

	templates     map[string]LaunchTemplate
	templateIDs   sortedKeys
	templateNames map[string]string // name -> ID

	launchConfigs     map[string]LaunchConfiguration
	launchConfigNames sortedKeys

	groups     map[string]AutoScalingGroup
	groupNames sortedKeys

	clusters     map[string]EKSCluster
	clusterNames sortedKeys
	nodegroups   map[string]map[string]Nodegroup // cluster -> node group name -> node group

	params map[string]Parameter

	// The simulation: lifecycle timings, when each instance entered its
	// current state, scaling activities, per-group launch bookkeeping,
	// node group updates and event subscribers.
	lifecycle  Lifecycle
	stateSince map[string]time.Time
	activities map[string][]activityRecord // group name -> activities, oldest first
	actSeq     uint64
	launchTurn map[string]int    // group name -> next override of a mixed instances policy
	launchErr  map[string]string // group name -> the launch failure last recorded
	causes     map[string]string // group name -> what last changed its desired capacity
	ngUpdates  map[string]nodegroupUpdate
	subs       map[*subscriber]struct{}
}

// NewCloud returns an empty account in region, owned by DefaultAccountID.
func NewCloud(region string) *Cloud {
	return &Cloud{
		region:        region,
		accountID:     DefaultAccountID,
		now:           time.Now,
		images:        map[string]Image{},
		instances:     map[string]Instance{},
		members:       map[string]sortedKeys{},
		templates:     map[string]LaunchTemplate{},
		templateNames: map[string]string{},
		launchConfigs: map[string]LaunchConfiguration{},
		groups:        map[string]AutoScalingGroup{},
		clusters:      map[string]EKSCluster{},
		nodegroups:    map[string]map[string]Nodegroup{},
		params:        map[string]Parameter{},
		lifecycle:     DefaultLifecycle(),
		stateSince:    map[string]time.Time{},
		activities:    map[string][]activityRecord{},
		launchTurn:    map[string]int{},
		launchErr:     map[string]string{},
		causes:        map[string]string{},
		ngUpdates:     map[string]nodegroupUpdate{},
		subs:          map[*subscriber]struct{}{},
	}
}

// Region returns the region the account lives in, e.g. "us-east-1".
func (c *Cloud) Region() string { return c.region }

// AccountID returns the ID of the account that owns the resources.
func (c *Cloud) AccountID() string { return c.accountID }

// SetClock replaces the clock that stamps resources added without a time
// (launch times, creation dates, parameter modification dates).
func (c *Cloud) SetClock(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// clock returns the current time of the Cloud's clock.
func (c *Cloud) clock() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.now()
}

// NewInstanceID returns a fresh instance ID in AWS's 17-hex-digit form that no
// instance of this Cloud uses.
func (c *Cloud) NewInstanceID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.newIDLocked("i-", func(id string) bool { _, ok := c.instances[id]; return ok })
}

// newIDLocked draws IDs of the form prefix+17 hex digits until taken says no.
func (c *Cloud) newIDLocked(prefix string, taken func(string) bool) string {
	for {
		c.seq++
		id := fmt.Sprintf("%s%017x", prefix, c.seq)
		if !taken(id) {
			return id
		}
	}
}

// stampLocked returns t, or the current time of the clock when t is zero.
func (c *Cloud) stampLocked(t time.Time) time.Time {
	if t.IsZero() {
		return c.now().UTC().Truncate(time.Millisecond)
	}
	return t.UTC()
}

// arn builds an ARN in this account and region.
func (c *Cloud) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, c.region, c.accountID, resource)
}

// stableUUID derives a UUID-shaped string from seed, so that generated ARNs
// stay the same from one run to the next.
func stableUUID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// notFoundf returns an error wrapping ErrNotFound.
func notFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotFound, fmt.Sprintf(format, args...))
}

// sortedKeys is an ascending list of unique keys; it gives the model the
// stable ordering that paging needs without sorting on every call.
type sortedKeys []string

// insert adds key if it is not already present.
func (k *sortedKeys) insert(key string) {
	i, found := slices.BinarySearch(*k, key)
	if !found {
		*k = slices.Insert(*k, i, key)
	}
}

// remove deletes key if it is present.
func (k *sortedKeys) remove(key string) {
	if i, found := slices.BinarySearch(*k, key); found {
		*k = slices.Delete(*k, i, i+1)
	}
}

// after returns the index of the first key greater than key.
func (k sortedKeys) after(key string) int {
	i, found := slices.BinarySearch(k, key)
	if found {
		i++
	}
	return i
}

// pageOf walks keys in order, starting after the key after, and returns up to
// limit copies of the values that match (limit 0 means no limit). next is the
// key to resume after, and is empty when no further value matches.
func pageOf[T any](keys sortedKeys, lookup func(string) T, after string, limit int,
	match func(*T) bool, clone func(T) T) (page []T, next string) {
	last := ""
	for _, key := range keys[keys.after(after):] {
		v := lookup(key)
		if match != nil && !match(&v) {
			continue
		}
		if limit > 0 && len(page) == limit {
			return page, last
		}
		page = append(page, clone(v))
		last = key
	}
	return page, ""
}

// cloneTags copies a tag map; a nil map stays nil.
func cloneTags(tags map[string]string) map[string]string {
	if tags == nil {
		return nil
	}
	return maps.Clone(tags)
}

// cloneRef copies an optional launch template reference.
func cloneRef(ref *LaunchTemplateRef) *LaunchTemplateRef {
	if ref == nil {
		return nil
	}
	cp := *ref
	return &cp
}
