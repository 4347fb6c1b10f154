package awssim

import (
	"slices"
	"strings"
	"time"
)

// EKSCluster is an Amazon EKS cluster.
type EKSCluster struct {
	Name            string
	Version         string // Kubernetes minor version, e.g. "1.36"
	Status          string // "ACTIVE" when empty
	PlatformVersion string // "eks.1" when empty
	Endpoint        string // derived from the name when empty
	CreatedAt       time.Time
	Tags            map[string]string
}

// Nodegroup is an EKS managed node group. Its instances live in the Auto
// Scaling groups it names.
type Nodegroup struct {
	Cluster           string
	Name              string
	Version           string // the cluster's version when empty
	ReleaseVersion    string // e.g. "1.36.0-20261101"
	AMIType           string // "AL2023_x86_64_STANDARD" when empty
	CapacityType      string // "ON_DEMAND" when empty
	Status            string // "ACTIVE" when empty
	MinSize           int
	MaxSize           int
	DesiredSize       int
	InstanceTypes     []string
	Subnets           []string
	LaunchTemplate    *LaunchTemplateRef
	AutoScalingGroups []string
	NodeRole          string
	Labels            map[string]string
	Tags              map[string]string
	CreatedAt         time.Time
}

// Parameter is an SSM Parameter Store parameter of type String.
type Parameter struct {
	Name         string
	Value        string
	Version      int64
	LastModified time.Time
}

