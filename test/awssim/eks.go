package awssim

import (
	"net/http"
	"net/url"
	"strings"
)

// eksMaxResults is the documented upper bound and default of maxResults for
// ListClusters and ListNodegroups ("This value can be between 1 and 100. If
// you don't use this parameter, 100 results ... are returned").
const eksMaxResults = 100

// eksService answers the EKS REST-JSON protocol.
type eksService struct {
	cloud *Cloud
}

func newEKSService(c *Cloud) *eksService { return &eksService{cloud: c} }

// eksRoute is a parsed EKS request path.
type eksRoute struct {
	op        string
	cluster   string
	nodegroup string
	update    string
}

// parseEKSPath maps a method and path onto an operation and its labels.
func parseEKSPath(method, escapedPath string) (eksRoute, bool) {
	segments := strings.Split(strings.Trim(escapedPath, "/"), "/")
	for i, seg := range segments {
		unescaped, err := url.PathUnescape(seg)
		if err != nil {
			return eksRoute{}, false
		}
		segments[i] = unescaped
	}
	if len(segments) == 0 || segments[0] != "clusters" {
		return eksRoute{}, false
	}
	if method == http.MethodPost {
		if len(segments) == 5 && segments[2] == "node-groups" && segments[3] != "" && segments[4] == "update-config" {
			return eksRoute{op: "UpdateNodegroupConfig", cluster: segments[1], nodegroup: segments[3]}, true
		}
		return eksRoute{}, false
	}
	if method != http.MethodGet {
		return eksRoute{}, false
	}
	switch {
	case len(segments) == 4 && segments[2] == "updates" && segments[3] != "":
		return eksRoute{op: "DescribeUpdate", cluster: segments[1], update: segments[3]}, true
	case len(segments) == 1:
		return eksRoute{op: "ListClusters"}, true
	case len(segments) == 2 && segments[1] != "":
		return eksRoute{op: "DescribeCluster", cluster: segments[1]}, true
	case len(segments) == 3 && segments[2] == "node-groups":
		return eksRoute{op: "ListNodegroups", cluster: segments[1]}, true
	case len(segments) == 4 && segments[2] == "node-groups" && segments[3] != "":
		return eksRoute{op: "DescribeNodegroup", cluster: segments[1], nodegroup: segments[3]}, true
	}
	return eksRoute{}, false
}

func (s *eksService) operation(r *http.Request) (string, error) {
	route, ok := parseEKSPath(r.Method, r.URL.EscapedPath())
	if !ok {
		return "", &apiError{status: http.StatusNotFound, code: "UnknownOperationException",
			message: "No operation matches " + r.Method + " " + r.URL.Path}
	}
	return route.op, nil
}

func (s *eksService) call(op string, r *http.Request) (any, error) {
	route, _ := parseEKSPath(r.Method, r.URL.EscapedPath())
	q := r.URL.Query()
	switch op {
	case "ListClusters":
		return s.listClusters(q)
	case "DescribeCluster":
		return s.describeCluster(route.cluster)
	case "ListNodegroups":
		return s.listNodegroups(route.cluster, q)
	case "DescribeNodegroup":
		return s.describeNodegroup(route.cluster, route.nodegroup)
	case "UpdateNodegroupConfig":
		return s.updateNodegroupConfig(route.cluster, route.nodegroup, r)
	case "DescribeUpdate":
		return s.describeUpdate(route.cluster, route.update, q.Get("nodegroupName"))
	}
	return nil, &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: "No operation " + op}
}

func (s *eksService) writeResult(w http.ResponseWriter, requestID, _ string, out any) {
	writeJSON(w, http.StatusOK, requestID, "application/json", out)
}

func (s *eksService) writeError(w http.ResponseWriter, requestID string, err *apiError) {
	if err.code == "MissingAuthenticationToken" {
		err = &apiError{status: err.status, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
	}
	writeRESTJSONError(w, requestID, err)
}

// eksPage reads maxResults (1-100, default 100) and nextToken.
func eksPage(q url.Values, op string) (limit int, after string, err error) {
	raw := q.Get("maxResults")
	l, perr := parsePageLimit(raw)
	switch {
	case perr != nil:
		return 0, "", clientError("InvalidParameterException", "maxResults %q is not a number.", raw)
	case !l.present:
		limit = eksMaxResults
	case l.value < 1 || l.value > eksMaxResults:
		return 0, "", clientError("InvalidParameterException", "maxResults must be between 1 and %d, not %d.", eksMaxResults, l.value)
	default:
		limit = l.value
	}
	after, terr := decodeToken(op, q.Get("nextToken"))
	if terr != nil {
		return 0, "", clientError("InvalidParameterException", "The nextToken %q is not valid.", q.Get("nextToken"))
	}
	return limit, after, nil
}

// errClusterNotFound is EKS's ResourceNotFoundException for a cluster.
func errClusterNotFound(name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException",
		message: "No cluster found for name: " + name + ".", fields: map[string]string{"clusterName": name}}
}

// errNodegroupNotFound is EKS's ResourceNotFoundException for a node group.
func errNodegroupNotFound(cluster, name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException",
		message: "No node group found for name: " + name + ".",
		fields:  map[string]string{"clusterName": cluster, "nodegroupName": name}}
}

// listClusters implements ListClusters.
func (s *eksService) listClusters(q url.Values) (any, error) {
	limit, after, err := eksPage(q, "ListClusters")
	if err != nil {
		return nil, err
	}
	names, next := s.cloud.clusterNamesPage(after, limit)
	if names == nil {
		names = []string{}
	}
	return struct {
		Clusters  []string `json:"clusters"`
		NextToken string   `json:"nextToken,omitempty"`
	}{names, encodeToken("ListClusters", next)}, nil
}

