package awssim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// instanceCloud returns a cloud with n running instances i-...1 to i-...n,
// every third one stopped, the even ones tagged team=blue and the odd ones
// team=red.
func instanceCloud(t *testing.T, n int) *Cloud {
	t.Helper()
	c := newTestCloud()
	for i := 1; i <= n; i++ {
		state := StateRunning
		if i%3 == 0 {
			state = StateStopped
		}
		team := "red"
		if i%2 == 0 {
			team = "blue"
		}
		must(t, c.AddInstance(Instance{
			ID:      instanceID(i),
			ImageID: imageID(1),
			State:   state,
			Zone:    fmt.Sprintf("us-east-1%c", 'a'+rune(i%3)),
			Tags:    map[string]string{"team": team, "Name": fmt.Sprintf("node-%d", i)},
		}))
	}
	return c
}

// instanceIDsOf flattens the reservations of an answer.
func instanceIDsOf(reservations []ec2types.Reservation) []string {
	var ids []string
	for _, r := range reservations {
		for _, inst := range r.Instances {
			ids = append(ids, aws.ToString(inst.InstanceId))
		}
	}
	return ids
}

func TestDescribeInstancesPaginatorPages(t *testing.T) {
	srv := startServer(t, instanceCloud(t, 12))
	client := ec2.NewFromConfig(srv.AWSConfig())
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	var sizes []int
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.Reservations))
		ids = append(ids, instanceIDsOf(out.Reservations)...)
	}
	if want := []int{5, 5, 2}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes = %v, want %v", sizes, want)
	}
	var want []string
	for i := 1; i <= 12; i++ {
		want = append(want, instanceID(i))
	}
	if !slices.Equal(ids, want) {
		t.Errorf("instances = %v, want %v in ID order", ids, want)
	}
	if got := srv.Calls()["ec2:DescribeInstances"]; got != 3 {
		t.Errorf("DescribeInstances calls = %d, want 3", got)
	}
}

