package awscloud

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Launch template version aliases accepted by Auto Scaling and EC2.
const (
	VersionLatest  = "$Latest"
	VersionDefault = "$Default"
)

// LaunchTemplateRef names a launch template and one of its versions.
type LaunchTemplateRef struct {
	ID   string
	Name string
	// Version is the version as configured: "$Latest", "$Default" or a number.
	Version string
	// VersionNumber is the number Version resolved to, 0 when it could not be resolved.
	VersionNumber int64
	// ImageID is the image of the resolved version, "" when it names none.
	ImageID string
}

// key identifies the template of r regardless of its version.
func (r LaunchTemplateRef) key() string {
	if r.ID != "" {
		return "id:" + r.ID
	}
	return "name:" + r.Name
}

// label names the template for people: its ID, with the name when known.
func (r LaunchTemplateRef) label() string {
	switch {
	case r.ID != "" && r.Name != "":
		return r.ID + " (" + r.Name + ")"
	case r.ID != "":
		return r.ID
	}
	return r.Name
}

// templateVersions is what one DescribeLaunchTemplateVersions call found for one template.
type templateVersions struct {
	id, name     string
	byNumber     map[int64]string // version number to image ID
	latest, dflt int64
	problem      string // why nothing could be resolved, "" when fine
}

// resolve returns the version number and image of version v, or an explanation.
func (t *templateVersions) resolve(v string) (int64, string, string) {
	if t.problem != "" {
		return 0, "", t.problem
	}
	var n int64
	switch v {
	case VersionLatest:
		n = t.latest
	case VersionDefault:
		n = t.dflt
	default:
		parsed, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, "", fmt.Sprintf("version %q is not a number, %s or %s", v, VersionLatest, VersionDefault)
		}
		n = parsed
	}
	image, ok := t.byNumber[n]
	if !ok || n == 0 {
		return 0, "", fmt.Sprintf("version %s does not exist", v)
	}
	return n, image, ""
}

// resolveLaunchTemplates resolves every ref in place: one DescribeLaunchTemplateVersions
// call (paged) per distinct template, asking for all the versions needed of it at once.
// Templates or versions that no longer exist leave the ref unresolved and are reported in
// the returned map, keyed by ref.key()+"@"+version; other failures are errors.
func (c *Clients) resolveLaunchTemplates(ctx context.Context, refs []*LaunchTemplateRef) (map[string]string, error) {
	wanted := make(map[string][]string)
	first := make(map[string]*LaunchTemplateRef)
	for _, r := range refs {
		if r.Version == "" {
			r.Version = VersionDefault
		}
		k := r.key()
		if _, ok := first[k]; !ok {
			first[k] = r
		}
		wanted[k] = append(wanted[k], r.Version)
	}
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	found := make(map[string]*templateVersions, len(keys))
	for _, k := range keys {
		tv, err := c.describeTemplateVersions(ctx, *first[k], unique(wanted[k]))
		if err != nil {
			return nil, err
		}
		found[k] = tv
	}
	problems := make(map[string]string)
	for _, r := range refs {
		tv := found[r.key()]
		n, image, problem := tv.resolve(r.Version)
		if r.ID == "" {
			r.ID = tv.id
		}
		if r.Name == "" {
			r.Name = tv.name
		}
		if problem != "" {
			problems[r.key()+"@"+r.Version] = problem
			continue
		}
		r.VersionNumber, r.ImageID = n, image
	}
	return problems, nil
}

// describeTemplateVersions asks for the given versions of the template ref names.
func (c *Clients) describeTemplateVersions(ctx context.Context, ref LaunchTemplateRef, versions []string) (*templateVersions, error) {
	in := &ec2.DescribeLaunchTemplateVersionsInput{
		Versions: versions,
		// ImageId may be "resolve:ssm:<parameter>"; ask EC2 for the AMI it stands for.
		ResolveAlias: aws.Bool(true),
	}
	if ref.ID != "" {
		in.LaunchTemplateId = aws.String(ref.ID)
	} else {
		in.LaunchTemplateName = aws.String(ref.Name)
	}
	tv := &templateVersions{id: ref.ID, name: ref.Name, byNumber: make(map[int64]string)}
	p := ec2.NewDescribeLaunchTemplateVersionsPaginator(c.EC2, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if isLaunchTemplateNotFound(err) && len(versions) > 1 {
				// One missing version fails the whole request: ask for each alone.
				return c.describeEachVersion(ctx, ref, versions)
			}
			if isLaunchTemplateNotFound(err) {
				tv.problem = fmt.Sprintf("launch template %s or one of versions %s does not exist", ref.label(), strings.Join(versions, ", "))
				return tv, nil
			}
			return nil, wrap(err, "describe launch template %s versions %s", ref.label(), strings.Join(versions, ", "))
		}
		for _, v := range page.LaunchTemplateVersions {
			n := aws.ToInt64(v.VersionNumber)
			image := ""
			if v.LaunchTemplateData != nil {
				image = aws.ToString(v.LaunchTemplateData.ImageId)
			}
			tv.byNumber[n] = image
			if n > tv.latest {
				// The highest version returned is $Latest: no requested number can exceed it.
				tv.latest = n
			}
			if aws.ToBool(v.DefaultVersion) {
				tv.dflt = n
			}
			if tv.id == "" {
				tv.id = aws.ToString(v.LaunchTemplateId)
			}
			if tv.name == "" {
				tv.name = aws.ToString(v.LaunchTemplateName)
			}
		}
	}
	return tv, nil
}

// describeEachVersion describes versions one request each and merges what exists.
func (c *Clients) describeEachVersion(ctx context.Context, ref LaunchTemplateRef, versions []string) (*templateVersions, error) {
	merged := &templateVersions{id: ref.ID, name: ref.Name, byNumber: make(map[int64]string)}
	var problems []string
	for _, v := range versions {
		tv, err := c.describeTemplateVersions(ctx, ref, []string{v})
		if err != nil {
			return nil, err
		}
		if tv.problem != "" {
			problems = append(problems, tv.problem)
			continue
		}
		for n, image := range tv.byNumber {
			merged.byNumber[n] = image
		}
		merged.latest = max(merged.latest, tv.latest)
		if tv.dflt != 0 {
			merged.dflt = tv.dflt
		}
		merged.id, merged.name = tv.id, tv.name
	}
	if len(merged.byNumber) == 0 && len(problems) > 0 {
		merged.problem = problems[0]
	}
	return merged, nil
}

// isLaunchTemplateNotFound reports the EC2 errors for a missing template or version:
// InvalidLaunchTemplateId.NotFound, InvalidLaunchTemplateName.NotFoundException,
// InvalidLaunchTemplateId.VersionNotFound and the like.
func isLaunchTemplateNotFound(err error) bool {
	code := errorCode(err)
	return strings.HasPrefix(code, "InvalidLaunchTemplate") && strings.Contains(code, "NotFound")
}
