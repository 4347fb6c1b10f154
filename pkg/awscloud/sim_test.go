package awscloud_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

const region = "eu-west-1"

// sim is a simulated account with real SDK clients pointed at it.
type sim struct {
	cloud   *awssim.Cloud
	srv     *awssim.Server
	clients *awscloud.Clients
}

func newSim(tb testing.TB) *sim {
	tb.Helper()
	cloud := awssim.NewCloud(region)
	srv, err := awssim.Start(cloud)
	if err != nil {
		tb.Fatalf("start simulator: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	cfg := srv.AWSConfig()
	cfg.HTTPClient = ownBodyClient{awshttp.NewBuildableClient()}
	return &sim{cloud: cloud, srv: srv, clients: awscloud.NewClients(cfg)}
}

// ownBodyClient hands net/http a private copy of each request body. Against a loopback
// server the answer can arrive while the transport's writer still holds the SDK's body
// stream; the SDK then reuses that stream, the writer fails, closes the connection under the
// response, and the SDK retries: a second call the server counts. Tests assert exact call
// counts, so they take the retry out; it is harmless against AWS.
type ownBodyClient struct{ next *awshttp.BuildableClient }

func (c ownBodyClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return c.next.Do(r)
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func amiID(n int) string          { return fmt.Sprintf("ami-%017x", n) }
func instanceID(n int) string     { return fmt.Sprintf("i-%017x", n) }
func templateID(n int) string     { return fmt.Sprintf("lt-%017x", n) }
func ctx() context.Context        { return context.Background() }
func calls(s *sim) map[string]int { return s.srv.Calls() }

// addInstances adds n instances numbered from first into group ("" for none).
func (s *sim) addInstances(tb testing.TB, first, n int, group string, tags map[string]string) []string {
	tb.Helper()
	var ids []string
	for i := first; i < first+n; i++ {
		id := instanceID(i)
		must(tb, s.cloud.AddInstance(awssim.Instance{
			ID: id, ImageID: amiID(1), InstanceType: "m6g.large", Architecture: "arm64",
			Zone: region + "b", LaunchTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			AutoScalingGroup: group, Tags: tags,
		}))
		ids = append(ids, id)
	}
	return ids
}

func TestInstancesMissingIDsAbsent(t *testing.T) {
	s := newSim(t)
	ids := s.addInstances(t, 1, 1500, "", map[string]string{"eks:cluster-name": "prod"})
	ask := append([]string{instanceID(90001), "not-an-id"}, ids...)
	ask = append(ask, instanceID(90002))
	got, err := s.clients.Instances(ctx(), ask)
	if err != nil {
		t.Fatalf("Instances() error = %v", err)
	}
	if len(got) != 1500 {
		t.Errorf("got %d instances, want 1500", len(got))
	}
	for _, missing := range []string{instanceID(90001), instanceID(90002), "not-an-id"} {
		if _, ok := got[missing]; ok {
			t.Errorf("unknown ID %s present", missing)
		}
	}
	inst := got[instanceID(7)]
	if inst.Architecture != "arm64" || inst.ImageID != amiID(1) || inst.Zone != region+"b" || inst.State != "running" ||
		inst.InstanceType != "m6g.large" || !inst.LaunchTime.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("instance = %+v", inst)
	}
	if name := awscloud.ClusterName(got); name != "prod" {
		t.Errorf("ClusterName() = %q, want prod", name)
	}
	// Batch one (1,000 IDs incl. one unknown) fails once and is retried without it;
	// batch two (502 IDs incl. one unknown) likewise.
	if n := calls(s)["ec2:DescribeInstances"]; n != 4 {
		t.Errorf("DescribeInstances calls = %d, want 4", n)
	}
}

func TestAutoScalingGroupTargets(t *testing.T) {
	s := newSim(t)
	must(t, s.cloud.AddLaunchTemplate(awssim.LaunchTemplate{
		ID: templateID(1), Name: "workers", DefaultVersion: 2,
		Versions: []awssim.LaunchTemplateVersion{
			{Number: 1, ImageID: amiID(11)}, {Number: 2, ImageID: amiID(12)}, {Number: 3, ImageID: amiID(13)},
		},
	}))
	must(t, s.cloud.AddLaunchTemplate(awssim.LaunchTemplate{
		ID: templateID(2), Name: "spot", Versions: []awssim.LaunchTemplateVersion{{Number: 1, ImageID: amiID(21)}},
	}))
	must(t, s.cloud.AddLaunchConfiguration(awssim.LaunchConfiguration{Name: "legacy-lc", ImageID: amiID(31), InstanceType: "m5.large"}))
	ref := func(id, name, version string) *awssim.LaunchTemplateRef {
		return &awssim.LaunchTemplateRef{ID: id, Name: name, Version: version}
	}
	groups := []awssim.AutoScalingGroup{
		{Name: "latest", LaunchTemplate: ref(templateID(1), "", "$Latest")},
		{Name: "default", LaunchTemplate: ref(templateID(1), "", "$Default")},
		{Name: "pinned", LaunchTemplate: ref("", "workers", "1")},
		{Name: "implicit-default", LaunchTemplate: ref(templateID(1), "", "")},
		{Name: "lc", LaunchConfigurationName: "legacy-lc"},
		{Name: "mixed", MixedInstances: &awssim.MixedInstancesPolicy{
			LaunchTemplate: *ref(templateID(2), "", "$Latest"),
			Overrides: []awssim.Override{
				{InstanceType: "m5.large"},
				{InstanceType: "m6g.large", LaunchTemplate: ref(templateID(1), "", "$Latest")},
			},
		}},
		{Name: "bare"},
	}
	for _, g := range groups {
		g.MinSize, g.MaxSize, g.DesiredCapacity = 1, 5, 2
		g.Zones = []string{region + "a", region + "b"}
		g.Tags = map[string]string{"team": g.Name}
		must(t, s.cloud.AddAutoScalingGroup(g))
	}
	s.addInstances(t, 1, 2, "latest", nil)

	got, err := s.clients.AutoScalingGroups(ctx(), []string{"latest", "default", "pinned", "implicit-default", "lc", "mixed", "bare", "ghost", "latest"})
	if err != nil {
		t.Fatalf("AutoScalingGroups() error = %v", err)
	}
	tests := []struct {
		name, group, ami, source string
		version                  int64
	}{
		{"$Latest resolves to highest", "latest", amiID(13), "version $Latest (3)", 3},
		{"$Default resolves to default", "default", amiID(12), "version $Default (2)", 2},
		{"number by template name", "pinned", amiID(11), "launch template " + templateID(1) + " (workers) version 1", 1},
		{"empty version means $Default", "implicit-default", amiID(12), "version $Default (2)", 2},
		{"launch configuration", "lc", amiID(31), "launch configuration legacy-lc", 0},
		{"mixed instances notes overrides", "mixed", amiID(21), "mixed instances policy: launch template " + templateID(2) + " (spot) version $Latest (1); 1 override(s) carry their own launch template", 1},
		{"nothing to launch", "bare", "", "no launch template or launch configuration", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := got[tt.group]
			if !ok {
				t.Fatalf("group %s missing", tt.group)
			}
			if g.TargetAMI != tt.ami {
				t.Errorf("TargetAMI = %q, want %q (source %q)", g.TargetAMI, tt.ami, g.TargetSource)
			}
			if !strings.Contains(g.TargetSource, tt.source) {
				t.Errorf("TargetSource = %q, want it to contain %q", g.TargetSource, tt.source)
			}
			if tt.version != 0 && (g.LaunchTemplate == nil || g.LaunchTemplate.VersionNumber != tt.version) {
				t.Errorf("LaunchTemplate = %+v, want version %d", g.LaunchTemplate, tt.version)
			}
		})
	}
	if _, ok := got["ghost"]; ok {
		t.Errorf("unknown group present")
	}
	if g := got["latest"]; g.MinSize != 1 || g.MaxSize != 5 || g.DesiredCapacity != 2 || len(g.Zones) != 2 ||
		len(g.Instances) != 2 || g.Tags["team"] != "latest" || g.LaunchTemplate.Name != "workers" {
		t.Errorf("group latest = %+v", g)
	}
	c := calls(s)
	if c["ec2:DescribeLaunchTemplateVersions"] != 2 || c["autoscaling:DescribeAutoScalingGroups"] != 1 || c["autoscaling:DescribeLaunchConfigurations"] != 1 {
		t.Errorf("calls = %v, want one DescribeLaunchTemplateVersions per template (2), one group and one configuration call", c)
	}
}

func TestAutoScalingGroupsMissingTemplateVersion(t *testing.T) {
	s := newSim(t)
	must(t, s.cloud.AddLaunchTemplate(awssim.LaunchTemplate{
		ID: templateID(1), Name: "workers", Versions: []awssim.LaunchTemplateVersion{{Number: 1, ImageID: amiID(11)}},
	}))
	must(t, s.cloud.AddAutoScalingGroup(awssim.AutoScalingGroup{Name: "ok", MaxSize: 1, LaunchTemplate: &awssim.LaunchTemplateRef{ID: templateID(1), Version: "$Latest"}}))
	must(t, s.cloud.AddAutoScalingGroup(awssim.AutoScalingGroup{Name: "stale", MaxSize: 1, LaunchTemplate: &awssim.LaunchTemplateRef{ID: templateID(1), Version: "7"}}))
	got, err := s.clients.AutoScalingGroups(ctx(), []string{"ok", "stale"})
	if err != nil {
		t.Fatalf("AutoScalingGroups() error = %v", err)
	}
	if got["ok"].TargetAMI != amiID(11) {
		t.Errorf("ok: TargetAMI = %q (%s), want %s", got["ok"].TargetAMI, got["ok"].TargetSource, amiID(11))
	}
	if g := got["stale"]; g.TargetAMI != "" || !strings.Contains(g.TargetSource, "does not exist") {
		t.Errorf("stale: TargetAMI = %q, TargetSource = %q, want unresolved with a reason", g.TargetAMI, g.TargetSource)
	}
}

func TestAutoScalingPaging(t *testing.T) {
	s := newSim(t)
	var names []string
	for i := range 120 {
		lc := fmt.Sprintf("lc-%03d", i%60)
		if i < 60 {
			must(t, s.cloud.AddLaunchConfiguration(awssim.LaunchConfiguration{Name: lc, ImageID: amiID(100 + i)}))
		}
		name := fmt.Sprintf("group-%03d", i)
		must(t, s.cloud.AddAutoScalingGroup(awssim.AutoScalingGroup{Name: name, MaxSize: 3, LaunchConfigurationName: lc}))
		names = append(names, name)
	}
	got, err := s.clients.AutoScalingGroups(ctx(), names)
	if err != nil {
		t.Fatalf("AutoScalingGroups() error = %v", err)
	}
	if len(got) != 120 {
		t.Fatalf("got %d groups, want 120", len(got))
	}
	if g := got["group-061"]; g.TargetAMI != amiID(101) {
		t.Errorf("group-061 TargetAMI = %q, want %q", g.TargetAMI, amiID(101))
	}
	c := calls(s)
	if c["autoscaling:DescribeAutoScalingGroups"] != 3 || c["autoscaling:DescribeLaunchConfigurations"] != 2 {
		t.Errorf("calls = %v, want 3 group calls (50+50+20 names) and 2 configuration calls (50+10)", c)
	}
}

func TestImages(t *testing.T) {
	s := newSim(t)
	var ids []string
	for i := range 450 {
		arch := "x86_64"
		if i%2 == 1 {
			arch = "arm64"
		}
		must(t, s.cloud.AddImage(awssim.Image{ID: amiID(i + 1), Name: fmt.Sprintf("img-%d", i), Architecture: arch,
			CreationDate: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}))
		ids = append(ids, amiID(i+1))
	}
	got, err := s.clients.Images(ctx(), append(ids, amiID(99999)))
	if err != nil {
		t.Fatalf("Images() error = %v", err)
	}
	if len(got) != 450 {
		t.Errorf("got %d images, want 450", len(got))
	}
	if _, ok := got[amiID(99999)]; ok {
		t.Errorf("unknown image present")
	}
	if img := got[amiID(2)]; img.Architecture != "arm64" || img.State != "available" || img.Name != "img-1" ||
		!img.Created.Equal(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Errorf("image = %+v", img)
	}
	if img := got[amiID(1)]; img.Architecture != "amd64" {
		t.Errorf("x86_64 image architecture = %q, want amd64", img.Architecture)
	}
	if n := calls(s)["ec2:DescribeImages"]; n != 3 {
		t.Errorf("DescribeImages calls = %d, want 3 (200+200+51 filter values)", n)
	}

	s.srv.ResetCalls()
	if _, err := s.clients.Images(ctx(), []string{amiID(1), "ami-nope"}); err == nil || !strings.Contains(err.Error(), `"ami-nope"`) {
		t.Errorf("Images(malformed) error = %v, want one naming the ID", err)
	}
	if n := s.srv.TotalCalls(); n != 0 {
		t.Errorf("malformed ID caused %d calls, want 0", n)
	}
}

func TestNodegroupsNamed(t *testing.T) {
	s := newSim(t)
	must(t, s.cloud.AddCluster(awssim.EKSCluster{Name: "prod", Version: "1.36"}))
	must(t, s.cloud.AddLaunchTemplate(awssim.LaunchTemplate{ID: templateID(5), Name: "custom",
		Versions: []awssim.LaunchTemplateVersion{{Number: 1, ImageID: amiID(51)}, {Number: 2, ImageID: amiID(52)}}}))
	for i := range 150 {
		must(t, s.cloud.AddNodegroup(awssim.Nodegroup{
			Cluster: "prod", Name: fmt.Sprintf("ng-%03d", i), ReleaseVersion: "1.36.0-20260101",
			MinSize: 1, MaxSize: 4, DesiredSize: 2, AutoScalingGroups: []string{fmt.Sprintf("eks-ng-%03d", i)},
			Labels: map[string]string{"pool": "general"},
		}))
	}
	must(t, s.cloud.AddNodegroup(awssim.Nodegroup{
		Cluster: "prod", Name: "custom", AMIType: "CUSTOM", MaxSize: 3,
		LaunchTemplate: &awssim.LaunchTemplateRef{ID: templateID(5), Version: "2"},
	}))
	names := []string{"custom", "gone", "custom"}
	for i := range 150 {
		names = append(names, fmt.Sprintf("ng-%03d", i))
	}
	got, err := s.clients.NodegroupsNamed(ctx(), "prod", names)
	if err != nil {
		t.Fatalf("NodegroupsNamed() error = %v", err)
	}
	if _, ok := got["gone"]; ok || len(got) != 151 {
		t.Fatalf("got %d node groups, want 151 without the one that does not exist", len(got))
	}
	ng := got["ng-007"]
	if ng.Cluster != "prod" || ng.Version != "1.36" || ng.ReleaseVersion != "1.36.0-20260101" || ng.AMIType != "AL2023_x86_64_STANDARD" ||
		ng.Status != "ACTIVE" || ng.MinSize != 1 || ng.MaxSize != 4 || ng.DesiredSize != 2 ||
		len(ng.AutoScalingGroups) != 1 || ng.AutoScalingGroups[0] != "eks-ng-007" || ng.Labels["pool"] != "general" {
		t.Errorf("node group = %+v", ng)
	}
	if c := got["custom"]; c.TargetAMI != amiID(52) || c.LaunchTemplate == nil || c.LaunchTemplate.VersionNumber != 2 {
		t.Errorf("custom node group = %+v, want image %s from its launch template", c, amiID(52))
	}
	if c := calls(s); c["eks:ListNodegroups"] != 0 || c["eks:DescribeNodegroup"] != 152 || c["ec2:DescribeLaunchTemplateVersions"] != 1 {
		t.Errorf("calls = %v, want no list, 152 describes (each name once), 1 template call", c)
	}
}

func TestLatestImages(t *testing.T) {
	s := newSim(t)
	var queries []awscloud.ImageQuery
	for minor := 25; minor <= 36; minor++ {
		q := awscloud.ImageQuery{KubernetesMinor: fmt.Sprintf("1.%d", minor), Architecture: "amd64", OS: awscloud.OSAL2023}
		must(t, s.cloud.SetParameter(awscloud.ParameterName(q), amiID(minor)))
		queries = append(queries, q)
	}
	br := awscloud.ImageQuery{KubernetesMinor: "1.36", Architecture: "arm64", OS: awscloud.OSBottlerocket}
	must(t, s.cloud.SetParameter(awscloud.ParameterName(br), amiID(777)))
	queries = append(queries, br, queries[0])

	got, err := s.clients.LatestImages(ctx(), queries)
	if err != nil {
		t.Fatalf("LatestImages() error = %v", err)
	}
	if len(got) != 13 || got[queries[3]] != amiID(28) || got[br] != amiID(777) {
		t.Errorf("LatestImages() = %v", got)
	}
	if n := calls(s)["ssm:GetParameters"]; n != 2 {
		t.Errorf("GetParameters calls = %d, want 2 (10+3 names)", n)
	}

	missing := awscloud.ImageQuery{KubernetesMinor: "1.99", Architecture: "arm64", OS: awscloud.OSAL2}
	_, err = s.clients.LatestImages(ctx(), []awscloud.ImageQuery{br, missing})
	want := "/aws/service/eks/optimized-ami/1.99/amazon-linux-2-arm64/recommended/image_id does not exist"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "AL2 arm64 for Kubernetes 1.99") {
		t.Errorf("LatestImages(missing) error = %v, want it to name %s and what it stands for", err, want)
	}
}