func TestDescribeInstancesShape(t *testing.T) {
	c := newTestCloud()
	must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: "workers", MinSize: 1, MaxSize: 3, DesiredCapacity: 1}))
	launched := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	must(t, c.AddInstance(Instance{
		ID: instanceID(7), ImageID: imageID(3), InstanceType: "c6g.large", Architecture: "arm64",
		Zone: "us-east-1b", State: StateRunning, LaunchTime: launched, PrivateIP: "10.1.2.3",
		SubnetID: "subnet-1", VPCID: "vpc-1", AutoScalingGroup: "workers",
	}))
	srv := startServer(t, c)
	out, err := ec2.NewFromConfig(srv.AWSConfig()).DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{
		InstanceIds: []string{instanceID(7)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("reservations = %+v, want one with one instance", out.Reservations)
	}
	r := out.Reservations[0]
	if aws.ToString(r.ReservationId) != "r-00000000000000007" || aws.ToString(r.OwnerId) != DefaultAccountID {
		t.Errorf("reservation = %s owned by %s", aws.ToString(r.ReservationId), aws.ToString(r.OwnerId))
	}
	inst := r.Instances[0]
	checks := []struct {
		name      string
		got, want string
	}{
		{name: "image", got: aws.ToString(inst.ImageId), want: imageID(3)},
		{name: "type", got: string(inst.InstanceType), want: "c6g.large"},
		{name: "architecture", got: string(inst.Architecture), want: "arm64"},
		{name: "zone", got: aws.ToString(inst.Placement.AvailabilityZone), want: "us-east-1b"},
		{name: "state", got: string(inst.State.Name), want: "running"},
		{name: "state code", got: fmt.Sprint(aws.ToInt32(inst.State.Code)), want: "16"},
		{name: "private DNS", got: aws.ToString(inst.PrivateDnsName), want: "ip-10-1-2-3.ec2.internal"},
		{name: "private IP", got: aws.ToString(inst.PrivateIpAddress), want: "10.1.2.3"},
		{name: "subnet", got: aws.ToString(inst.SubnetId), want: "subnet-1"},
		{name: "launch time", got: aws.ToTime(inst.LaunchTime).String(), want: launched.String()},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	tags := map[string]string{}
	for _, tag := range inst.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if tags[GroupNameTag] != "workers" {
		t.Errorf("tags = %v, want %s=workers", tags, GroupNameTag)
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	srv := startServer(t, instanceCloud(t, 12))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name    string
		filters []ec2types.Filter
		ids     []string
		want    []int
	}{
		{name: "state", filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"stopped"}}}, want: []int{3, 6, 9, 12}},
		{name: "tag value", filters: []ec2types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}}, want: []int{2, 4, 6, 8, 10, 12}},
		{name: "filters are ANDed", filters: []ec2types.Filter{
			{Name: aws.String("tag:team"), Values: []string{"blue"}},
			{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		}, want: []int{2, 4, 8, 10}},
		{name: "values are ORed", filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"node-1", "node-5"}}}, want: []int{1, 5}},
		{name: "wildcards", filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"node-1?"}}}, want: []int{10, 11, 12}},
		{name: "tag key", filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{"team"}}}, want: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{name: "missing tag key", filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{"owner"}}}, want: nil},
		{name: "instance-id filter on an unknown ID matches nothing", filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{instanceID(99), instanceID(4)}}}, want: []int{4}},
		{name: "zone", filters: []ec2types.Filter{{Name: aws.String("availability-zone"), Values: []string{"us-east-1a"}}}, want: []int{3, 6, 9, 12}},
		{name: "IDs and filters", ids: []string{instanceID(1), instanceID(2), instanceID(3)},
			filters: []ec2types.Filter{{Name: aws.String("tag:team"), Values: []string{"red"}}}, want: []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{Filters: tt.filters, InstanceIds: tt.ids})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range tt.want {
				want = append(want, instanceID(n))
			}
			if got := instanceIDsOf(out.Reservations); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestDescribeInstancesErrors(t *testing.T) {
	srv := startServer(t, instanceCloud(t, 3))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name  string
		input ec2.DescribeInstancesInput
		code  string
	}{
		{name: "unknown ID fails the whole call", input: ec2.DescribeInstancesInput{InstanceIds: []string{instanceID(1), instanceID(99)}}, code: "InvalidInstanceID.NotFound"},
		{name: "malformed ID", input: ec2.DescribeInstancesInput{InstanceIds: []string{"i-nothex"}}, code: "InvalidInstanceID.Malformed"},
		{name: "MaxResults with IDs", input: ec2.DescribeInstancesInput{InstanceIds: []string{instanceID(1)}, MaxResults: aws.Int32(5)}, code: "InvalidParameterCombination"},
		{name: "MaxResults below 5", input: ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, code: "InvalidParameterValue"},
		{name: "MaxResults above 1000", input: ec2.DescribeInstancesInput{MaxResults: aws.Int32(1001)}, code: "InvalidParameterValue"},
		{name: "unknown filter", input: ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("flavour"), Values: []string{"x"}}}}, code: "InvalidParameterValue"},
		{name: "foreign token", input: ec2.DescribeInstancesInput{NextToken: aws.String("not-a-token")}, code: "InvalidPaginationToken"},
		{name: "dry run", input: ec2.DescribeInstancesInput{DryRun: aws.Bool(true)}, code: "DryRunOperation"},
		{name: "token of another call", input: ec2.DescribeInstancesInput{NextToken: aws.String(encodeToken("DescribeImages", imageID(1)))}, code: "InvalidPaginationToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.DescribeInstances(ctx(t), &tt.input)
			wantCode(t, err, tt.code)
		})
	}
}

func TestDescribeInstancesAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 5,000 instances")
	}
	const n = 5000
	c := newTestCloud()
	for g := 0; g < 10; g++ {
		must(t, c.AddAutoScalingGroup(AutoScalingGroup{Name: fmt.Sprintf("group-%d", g), MaxSize: 600, DesiredCapacity: 500}))
	}
	for i := 1; i <= n; i++ {
		must(t, c.AddInstance(Instance{ID: instanceID(i), ImageID: imageID(1), AutoScalingGroup: fmt.Sprintf("group-%d", i%10)}))
	}
	srv := startServer(t, c)
	client := ec2.NewFromConfig(srv.AWSConfig())

	var ids []string
	for i := n; i > n-1000; i-- {
		ids = append(ids, instanceID(i))
	}
	start := time.Now()
	out, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(instanceIDsOf(out.Reservations)); got != 1000 {
		t.Fatalf("got %d instances, want 1000", got)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("describing 1,000 of 5,000 instances took %v", elapsed)
	}

	total := 0
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		total += len(page.Reservations)
	}
	if total != n {
		t.Errorf("paginated %d instances, want %d", total, n)
	}
}