// eksCluster is the Cluster shape of DescribeCluster.
type eksCluster struct {
	Name            string            `json:"name"`
	ARN             string            `json:"arn"`
	CreatedAt       epochSeconds      `json:"createdAt"`
	Version         string            `json:"version"`
	Endpoint        string            `json:"endpoint"`
	Status          string            `json:"status"`
	PlatformVersion string            `json:"platformVersion"`
	Tags            map[string]string `json:"tags,omitempty"`
}

// describeCluster implements DescribeCluster.
func (s *eksService) describeCluster(name string) (any, error) {
	cl, ok := s.cloud.Cluster(name)
	if !ok {
		return nil, errClusterNotFound(name)
	}
	return struct {
		Cluster eksCluster `json:"cluster"`
	}{eksCluster{
		Name:            cl.Name,
		ARN:             s.cloud.clusterARN(cl.Name),
		CreatedAt:       epochSeconds(cl.CreatedAt),
		Version:         cl.Version,
		Endpoint:        cl.Endpoint,
		Status:          cl.Status,
		PlatformVersion: cl.PlatformVersion,
		Tags:            cl.Tags,
	}}, nil
}

// listNodegroups implements ListNodegroups.
func (s *eksService) listNodegroups(cluster string, q url.Values) (any, error) {
	limit, after, err := eksPage(q, "ListNodegroups")
	if err != nil {
		return nil, err
	}
	names, ok := s.cloud.nodegroupNames(cluster)
	if !ok {
		return nil, errClusterNotFound(cluster)
	}
	page, next := pageSlice(names, func(n string) string { return n }, after, limit)
	return struct {
		Nodegroups []string `json:"nodegroups"`
		NextToken  string   `json:"nextToken,omitempty"`
	}{append([]string{}, page...), encodeToken("ListNodegroups", next)}, nil
}

// eksNodegroup is the Nodegroup shape of DescribeNodegroup.
type eksNodegroup struct {
	NodegroupName  string             `json:"nodegroupName"`
	NodegroupARN   string             `json:"nodegroupArn"`
	ClusterName    string             `json:"clusterName"`
	Version        string             `json:"version"`
	ReleaseVersion string             `json:"releaseVersion,omitempty"`
	CreatedAt      epochSeconds       `json:"createdAt"`
	ModifiedAt     epochSeconds       `json:"modifiedAt"`
	Status         string             `json:"status"`
	CapacityType   string             `json:"capacityType"`
	ScalingConfig  eksScalingConfig   `json:"scalingConfig"`
	InstanceTypes  []string           `json:"instanceTypes,omitempty"`
	Subnets        []string           `json:"subnets"`
	AMIType        string             `json:"amiType"`
	NodeRole       string             `json:"nodeRole,omitempty"`
	Labels         map[string]string  `json:"labels"`
	Resources      eksResources       `json:"resources"`
	LaunchTemplate *eksLaunchTemplate `json:"launchTemplate,omitempty"`
	Tags           map[string]string  `json:"tags"`
}

type eksScalingConfig struct {
	MinSize     int `json:"minSize"`
	MaxSize     int `json:"maxSize"`
	DesiredSize int `json:"desiredSize"`
}

type eksResources struct {
	AutoScalingGroups []eksAutoScalingGroup `json:"autoScalingGroups"`
}

type eksAutoScalingGroup struct {
	Name string `json:"name"`
}

type eksLaunchTemplate struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	ID      string `json:"id,omitempty"`
}

// describeNodegroup implements DescribeNodegroup.
func (s *eksService) describeNodegroup(cluster, name string) (any, error) {
	if _, ok := s.cloud.Cluster(cluster); !ok {
		return nil, errClusterNotFound(cluster)
	}
	ng, ok := s.cloud.Nodegroup(cluster, name)
	if !ok {
		return nil, errNodegroupNotFound(cluster, name)
	}
	out := eksNodegroup{
		NodegroupName:  ng.Name,
		NodegroupARN:   s.cloud.nodegroupARN(cluster, ng.Name),
		ClusterName:    cluster,
		Version:        ng.Version,
		ReleaseVersion: ng.ReleaseVersion,
		CreatedAt:      epochSeconds(ng.CreatedAt),
		ModifiedAt:     epochSeconds(ng.CreatedAt),
		Status:         ng.Status,
		CapacityType:   ng.CapacityType,
		ScalingConfig:  eksScalingConfig{MinSize: ng.MinSize, MaxSize: ng.MaxSize, DesiredSize: ng.DesiredSize},
		InstanceTypes:  ng.InstanceTypes,
		Subnets:        append([]string{}, ng.Subnets...),
		AMIType:        ng.AMIType,
		NodeRole:       ng.NodeRole,
		Labels:         nonNilMap(ng.Labels),
		Tags:           nonNilMap(ng.Tags),
		Resources:      eksResources{AutoScalingGroups: []eksAutoScalingGroup{}},
	}
	for _, g := range ng.AutoScalingGroups {
		out.Resources.AutoScalingGroups = append(out.Resources.AutoScalingGroups, eksAutoScalingGroup{Name: g})
	}
	if lt := ng.LaunchTemplate; lt != nil {
		s.cloud.completeRef(lt)
		out.LaunchTemplate = &eksLaunchTemplate{Name: lt.Name, Version: lt.Version, ID: lt.ID}
	}
	return struct {
		Nodegroup eksNodegroup `json:"nodegroup"`
	}{out}, nil
}

// nonNilMap returns m, or an empty map so that JSON shows {} rather than null.
func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
