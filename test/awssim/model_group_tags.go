package awssim

import (
	"strings"
	"unicode/utf8"
)

// Documented limits of Auto Scaling group tags (user guide, "Tag Auto
// Scaling groups and instances"): 50 tags per group, keys of up to 128 and
// values of up to 256 characters, and the aws: prefix reserved.
const (
	maxGroupTags     = 50
	maxTagKeyLength  = 128
	maxTagValueChars = 256
)

// groupTag is one tag of a group, as CreateOrUpdateTags, DeleteTags and
// DescribeTags carry it.
type groupTag struct {
	group     string
	key       string
	value     string
	propagate bool
}

// checkTagKey answers the error an Auto Scaling or EC2 tag key earns, or nil.
func checkTagKey(key, value, code string) *apiError {
	switch {
	case key == "":
		return clientError(code, "Tag keys must not be empty.")
	case utf8.RuneCountInString(key) > maxTagKeyLength:
		return clientError(code, "Tag key %q is longer than %d characters.", key, maxTagKeyLength)
	case utf8.RuneCountInString(value) > maxTagValueChars:
		return clientError(code, "The value of tag %q is longer than %d characters.", key, maxTagValueChars)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return clientError(code, "Tag keys starting with 'aws:' are reserved for internal use: %s", key)
	}
	return nil
}

// putGroupTags implements CreateOrUpdateTags: every tag is checked before
// any is stored; a tag whose key exists is overwritten.
func (c *Cloud) putGroupTags(tags []groupTag) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	added := map[string]map[string]bool{}
	for _, t := range tags {
		g, ok := c.groups[t.group]
		if !ok {
			return errGroupNotFound(t.group)
		}
		if err := checkTagKey(t.key, t.value, "ValidationError"); err != nil {
			return err
		}
		if _, exists := g.Tags[t.key]; !exists {
			if added[t.group] == nil {
				added[t.group] = map[string]bool{}
			}
			added[t.group][t.key] = true
		}
		if len(g.Tags)+len(added[t.group]) > maxGroupTags {
			return clientError("LimitExceeded", "The quota of %d tags per Auto Scaling group would be exceeded for %s.", maxGroupTags, t.group)
		}
	}
	for _, t := range tags {
		g := cloneGroup(c.groups[t.group])
		if g.Tags == nil {
			g.Tags = map[string]string{}
		}
		g.Tags[t.key] = t.value
		if t.propagate {
			delete(g.NoPropagateTags, t.key)
		} else {
			if g.NoPropagateTags == nil {
				g.NoPropagateTags = map[string]bool{}
			}
			g.NoPropagateTags[t.key] = true
		}
		c.groups[t.group] = g
	}
	return nil
}

// deleteGroupTags implements DeleteTags; keys a group does not have are
// ignored, as AWS does.
func (c *Cloud) deleteGroupTags(tags []groupTag) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tags {
		if _, ok := c.groups[t.group]; !ok {
			return errGroupNotFound(t.group)
		}
		if t.key == "" {
			return clientError("ValidationError", "Tag keys must not be empty.")
		}
	}
	for _, t := range tags {
		g := cloneGroup(c.groups[t.group])
		delete(g.Tags, t.key)
		delete(g.NoPropagateTags, t.key)
		c.groups[t.group] = g
	}
	return nil
}

// groupTagKey is the paging key of a tag: group name, then key.
func groupTagKey(t groupTag) string { return t.group + "\x00" + t.key }

// groupTagsPage returns one page of the tags that match, ordered by group
// name and key; see pageSlice.
func (c *Cloud) groupTagsPage(match func(groupTag) bool, after string, limit int) ([]groupTag, string) {
	c.mu.RLock()
	var all []groupTag
	for _, name := range c.groupNames {
		g := c.groups[name]
		for _, key := range sortedMapKeys(g.Tags) {
			t := groupTag{group: name, key: key, value: g.Tags[key], propagate: !g.NoPropagateTags[key]}
			if match(t) {
				all = append(all, t)
			}
		}
	}
	c.mu.RUnlock()
	return pageSlice(all, groupTagKey, after, limit)
}

// sortedMapKeys returns the keys of m in order.
func sortedMapKeys(m map[string]string) []string {
	var keys sortedKeys
	for k := range m {
		keys.insert(k)
	}
	return keys
}
