// Package discover gathers the facts a rotation plan is computed from: it joins the cluster's
// nodes with their EC2 instances, classifies each node, and describes the node groups, their
// target images and the images the nodes run. It only reads.
package discover

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/kube"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// Cloud is the read-only AWS side discovery needs; *awscloud.Clients implements it.
type Cloud interface {
	Instances(ctx context.Context, ids []string) (map[string]awscloud.Instance, error)
	AutoScalingGroups(ctx context.Context, names []string) (map[string]awscloud.AutoScalingGroup, error)
	NodegroupsNamed(ctx context.Context, cluster string, names []string) (map[string]awscloud.Nodegroup, error)
	Images(ctx context.Context, ids []string) (map[string]awscloud.Image, error)
	LatestImages(ctx context.Context, queries []awscloud.ImageQuery) (map[awscloud.ImageQuery]string, error)
}

var _ Cloud = (*awscloud.Clients)(nil)

// ClusterReader reads the Kubernetes side; kube.Reader implements it.
type ClusterReader interface {
	Read(ctx context.Context) (*kube.Cluster, error)
}

var _ ClusterReader = kube.Reader{}

// Options tune one discovery.
type Options struct {
	// ClusterName is the EKS cluster name used to describe managed node groups; when empty it
	// is read from the instances' tags.
	ClusterName string
	// Images are extra images to describe, such as an explicit --ami.
	Images []string
	// Now stamps the facts.
	Now time.Time
}

// Discoverer joins what Kubernetes and AWS know about the cluster's nodes.
type Discoverer struct {
	Cluster ClusterReader
	Cloud   Cloud
}