// AddCluster adds an EKS cluster, replacing any cluster with the same name.
func (c *Cloud) AddCluster(cl EKSCluster) error {
	if cl.Name == "" || len(cl.Name) > 100 {
		return invalidf("cluster name %q must have 1 to 100 characters", cl.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl.Status == "" {
		cl.Status = "ACTIVE"
	}
	if cl.PlatformVersion == "" {
		cl.PlatformVersion = "eks.1"
	}
	if cl.Endpoint == "" {
		host := strings.ToUpper(strings.ReplaceAll(stableUUID("eks/"+cl.Name), "-", ""))
		cl.Endpoint = "https://" + host + ".gr7." + c.region + ".eks.amazonaws.com"
	}
	cl.CreatedAt = c.stampLocked(cl.CreatedAt)
	cl.Tags = cloneTags(cl.Tags)
	c.clusters[cl.Name] = cl
	c.clusterNames.insert(cl.Name)
	return nil
}

// Cluster returns a copy of the EKS cluster with the given name.
func (c *Cloud) Cluster(name string) (EKSCluster, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cl, ok := c.clusters[name]
	cl.Tags = cloneTags(cl.Tags)
	return cl, ok
}

// clusterARN returns the ARN of a cluster.
func (c *Cloud) clusterARN(name string) string { return c.arn("eks", "cluster/"+name) }

// nodegroupARN returns the ARN of a node group, stable for a given name.
func (c *Cloud) nodegroupARN(cluster, name string) string {
	return c.arn("eks", "nodegroup/"+cluster+"/"+name+"/"+stableUUID("ng/"+cluster+"/"+name))
}

// clusterNamesPage returns one page of cluster names in order; see pageOf.
func (c *Cloud) clusterNamesPage(after string, limit int) ([]string, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	same := func(s string) string { return s }
	return pageOf(c.clusterNames, same, after, limit, nil, same)
}

// AddNodegroup adds a managed node group, replacing any node group with the
// same cluster and name. The cluster may be added before or after.
func (c *Cloud) AddNodegroup(ng Nodegroup) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.putNodegroupLocked(cloneNodegroup(ng))
}

// putNodegroupLocked validates ng, fills in its defaults and stores it.
func (c *Cloud) putNodegroupLocked(ng Nodegroup) error {
	if ng.Cluster == "" || ng.Name == "" {
		return invalidf("node group %q of cluster %q: both names are required", ng.Name, ng.Cluster)
	}
	if ng.MinSize < 0 || ng.MinSize > ng.MaxSize || ng.DesiredSize < ng.MinSize || ng.DesiredSize > ng.MaxSize {
		return invalidf("node group %s: need 0 <= MinSize (%d) <= DesiredSize (%d) <= MaxSize (%d)",
			ng.Name, ng.MinSize, ng.DesiredSize, ng.MaxSize)
	}
	if ng.Version == "" {
		ng.Version = c.clusters[ng.Cluster].Version
	}
	if ng.AMIType == "" {
		ng.AMIType = "AL2023_x86_64_STANDARD"
	}
	if ng.CapacityType == "" {
		ng.CapacityType = "ON_DEMAND"
	}
	if ng.Status == "" {
		ng.Status = "ACTIVE"
	}
	if ng.LaunchTemplate != nil && ng.LaunchTemplate.Version == "" {
		ng.LaunchTemplate.Version = "$Default"
	}
	ng.CreatedAt = c.stampLocked(ng.CreatedAt)
	if c.nodegroups[ng.Cluster] == nil {
		c.nodegroups[ng.Cluster] = map[string]Nodegroup{}
	}
	c.nodegroups[ng.Cluster][ng.Name] = ng
	return nil
}

// Nodegroup returns a copy of the node group of cluster with the given name.
func (c *Cloud) Nodegroup(cluster, name string) (Nodegroup, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ng, ok := c.nodegroups[cluster][name]
	return cloneNodegroup(ng), ok
}

// UpdateNodegroup applies fn to a copy of the node group and stores the
// result if it is still valid; the cluster and name cannot change.
func (c *Cloud) UpdateNodegroup(cluster, name string, fn func(*Nodegroup)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.nodegroups[cluster][name]
	if !ok {
		return notFoundf("node group %s of cluster %s", name, cluster)
	}
	ng := cloneNodegroup(old)
	fn(&ng)
	if ng.Cluster != cluster || ng.Name != name {
		return invalidf("node group %s/%s: the cluster and name cannot change", cluster, name)
	}
	return c.putNodegroupLocked(ng)
}

// nodegroupNames returns the names of the node groups of a cluster in order,
// and whether the cluster exists.
func (c *Cloud) nodegroupNames(cluster string) ([]string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, ok := c.clusters[cluster]; !ok {
		return nil, false
	}
	names := make([]string, 0, len(c.nodegroups[cluster]))
	for name := range c.nodegroups[cluster] {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, true
}

// SetParameter creates a String parameter or gives an existing one a new
// value, bumping its version as Parameter Store does.
func (c *Cloud) SetParameter(name, value string) error {
	if name == "" || len(name) > 2048 {
		return invalidf("parameter name %q must have 1 to 2048 characters", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.params[name]
	p.Name, p.Value = name, value
	p.Version++
	p.LastModified = c.stampLocked(time.Time{})
	c.params[name] = p
	return nil
}

// Parameter returns the parameter with the given name.
func (c *Cloud) Parameter(name string) (Parameter, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.params[name]
	return p, ok
}

// parameterARN returns the ARN of a parameter. Public parameters under
// /aws/service/ belong to no account, as in AWS.
func (c *Cloud) parameterARN(name string) string {
	account := c.accountID
	if strings.HasPrefix(name, "/aws/") {
		account = ""
	}
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return "arn:aws:ssm:" + c.region + ":" + account + ":parameter" + name
}

func cloneNodegroup(ng Nodegroup) Nodegroup {
	ng.InstanceTypes = slices.Clone(ng.InstanceTypes)
	ng.Subnets = slices.Clone(ng.Subnets)
	ng.AutoScalingGroups = slices.Clone(ng.AutoScalingGroups)
	ng.LaunchTemplate = cloneRef(ng.LaunchTemplate)
	ng.Labels = cloneTags(ng.Labels)
	ng.Tags = cloneTags(ng.Tags)
	return ng
}
