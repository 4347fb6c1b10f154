package awssim

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
)

// launchTemplateField is the fieldFunc of the DescribeLaunchTemplates filters.
func launchTemplateField(lt *LaunchTemplate, name string) ([]string, bool) {
	switch name {
	case "launch-template-name":
		return []string{lt.Name}, true
	case "create-time":
		return []string{xmlTime(lt.CreateTime)}, true
	}
	return nil, false
}

// describeLaunchTemplates implements DescribeLaunchTemplates:
// LaunchTemplateId.N, LaunchTemplateName.N, Filter.N, MaxResults (1-200) and
// NextToken. Unknown IDs or names fail the whole call.
func (s *ec2Service) describeLaunchTemplates(form url.Values) (any, error) {
	ids := queryList(form, "LaunchTemplateId.")
	names := queryList(form, "LaunchTemplateName.")
	limit, err := ec2MaxResults(form, 1, 200)
	if err != nil {
		return nil, err
	}
	after, err := ec2Token(form, "DescribeLaunchTemplates")
	if err != nil {
		return nil, err
	}
	byFilters, unknown := matcher(ec2Filters(form), launchTemplateField,
		func(lt *LaunchTemplate) map[string]string { return lt.Tags }, matchWildcards)
	if unknown != "" {
		return nil, clientError("InvalidParameterValue", "The filter '%s' is invalid", unknown)
	}
	if bad := malformedIDs(ids, launchTemplateIDPattern.MatchString); len(bad) > 0 {
		return nil, errLaunchTemplateIDMalformed(bad[0])
	}
	all := s.cloud.launchTemplates()
	wantID, wantName := setOf(ids), setOf(names)
	for _, lt := range all {
		delete(wantID, lt.ID)
		delete(wantName, lt.Name)
	}
	if len(wantID) > 0 {
		return nil, clientError("InvalidLaunchTemplateId.NotFound",
			"At least one of the launch templates specified in the request does not exist.")
	}
	if len(wantName) > 0 {
		return nil, clientError("InvalidLaunchTemplateName.NotFoundException",
			"At least one of the launch templates specified in the request does not exist.")
	}
	selected := setOf(ids)
	named := setOf(names)
	var kept []LaunchTemplate
	for i, lt := range all {
		if (len(ids) > 0 || len(names) > 0) && !selected[lt.ID] && !named[lt.Name] {
			continue
		}
		if byFilters(&all[i]) {
			kept = append(kept, lt)
		}
	}
	page, next := pageSlice(kept, func(lt LaunchTemplate) string { return lt.ID }, after, limit)
	out := &ec2DescribeLaunchTemplatesResponse{NextToken: encodeToken("DescribeLaunchTemplates", next)}
	out.LaunchTemplates.Items = make([]ec2LaunchTemplate, 0, len(page))
	for _, lt := range page {
		out.LaunchTemplates.Items = append(out.LaunchTemplates.Items, ec2LaunchTemplate{
			LaunchTemplateID:     lt.ID,
			LaunchTemplateName:   lt.Name,
			CreateTime:           xmlTime(lt.CreateTime),
			CreatedBy:            s.createdBy(),
			DefaultVersionNumber: lt.DefaultVersion,
			LatestVersionNumber:  lt.LatestVersion(),
			Tags:                 ec2Tags(lt.Tags),
		})
	}
	return out, nil
}

// createdBy is the principal that created every template of the account.
func (s *ec2Service) createdBy() string {
	return "arn:aws:iam::" + s.cloud.AccountID() + ":root"
}

// versionRow is one version of one template, as the versions call lists it.
type versionRow struct {
	lt *LaunchTemplate
	v  LaunchTemplateVersion
}

// key orders rows by template ID, then from the newest version to the oldest.
func (r versionRow) key() string {
	return fmt.Sprintf("%s/%019d", r.lt.ID, math.MaxInt64-r.v.Number)
}

// versionField is the fieldFunc of the DescribeLaunchTemplateVersions filters.
func versionField(r *versionRow, name string) ([]string, bool) {
	switch name {
	case "image-id":
		return []string{r.v.ImageID}, true
	case "instance-type":
		return []string{r.v.InstanceType}, true
	case "is-default-version":
		return []string{strconv.FormatBool(r.lt != nil && r.v.Number == r.lt.DefaultVersion)}, true
	case "create-time":
		return []string{xmlTime(r.v.CreateTime)}, true
	}
	return nil, false
}

