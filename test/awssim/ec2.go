package awssim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ec2Service answers the EC2 query protocol (Version 2016-11-15).
type ec2Service struct {
	cloud    *Cloud
	handlers map[string]queryHandler
}

func newEC2Service(c *Cloud) *ec2Service {
	s := &ec2Service{cloud: c}
	s.handlers = map[string]queryHandler{
		"DescribeInstances":              s.describeInstances,
		"DescribeImages":                 s.describeImages,
		"DescribeLaunchTemplates":        s.describeLaunchTemplates,
		"DescribeLaunchTemplateVersions": s.describeLaunchTemplateVersions,
		"DescribeInstanceStatus":         s.describeInstanceStatus,
		"TerminateInstances":             s.terminateInstances,
		"CreateTags":                     s.createTags,
		"DeleteTags":                     s.deleteTags,
	}
	return s
}

func (s *ec2Service) operation(r *http.Request) (string, error) { return queryOperation(r, s.handlers) }

// call runs an operation; with DryRun=true it answers DryRunOperation (HTTP
// 412, "Request would have succeeded, but DryRun flag is set.") instead, as
// EC2 does for a caller with the required permissions. A caller without them
// never gets here: the server refuses the call first (Server.SetPolicy) with
// UnauthorizedOperation, which is what EC2 answers a dry run it would refuse.
func (s *ec2Service) call(op string, r *http.Request) (any, error) {
	if dryRun, _ := queryBool(r.Form, "DryRun", false); dryRun {
		return nil, &apiError{status: http.StatusPreconditionFailed, code: "DryRunOperation",
			message: "Request would have succeeded, but DryRun flag is set."}
	}
	return s.handlers[op](r.Form)
}

func (s *ec2Service) writeResult(w http.ResponseWriter, requestID, op string, out any) {
	writeEC2Result(w, requestID, op, out)
}

func (s *ec2Service) writeError(w http.ResponseWriter, requestID string, err *apiError) {
	writeEC2Error(w, requestID, err)
}

// ec2MaxResults reads MaxResults and checks it against the documented range.
func ec2MaxResults(form url.Values, lo, hi int) (int, error) {
	limit, err := parsePageLimit(form.Get("MaxResults"))
	if err != nil {
		return 0, clientError("InvalidParameterValue", "Invalid value '%s' for maxResults: %v", form.Get("MaxResults"), err)
	}
	if limit.present && (limit.value < lo || limit.value > hi) {
		return 0, clientError("InvalidParameterValue",
			"Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", limit.value, lo, hi)
	}
	return limit.value, nil
}

// ec2Token decodes NextToken for op.
func ec2Token(form url.Values, op string) (string, error) {
	after, err := decodeToken(op, form.Get("NextToken"))
	if err != nil {
		return "", clientError("InvalidPaginationToken", "The pagination token '%s' is not valid or is expired.", form.Get("NextToken"))
	}
	return after, nil
}

// ec2Filters parses Filter.N.Name / Filter.N.Value.M.
func ec2Filters(form url.Values) []filter { return queryFilters(form, "Filter.", "Value.") }

// malformedIDs returns the IDs that do not have the shape of valid.
func malformedIDs(ids []string, valid func(string) bool) []string {
	var bad []string
	for _, id := range ids {
		if !valid(id) {
			bad = append(bad, id)
		}
	}
	return bad
}

// quotedList renders IDs as AWS messages do: 'a', 'b'.
func quotedList(ids []string) string { return "'" + strings.Join(ids, "', '") + "'" }

// instanceField is the fieldFunc of the DescribeInstances filters.
func instanceField(inst *Instance, name string) ([]string, bool) {
	switch name {
	case "instance-id":
		return []string{inst.ID}, true
	case "instance-state-name":
		return []string{inst.State}, true
	case "instance-state-code":
		code, _ := instanceStateCode(inst.State)
		return []string{fmt.Sprint(code)}, true
	case "instance-type":
		return []string{inst.InstanceType}, true
	case "image-id":
		return []string{inst.ImageID}, true
	case "availability-zone":
		return []string{inst.Zone}, true
	case "architecture":
		return []string{inst.Architecture}, true
	case "private-dns-name":
		return []string{inst.PrivateDNSName}, true
	case "private-ip-address":
		return []string{inst.PrivateIP}, true
	case "subnet-id":
		return []string{inst.SubnetID}, true
	case "vpc-id":
		return []string{inst.VPCID}, true
	case "reservation-id":
		return []string{"r-" + strings.TrimPrefix(inst.ID, "i-")}, true
	}
	return nil, false
}