func TestAccessDeniedIsExplained(t *testing.T) {
	s := newSim(t)
	s.srv.InjectFault("ec2:DescribeInstances", awssim.Fault{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation.", Status: 403})
	_, err := s.clients.Instances(ctx(), []string{instanceID(1)})
	if err == nil || !strings.Contains(err.Error(), "not allowed to call ec2:DescribeInstances") {
		t.Errorf("Instances() error = %v, want the missing action named", err)
	}
}

// discover5000 is the discovery of a 5,000-node cluster in 10 Auto Scaling groups that use
// two launch templates.
func discover5000(tb testing.TB, s *sim, ids, groups []string) {
	instances, err := s.clients.Instances(ctx(), ids)
	if err != nil || len(instances) != 5000 {
		tb.Fatalf("Instances() = %d instances, %v", len(instances), err)
	}
	got, err := s.clients.AutoScalingGroups(ctx(), groups)
	if err != nil || len(got) != 10 || got["group-9"].TargetAMI == "" {
		tb.Fatalf("AutoScalingGroups() = %v, %v", got, err)
	}
}

func setup5000(tb testing.TB) (*sim, []string, []string) {
	s := newSim(tb)
	for t := 1; t <= 2; t++ {
		must(tb, s.cloud.AddLaunchTemplate(awssim.LaunchTemplate{ID: templateID(t), Name: fmt.Sprintf("lt-%d", t),
			Versions: []awssim.LaunchTemplateVersion{{Number: 1, ImageID: amiID(1)}, {Number: 2, ImageID: amiID(2)}}}))
	}
	var ids, groups []string
	for g := range 10 {
		name := fmt.Sprintf("group-%d", g)
		version := []string{"$Latest", "$Default", "1"}[g%3]
		must(tb, s.cloud.AddAutoScalingGroup(awssim.AutoScalingGroup{Name: name, MaxSize: 600, DesiredCapacity: 500,
			LaunchTemplate: &awssim.LaunchTemplateRef{ID: templateID(1 + g%2), Version: version}}))
		ids = append(ids, s.addInstances(tb, g*500, 500, name, nil)...)
		groups = append(groups, name)
	}
	s.srv.ResetCalls()
	return s, ids, groups
}

func TestDiscover5000InstancesInBoundedCalls(t *testing.T) {
	s, ids, groups := setup5000(t)
	discover5000(t, s, ids, groups)
	c := calls(s)
	if c["ec2:DescribeInstances"] != 5 || c["autoscaling:DescribeAutoScalingGroups"] != 1 || c["ec2:DescribeLaunchTemplateVersions"] != 2 || s.srv.TotalCalls() != 8 {
		t.Errorf("calls = %v (total %d), want 5 DescribeInstances, 1 DescribeAutoScalingGroups, 2 DescribeLaunchTemplateVersions", c, s.srv.TotalCalls())
	}
}

func BenchmarkDiscover5000Instances(b *testing.B) {
	s, ids, groups := setup5000(b)
	b.ResetTimer()
	for b.Loop() {
		discover5000(b, s, ids, groups)
	}
	b.ReportMetric(float64(s.srv.TotalCalls())/float64(b.N), "calls/op")
}