// Discover gathers the facts of every node, group, PDB and image.
func (d Discoverer) Discover(ctx context.Context, opts Options) (*plan.Facts, error) {
	c, err := d.Cluster.Read(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range c.Nodes {
		if _, id, ok := kube.ParseProviderID(c.ProviderIDs[n.Name]); ok {
			ids = append(ids, id)
		}
	}
	instances, err := d.Cloud.Instances(ctx, ids)
	if err != nil {
		return nil, err
	}
	facts := &plan.Facts{Now: opts.Now, Nodes: c.Nodes, PDBs: c.PDBs}
	asgNames := map[string]bool{}
	for i := range facts.Nodes {
		n := &facts.Nodes[i]
		classify(n, c.ProviderIDs[n.Name], instances)
		if n.Kind != plan.KindUnmanaged && n.Kind != plan.KindKarpenter {
			asgNames[instances[n.InstanceID].AutoScalingGroup] = true
		}
	}
	groups, err := d.Cloud.AutoScalingGroups(ctx, sortedKeys(asgNames))
	if err != nil {
		return nil, err
	}
	nodegroups, err := d.nodegroups(ctx, facts.Nodes, instances, opts.ClusterName)
	if err != nil {
		return nil, err
	}
	facts.Groups = buildGroups(facts.Nodes, instances, groups, nodegroups)
	images, err := d.describeImages(ctx, facts, opts.Images)
	if err != nil {
		return nil, err
	}
	facts.Images = images
	return facts, nil
}

// nodegroups describes the EKS managed node groups when some node belongs to one.
func (d Discoverer) nodegroups(ctx context.Context, nodes []plan.NodeFacts, instances map[string]awscloud.Instance, cluster string) (map[string]awscloud.Nodegroup, error) {
	names := map[string]bool{}
	for _, n := range nodes {
		if n.Kind == plan.KindEKSManaged {
			names[n.Group] = true
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	if cluster == "" {
		cluster = awscloud.ClusterName(instances)
	}
	if cluster == "" {
		return nil, nil
	}
	ngs, err := d.Cloud.NodegroupsNamed(ctx, cluster, sortedKeys(names))
	if err != nil {
		return nil, fmt.Errorf("describe node groups of EKS cluster %s: %w", cluster, err)
	}
	return ngs, nil
}

// buildGroups derives one GroupFacts per node group from its Auto Scaling group and, for
// EKS managed node groups, the node group's release. A node whose Auto Scaling group could
// not be described becomes unmanaged.
func buildGroups(nodes []plan.NodeFacts, instances map[string]awscloud.Instance, asgs map[string]awscloud.AutoScalingGroup, nodegroups map[string]awscloud.Nodegroup) []plan.GroupFacts {
	byName := map[string]*plan.GroupFacts{}
	var order []string
	for i := range nodes {
		n := &nodes[i]
		if n.Kind == plan.KindUnmanaged {
			continue
		}
		g, seen := byName[n.Group]
		if !seen {
			g = &plan.GroupFacts{Name: n.Group, Kind: n.Kind}
			if n.Kind != plan.KindKarpenter {
				asgName := instances[n.InstanceID].AutoScalingGroup
				asg, ok := asgs[asgName]
				if !ok {
					n.Kind, n.Group = plan.KindUnmanaged, ""
					n.UnmanagedReason = fmt.Sprintf("Auto Scaling group %s was not found", asgName)
					continue
				}
				fillFromASG(g, asg)
				if ng, ok := nodegroups[n.Group]; ok && n.Kind == plan.KindEKSManaged {
					fillFromNodegroup(g, ng)
				}
			}
			byName[n.Group] = g
			order = append(order, n.Group)
		}
		if n.Kind == plan.KindKarpenter {
			g.DesiredCapacity++
			if n.Zone != "" && !slices.Contains(g.Zones, n.Zone) {
				g.Zones = append(g.Zones, n.Zone)
			}
		}
	}
	sort.Strings(order)
	out := make([]plan.GroupFacts, 0, len(order))
	for _, name := range order {
		sort.Strings(byName[name].Zones)
		out = append(out, *byName[name])
	}
	return out
}

func fillFromASG(g *plan.GroupFacts, asg awscloud.AutoScalingGroup) {
	g.AutoScalingGroup = asg.Name
	g.MinSize, g.MaxSize, g.DesiredCapacity = asg.MinSize, asg.MaxSize, asg.DesiredCapacity
	g.TargetAMI, g.TargetSource = asg.TargetAMI, asg.TargetSource
	g.Zones = append([]string(nil), asg.Zones...)
}

// fillFromNodegroup prefers what EKS says of a managed node group: a CUSTOM group's image
// comes from the node group's own launch template, and its release is named.
func fillFromNodegroup(g *plan.GroupFacts, ng awscloud.Nodegroup) {
	if ng.TargetAMI != "" {
		g.TargetAMI = ng.TargetAMI
		g.TargetSource = fmt.Sprintf("node group %s launch template", ng.Name)
		return
	}
	g.TargetSource = fmt.Sprintf("node group release %s, %s", ng.ReleaseVersion, g.TargetSource)
}

// describeImages describes every image a node runs, every group targets and every extra one.
func (d Discoverer) describeImages(ctx context.Context, f *plan.Facts, extra []string) (map[string]plan.ImageFacts, error) {
	want := map[string]bool{}
	for _, n := range f.Nodes {
		if n.CurrentAMI != "" {
			want[n.CurrentAMI] = true
		}
	}
	for _, g := range f.Groups {
		if g.TargetAMI != "" {
			want[g.TargetAMI] = true
		}
	}
	for _, id := range extra {
		want[id] = true
	}
	return d.images(ctx, sortedKeys(want))
}

func (d Discoverer) images(ctx context.Context, ids []string) (map[string]plan.ImageFacts, error) {
	out := map[string]plan.ImageFacts{}
	if len(ids) == 0 {
		return out, nil
	}
	described, err := d.Cloud.Images(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, img := range described {
		out[id] = plan.ImageFacts{ID: img.ID, Name: img.Name, State: img.State, Architecture: img.Architecture, Created: img.Created}
	}
	return out, nil
}

// LatestTargets resolves, for every managed node, the newest EKS-optimized image for its
// Kubernetes minor version, architecture and OS family, and adds those images to f.Images.
func (d Discoverer) LatestTargets(ctx context.Context, f *plan.Facts) (map[string]string, error) {
	queries := map[string]awscloud.ImageQuery{}
	unique := map[awscloud.ImageQuery]bool{}
	for _, n := range f.Nodes {
		if n.Kind == plan.KindUnmanaged {
			continue
		}
		q, err := imageQuery(n)
		if err != nil {
			return nil, err
		}
		queries[n.Name] = q
		unique[q] = true
	}
	list := make([]awscloud.ImageQuery, 0, len(unique))
	for q := range unique {
		list = append(list, q)
	}
	sort.Slice(list, func(i, j int) bool { return awscloud.ParameterName(list[i]) < awscloud.ParameterName(list[j]) })
	resolved, err := d.Cloud.LatestImages(ctx, list)
	if err != nil {
		return nil, err
	}
	perNode := make(map[string]string, len(queries))
	var missing []string
	for node, q := range queries {
		perNode[node] = resolved[q]
		if _, ok := f.Images[resolved[q]]; !ok && resolved[q] != "" {
			missing = append(missing, resolved[q])
		}
	}
	extra, err := d.images(ctx, uniqueSorted(missing))
	if err != nil {
		return nil, err
	}
	if f.Images == nil {
		f.Images = map[string]plan.ImageFacts{}
	}
	for id, img := range extra {
		f.Images[id] = img
	}
	return perNode, nil
}

func imageQuery(n plan.NodeFacts) (awscloud.ImageQuery, error) {
	minor, err := kubernetesMinor(n.KubeletVersion)
	if err != nil {
		return awscloud.ImageQuery{}, fmt.Errorf("node %s: %w", n.Name, err)
	}
	family, err := awscloud.OSFamilyOf(n.OSImage)
	if err != nil {
		return awscloud.ImageQuery{}, fmt.Errorf("node %s runs %q, which has no EKS-optimized image to look up; pass --ami ami-... instead of --ami latest: %w", n.Name, n.OSImage, err)
	}
	return awscloud.ImageQuery{KubernetesMinor: minor, Architecture: n.Architecture, OS: family}, nil
}

// kubernetesMinor turns a kubelet version such as v1.36.2-eks-1234 into 1.36.
func kubernetesMinor(v string) (string, error) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", fmt.Errorf("kubelet version %q is not of the form v1.N.P", v)
	}
	return parts[0] + "." + parts[1], nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func uniqueSorted(values []string) []string {
	set := map[string]bool{}
	for _, v := range values {
		set[v] = true
	}
	return sortedKeys(set)
}