// describeInstances implements DescribeInstances: InstanceId.N, Filter.N,
// MaxResults (5-1000, not with InstanceId) and NextToken.
func (s *ec2Service) describeInstances(form url.Values) (any, error) {
	ids := queryList(form, "InstanceId.")
	if form.Get("MaxResults") != "" && len(ids) > 0 {
		return nil, clientError("InvalidParameterCombination",
			"The parameter instancesSet cannot be used with the parameter maxResults")
	}
	limit, err := ec2MaxResults(form, 5, 1000)
	if err != nil {
		return nil, err
	}
	after, err := ec2Token(form, "DescribeInstances")
	if err != nil {
		return nil, err
	}
	match, err := s.filterMatcherInstances(ec2Filters(form))
	if err != nil {
		return nil, err
	}
	if bad := malformedIDs(ids, instanceIDPattern.MatchString); len(bad) > 0 {
		return nil, clientError("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", bad[0])
	}
	out := &ec2DescribeInstancesResponse{}
	var page []Instance
	if len(ids) > 0 {
		found, missing := s.cloud.instancesByID(ids)
		switch len(missing) {
		case 0:
		case 1:
			return nil, clientError("InvalidInstanceID.NotFound", "The instance ID %s does not exist", quotedList(missing))
		default:
			return nil, clientError("InvalidInstanceID.NotFound", "The instance IDs %s do not exist", quotedList(missing))
		}
		for i := range found {
			if match(&found[i]) {
				page = append(page, found[i])
			}
		}
	} else {
		var next string
		page, next = s.cloud.instancesPage(after, limit, match)
		out.NextToken = encodeToken("DescribeInstances", next)
	}
	out.Reservations.Items = make([]ec2Reservation, 0, len(page))
	for _, inst := range page {
		out.Reservations.Items = append(out.Reservations.Items, ec2ReservationOf(inst, s.cloud.AccountID()))
	}
	return out, nil
}

// filterMatcherInstances builds the instance predicate of a DescribeInstances call.
func (s *ec2Service) filterMatcherInstances(filters []filter) (func(*Instance) bool, error) {
	match, unknown := matcher(filters, instanceField, func(i *Instance) map[string]string { return i.Tags }, matchWildcards)
	if unknown != "" {
		return nil, clientError("InvalidParameterValue", "The filter '%s' is invalid", unknown)
	}
	return match, nil
}

// imageField is the fieldFunc of the DescribeImages filters.
func imageField(img *Image, name string) ([]string, bool) {
	switch name {
	case "image-id":
		return []string{img.ID}, true
	case "name":
		return []string{img.Name}, true
	case "architecture":
		return []string{img.Architecture}, true
	case "state":
		return []string{img.State}, true
	case "owner-id":
		return []string{img.OwnerID}, true
	case "owner-alias":
		return []string{img.OwnerAlias}, true
	case "description":
		return []string{img.Description}, true
	case "is-public":
		return []string{fmt.Sprint(img.Public)}, true
	case "image-type":
		return []string{"machine"}, true
	case "root-device-type":
		return []string{"ebs"}, true
	case "virtualization-type":
		return []string{"hvm"}, true
	}
	return nil, false
}

// describeImages implements DescribeImages: ImageId.N, Owner.N (account IDs,
// self, amazon...), Filter.N, MaxResults and NextToken.
func (s *ec2Service) describeImages(form url.Values) (any, error) {
	ids := queryList(form, "ImageId.")
	owners := queryList(form, "Owner.")
	limit, err := ec2MaxResults(form, 1, 1000)
	if err != nil {
		return nil, err
	}
	after, err := ec2Token(form, "DescribeImages")
	if err != nil {
		return nil, err
	}
	byFilters, unknown := matcher(ec2Filters(form), imageField, func(i *Image) map[string]string { return i.Tags }, matchWildcards)
	if unknown != "" {
		return nil, clientError("InvalidParameterValue", "The filter '%s' is invalid", unknown)
	}
	if bad := malformedIDs(ids, imageIDPattern.MatchString); len(bad) > 0 {
		return nil, clientError("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", bad[0])
	}
	account := s.cloud.AccountID()
	match := func(img *Image) bool {
		if len(owners) > 0 && !ownedBy(img, owners, account) {
			return false
		}
		return byFilters(img)
	}
	var images []Image
	next := ""
	if len(ids) > 0 {
		found, missing := s.cloud.imagesByID(ids)
		if len(missing) > 0 {
			return nil, clientError("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", strings.Join(missing, ", "))
		}
		var kept []Image
		for i := range found {
			if match(&found[i]) {
				kept = append(kept, found[i])
			}
		}
		images, next = pageSlice(kept, func(i Image) string { return i.ID }, after, limit)
	} else {
		images, next = s.cloud.imagesPage(after, limit, match)
	}
	out := &ec2DescribeImagesResponse{NextToken: encodeToken("DescribeImages", next)}
	out.Images.Items = make([]ec2Image, 0, len(images))
	for _, img := range images {
		out.Images.Items = append(out.Images.Items, ec2ImageOf(img))
	}
	return out, nil
}

// ownedBy reports whether an image belongs to one of the owners of an
// Owner.N list, where "self" is the caller's account.
func ownedBy(img *Image, owners []string, account string) bool {
	for _, o := range owners {
		switch {
		case o == "self" && img.OwnerID == account:
			return true
		case o != "self" && (o == img.OwnerID || o == img.OwnerAlias):
			return true
		}
	}
	return false
}