// describeLaunchTemplateVersions implements DescribeLaunchTemplateVersions:
// one template by LaunchTemplateId or LaunchTemplateName with
// LaunchTemplateVersion.N (numbers, $Latest, $Default) or MinVersion and
// MaxVersion; or, without a template, the $Latest and/or $Default versions
// of every template. Filter.N, MaxResults (1-200) and NextToken as usual.
func (s *ec2Service) describeLaunchTemplateVersions(form url.Values) (any, error) {
	id, name := form.Get("LaunchTemplateId"), form.Get("LaunchTemplateName")
	versions := queryList(form, "LaunchTemplateVersion.")
	if id != "" && name != "" {
		return nil, clientError("InvalidParameterCombination",
			"Specify either the launch template ID or the launch template name, but not both.")
	}
	limit, err := ec2MaxResults(form, 1, 200)
	if err != nil {
		return nil, err
	}
	after, err := ec2Token(form, "DescribeLaunchTemplateVersions")
	if err != nil {
		return nil, err
	}
	byFilters, unknown := matcher(ec2Filters(form), versionField,
		func(*versionRow) map[string]string { return nil }, matchWildcards)
	if unknown != "" {
		return nil, clientError("InvalidParameterValue", "The filter '%s' is invalid", unknown)
	}
	var rows []versionRow
	if id != "" || name != "" {
		lt, err := s.oneTemplate(id, name)
		if err != nil {
			return nil, err
		}
		rows, err = selectVersions(&lt, versions, form.Get("MinVersion"), form.Get("MaxVersion"))
		if err != nil {
			return nil, err
		}
	} else {
		if len(versions) == 0 {
			return nil, clientError("MissingParameter",
				"The request must contain the parameter LaunchTemplateId or LaunchTemplateName, or the version $Latest or $Default.")
		}
		for _, v := range versions {
			if v != "$Latest" && v != "$Default" {
				return nil, clientError("InvalidParameterValue",
					"Without a launch template, the only valid versions are $Latest and $Default, not '%s'.", v)
			}
		}
		all := s.cloud.launchTemplates()
		for i := range all {
			picked, err := selectVersions(&all[i], versions, "", "")
			if err != nil {
				return nil, err
			}
			rows = append(rows, picked...)
		}
	}
	var kept []versionRow
	for i := range rows {
		if byFilters(&rows[i]) {
			kept = append(kept, rows[i])
		}
	}
	sortRows(kept)
	page, next := pageSlice(kept, versionRow.key, after, limit)
	out := &ec2DescribeLaunchTemplateVersionsResponse{NextToken: encodeToken("DescribeLaunchTemplateVersions", next)}
	out.Versions.Items = make([]ec2LaunchTemplateVersion, 0, len(page))
	for _, r := range page {
		out.Versions.Items = append(out.Versions.Items, ec2LaunchTemplateVersion{
			LaunchTemplateID:   r.lt.ID,
			LaunchTemplateName: r.lt.Name,
			VersionNumber:      r.v.Number,
			VersionDescription: r.v.Description,
			CreateTime:         xmlTime(r.v.CreateTime),
			CreatedBy:          s.createdBy(),
			DefaultVersion:     r.v.Number == r.lt.DefaultVersion,
			LaunchTemplateData: ec2LaunchTemplateData{ImageID: r.v.ImageID, InstanceType: r.v.InstanceType},
		})
	}
	return out, nil
}

// oneTemplate finds the template a versions call names by ID or by name.
func (s *ec2Service) oneTemplate(id, name string) (LaunchTemplate, error) {
	if id != "" {
		if !launchTemplateIDPattern.MatchString(id) {
			return LaunchTemplate{}, errLaunchTemplateIDMalformed(id)
		}
		if lt, ok := s.cloud.LaunchTemplate(id); ok && lt.ID == id {
			return lt, nil
		}
		return LaunchTemplate{}, clientError("InvalidLaunchTemplateId.NotFound",
			"The specified launch template, with template ID %s, does not exist.", id)
	}
	if lt, ok := s.cloud.LaunchTemplate(name); ok && lt.Name == name {
		return lt, nil
	}
	return LaunchTemplate{}, clientError("InvalidLaunchTemplateName.NotFoundException",
		"The specified launch template, with template name %s, does not exist.", name)
}

// selectVersions picks the versions of lt that a versions call asks for:
// the listed ones (numbers, $Latest, $Default), or all of them within
// MinVersion..MaxVersion. Rows are ordered newest first.
func selectVersions(lt *LaunchTemplate, wanted []string, minRaw, maxRaw string) ([]versionRow, error) {
	var rows []versionRow
	if len(wanted) > 0 {
		seen := map[int64]bool{}
		for _, w := range wanted {
			n, err := resolveVersion(lt, w)
			if err != nil {
				return nil, err
			}
			if !seen[n] {
				seen[n] = true
				v, _ := lt.Version(n)
				rows = append(rows, versionRow{lt: lt, v: v})
			}
		}
	} else {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		for _, bound := range []struct {
			raw string
			dst *int64
		}{{minRaw, &lo}, {maxRaw, &hi}} {
			if bound.raw == "" {
				continue
			}
			n, err := strconv.ParseInt(bound.raw, 10, 64)
			if err != nil {
				return nil, clientError("InvalidParameterValue", "The version bound '%s' is not a version number.", bound.raw)
			}
			*bound.dst = n
		}
		for _, v := range lt.Versions {
			if v.Number >= lo && v.Number <= hi {
				rows = append(rows, versionRow{lt: lt, v: v})
			}
		}
	}
	sortRows(rows)
	return rows, nil
}

// resolveVersion turns a number, $Latest or $Default into a version number of lt.
func resolveVersion(lt *LaunchTemplate, version string) (int64, error) {
	switch version {
	case "$Latest":
		return lt.LatestVersion(), nil
	case "$Default":
		return lt.DefaultVersion, nil
	}
	n, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return 0, clientError("InvalidLaunchTemplateId.VersionNotFound",
			"Could not find launch template version '%s': a version is a number, $Latest or $Default.", version)
	}
	if _, ok := lt.Version(n); !ok {
		return 0, clientError("InvalidLaunchTemplateId.VersionNotFound",
			"Could not find launch template version %d of launch template %s.", n, lt.ID)
	}
	return n, nil
}

// sortRows orders rows by their key.
func sortRows(rows []versionRow) {
	slices.SortFunc(rows, func(a, b versionRow) int { return cmp.Compare(a.key(), b.key()) })
}

func errLaunchTemplateIDMalformed(id string) *apiError {
	return clientError("InvalidLaunchTemplateId.Malformed",
		"The launch template ID '%s' is malformed. Specify it in the form lt-xxxxxxxxxxxxxxxxx.", id)
}

// setOf returns the set of the given strings.
func setOf(items []string) map[string]bool {
	set := make(map[string]bool, len(items))
	for _, it := range items {
		set[it] = true
	}
	return set
}