func BenchmarkDescribeInstances1000IDs(b *testing.B) {
	c := NewCloud(testRegion)
	for i := 1; i <= 5000; i++ {
		if err := c.AddInstance(Instance{ID: instanceID(i)}); err != nil {
			b.Fatal(err)
		}
	}
	srv, err := Start(c)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	client := ec2.NewFromConfig(srv.AWSConfig())
	var ids []string
	for i := 1; i <= 1000; i++ {
		ids = append(ids, instanceID(i*5))
	}
	for b.Loop() {
		if _, err := client.DescribeInstances(b.Context(), &ec2.DescribeInstancesInput{InstanceIds: ids}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDescribeDryRun asks each describe call that kubectl rotate uses with DryRun=true, as its
// permission check does: allowed, EC2 answers the DryRunOperation error (HTTP 412) instead of
// the data; refused by the IAM policy, UnauthorizedOperation (HTTP 403), because EC2 checks
// permissions before it honours the dry run.
func TestDescribeDryRun(t *testing.T) {
	c := templateCloud(t)
	must(t, c.AddInstance(Instance{ID: instanceID(1), ImageID: imageID(1)}))
	must(t, c.AddImage(Image{ID: imageID(1), Name: "node-1"}))
	calls := []struct {
		name   string
		action string
		call   func(*ec2.Client, bool) error
	}{
		{name: "DescribeInstances", action: "ec2:DescribeInstances", call: func(client *ec2.Client, dryRun bool) error {
			_, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{DryRun: aws.Bool(dryRun), MaxResults: aws.Int32(5)})
			return err
		}},
		{name: "DescribeImages", action: "ec2:DescribeImages", call: func(client *ec2.Client, dryRun bool) error {
			_, err := client.DescribeImages(ctx(t), &ec2.DescribeImagesInput{DryRun: aws.Bool(dryRun), ImageIds: []string{imageID(1)}})
			return err
		}},
		{name: "DescribeLaunchTemplateVersions", action: "ec2:DescribeLaunchTemplateVersions", call: func(client *ec2.Client, dryRun bool) error {
			_, err := client.DescribeLaunchTemplateVersions(ctx(t), &ec2.DescribeLaunchTemplateVersionsInput{DryRun: aws.Bool(dryRun), Versions: []string{"$Latest"}, MaxResults: aws.Int32(1)})
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, c)
			client := ec2.NewFromConfig(noRetries(srv.AWSConfig()))
			if err := tt.call(client, false); err != nil {
				t.Fatalf("without DryRun: %v", err)
			}
			err := tt.call(client, true)
			wantCode(t, err, "DryRunOperation")
			wantStatusAndMessage(t, err, http.StatusPreconditionFailed, "Request would have succeeded, but DryRun flag is set.")
			if got := srv.Calls()[tt.action]; got != 2 {
				t.Errorf("%s counted %d times, want 2", tt.action, got)
			}

			// The same dry run by an identity whose policy does not allow the action.
			must(t, srv.SetPolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"`+tt.action+`","Resource":"*"}]}`)))
			err = tt.call(client, true)
			wantCode(t, err, "UnauthorizedOperation")
			wantStatusAndMessage(t, err, http.StatusForbidden, "You are not authorized to perform this operation.")
		})
	}
}

// wantStatusAndMessage fails the test unless err came with the HTTP status and its message
// starts with message.
func wantStatusAndMessage(t *testing.T, err error, status int, message string) {
	t.Helper()
	var resp *awshttp.ResponseError
	if !errors.As(err, &resp) || resp.HTTPStatusCode() != status {
		t.Errorf("error %v, want HTTP %d", err, status)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || !strings.HasPrefix(apiErr.ErrorMessage(), message) {
		t.Errorf("error %v, want the message %q", err, message)
	}
}
