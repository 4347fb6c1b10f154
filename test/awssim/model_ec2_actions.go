package awssim

import (
	"maps"
	"strings"
)

// maxResourceTags is EC2's limit of user tags per resource ("Tag
// restrictions": 50 tags per resource; aws: tags do not count).
const maxResourceTags = 50

// stateChange is one instance's answer to TerminateInstances.
type stateChange struct {
	id, previous, current string
}

// terminateInstances implements TerminateInstances on the model: every ID
// must name an instance (none is touched otherwise); pending, running,
// stopping and stopped instances start shutting down; shutting-down and
// terminated ones stay as they are. A group member terminated this way is
// replaced by its group at the next reconciliation, as the EC2 health
// checks of Auto Scaling do.
func (c *Cloud) terminateInstances(ids []string) ([]stateChange, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids = uniqueStrings(ids)
	var missing []string
	for _, id := range ids {
		if _, ok := c.instances[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, missing
	}
	out := make([]stateChange, 0, len(ids))
	for _, id := range ids {
		inst := cloneInstance(c.instances[id])
		change := stateChange{id: id, previous: inst.State, current: inst.State}
		if inst.State != StateShuttingDown && inst.State != StateTerminated {
			inst.State = StateShuttingDown
			change.current = StateShuttingDown
			c.putInstanceLocked(inst)
		}
		out = append(out, change)
	}
	return out, nil
}

// tagDeletion is one Tag.N of EC2 DeleteTags: a key, and a value that must
// match when it is given.
type tagDeletion struct {
	key   string
	value *string
}

// taggedResource gets and sets the tags of one EC2 resource.
type taggedResource struct {
	tags  map[string]string
	store func(map[string]string)
}

// taggedResourceLocked finds the resource an ID names, or answers EC2's
// error for a malformed or unknown ID.
func (c *Cloud) taggedResourceLocked(id string) (taggedResource, *apiError) {
	switch {
	case strings.HasPrefix(id, "i-"):
		if !instanceIDPattern.MatchString(id) {
			return taggedResource{}, clientError("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
		}
		inst, ok := c.instances[id]
		if !ok {
			return taggedResource{}, clientError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
		}
		return taggedResource{tags: inst.Tags, store: func(tags map[string]string) {
			inst := cloneInstance(c.instances[id])
			inst.Tags = tags
			c.putInstanceLocked(inst)
		}}, nil
	case strings.HasPrefix(id, "ami-"):
		if !imageIDPattern.MatchString(id) {
			return taggedResource{}, clientError("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
		}
		img, ok := c.images[id]
		if !ok {
			return taggedResource{}, clientError("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
		}
		return taggedResource{tags: img.Tags, store: func(tags map[string]string) {
			img := c.images[id]
			img.Tags = tags
			c.images[id] = img
		}}, nil
	case strings.HasPrefix(id, "lt-"):
		if !launchTemplateIDPattern.MatchString(id) {
			return taggedResource{}, errLaunchTemplateIDMalformed(id)
		}
		lt, ok := c.templates[id]
		if !ok {
			return taggedResource{}, clientError("InvalidLaunchTemplateId.NotFound",
				"The specified launch template, with template ID %s, does not exist.", id)
		}
		return taggedResource{tags: lt.Tags, store: func(tags map[string]string) {
			lt := c.templates[id]
			lt.Tags = tags
			c.templates[id] = lt
		}}, nil
	}
	return taggedResource{}, clientError("InvalidID", "The ID '%s' is not valid", id)
}

// createTags implements CreateTags on instances, images and launch
// templates: every resource and tag is checked before any is changed.
func (c *Cloud) createTags(ids []string, tags map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range tags {
		if err := checkTagKey(k, v, "InvalidParameterValue"); err != nil {
			return err
		}
	}
	resources := make([]taggedResource, 0, len(ids))
	for _, id := range uniqueStrings(ids) {
		res, err := c.taggedResourceLocked(id)
		if err != nil {
			return err
		}
		merged := maps.Clone(res.tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		if userTags(merged) > maxResourceTags {
			return clientError("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
		}
		res.tags = merged
		resources = append(resources, res)
	}
	for _, res := range resources {
		res.store(res.tags)
	}
	return nil
}

// deleteTags implements DeleteTags: a tag given with a value is deleted
// only if it has that value; no tags at all deletes every user tag. Tags
// with the aws: prefix cannot be deleted.
func (c *Cloud) deleteTags(ids []string, tags []tagDeletion) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.key), "aws:") {
			return checkTagKey(t.key, "", "InvalidParameterValue")
		}
	}
	resources := make([]taggedResource, 0, len(ids))
	for _, id := range uniqueStrings(ids) {
		res, err := c.taggedResourceLocked(id)
		if err != nil {
			return err
		}
		resources = append(resources, res)
	}
	for _, res := range resources {
		kept := maps.Clone(res.tags)
		for k, v := range res.tags {
			if deletes(tags, k, v) {
				delete(kept, k)
			}
		}
		res.store(kept)
	}
	return nil
}

// deletes reports whether a DeleteTags request removes the tag k=v.
func deletes(tags []tagDeletion, k, v string) bool {
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return false
	}
	if len(tags) == 0 {
		return true
	}
	for _, t := range tags {
		if t.key == k && (t.value == nil || *t.value == v) {
			return true
		}
	}
	return false
}

// userTags counts the tags that do not have the aws: prefix.
func userTags(tags map[string]string) int {
	n := 0
	for k := range tags {
		if !strings.HasPrefix(strings.ToLower(k), "aws:") {
			n++
		}
	}
	return n
}
