package awssim

import (
	"cmp"
	"slices"
	"time"
)

// LaunchTemplate is an EC2 launch template with its versions.
type LaunchTemplate struct {
	ID             string // lt- followed by 17 hex digits; generated when empty
	Name           string
	DefaultVersion int64 // defaults to the lowest version number
	Versions       []LaunchTemplateVersion
	CreateTime     time.Time
	Tags           map[string]string
}

// LaunchTemplateVersion is one version of a launch template.
type LaunchTemplateVersion struct {
	Number       int64 // numbered 1, 2, ... in order when zero
	ImageID      string
	InstanceType string
	Description  string
	CreateTime   time.Time // defaults to the template's CreateTime
}

// LatestVersion returns the highest version number of the template.
func (t LaunchTemplate) LatestVersion() int64 {
	var latest int64
	for _, v := range t.Versions {
		latest = max(latest, v.Number)
	}
	return latest
}

// Version returns the version with the given number.
func (t LaunchTemplate) Version(number int64) (LaunchTemplateVersion, bool) {
	for _, v := range t.Versions {
		if v.Number == number {
			return v, true
		}
	}
	return LaunchTemplateVersion{}, false
}

// AddLaunchTemplate adds a launch template, replacing any template with the
// same ID. Names are unique within the account, as in EC2.
func (c *Cloud) AddLaunchTemplate(lt LaunchTemplate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if lt.ID == "" {
		lt.ID = c.newIDLocked("lt-", func(id string) bool { _, ok := c.templates[id]; return ok })
	}
	if !launchTemplateIDPattern.MatchString(lt.ID) {
		return invalidf("launch template ID %q is not of the form lt-<17 hex digits>", lt.ID)
	}
	if n := len(lt.Name); n < 3 || n > 128 {
		return invalidf("launch template %s: a name must have 3 to 128 characters, not %q", lt.ID, lt.Name)
	}
	if other, ok := c.templateNames[lt.Name]; ok && other != lt.ID {
		return invalidf("launch template name %q is already used by %s", lt.Name, other)
	}
	if len(lt.Versions) == 0 {
		return invalidf("launch template %s has no version", lt.ID)
	}
	lt = cloneLaunchTemplate(lt)
	lt.CreateTime = c.stampLocked(lt.CreateTime)
	seen := map[int64]bool{}
	for i := range lt.Versions {
		v := &lt.Versions[i]
		if v.Number == 0 {
			v.Number = int64(i + 1)
		}
		if seen[v.Number] {
			return invalidf("launch template %s: version %d appears twice", lt.ID, v.Number)
		}
		seen[v.Number] = true
		if v.CreateTime.IsZero() {
			v.CreateTime = lt.CreateTime
		}
	}
	slices.SortFunc(lt.Versions, func(a, b LaunchTemplateVersion) int { return cmp.Compare(a.Number, b.Number) })
	if lt.DefaultVersion == 0 {
		lt.DefaultVersion = lt.Versions[0].Number
	}
	if !seen[lt.DefaultVersion] {
		return invalidf("launch template %s: default version %d does not exist", lt.ID, lt.DefaultVersion)
	}
	if old, ok := c.templates[lt.ID]; ok {
		delete(c.templateNames, old.Name)
	}
	c.templates[lt.ID] = lt
	c.templateIDs.insert(lt.ID)
	c.templateNames[lt.Name] = lt.ID
	return nil
}

// LaunchTemplate returns a copy of the launch template with the given ID or name.
func (c *Cloud) LaunchTemplate(idOrName string) (LaunchTemplate, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	lt, ok := c.templateLocked(idOrName)
	return cloneLaunchTemplate(lt), ok
}

// templateLocked finds a template by ID or by name.
func (c *Cloud) templateLocked(idOrName string) (LaunchTemplate, bool) {
	if lt, ok := c.templates[idOrName]; ok {
		return lt, true
	}
	if id, ok := c.templateNames[idOrName]; ok {
		return c.templates[id], true
	}
	return LaunchTemplate{}, false
}

// launchTemplates returns copies of every launch template, ordered by ID.
func (c *Cloud) launchTemplates() []LaunchTemplate {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]LaunchTemplate, 0, len(c.templateIDs))
	for _, id := range c.templateIDs {
		out = append(out, cloneLaunchTemplate(c.templates[id]))
	}
	return out
}

func cloneLaunchTemplate(lt LaunchTemplate) LaunchTemplate {
	lt.Versions = slices.Clone(lt.Versions)
	lt.Tags = cloneTags(lt.Tags)
	return lt
}
