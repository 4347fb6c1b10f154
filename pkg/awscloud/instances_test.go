package awscloud

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// strictEC2 answers DescribeInstances the way EC2 documents it: a request naming an unknown
// instance ID fails with InvalidInstanceID.NotFound, MaxResults may not accompany instance
// IDs, more than 1,000 IDs or 200 filter values are refused, and filtered results are paged.
type strictEC2 struct {
	EC2API
	instances map[string]types.Instance
	// vague leaves the missing IDs out of the NotFound message.
	vague bool
	calls []string
}

var _ EC2API = (*strictEC2)(nil)

func (f *strictEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if len(in.InstanceIds) > 0 {
		f.calls = append(f.calls, fmt.Sprintf("ids:%d", len(in.InstanceIds)))
		if in.MaxResults != nil {
			return nil, &smithy.GenericAPIError{Code: "InvalidParameterCombination", Message: "MaxResults with instance IDs"}
		}
		if len(in.InstanceIds) > maxInstanceIDsPerCall {
			return nil, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "too many IDs"}
		}
		var missing []string
		var found []types.Instance
		for _, id := range in.InstanceIds {
			if i, ok := f.instances[id]; ok {
				found = append(found, i)
			} else {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			msg := fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", "))
			if f.vague {
				msg = "The instance ID does not exist"
			}
			return nil, &smithy.GenericAPIError{Code: "InvalidInstanceID.NotFound", Message: msg}
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: found}}}, nil
	}
	values := 0
	want := map[string]bool{}
	for _, flt := range in.Filters {
		values += len(flt.Values)
		for _, v := range flt.Values {
			want[v] = true
		}
	}
	f.calls = append(f.calls, fmt.Sprintf("filter:%d", values))
	if values > maxFilterValuesPerCall {
		return nil, &smithy.GenericAPIError{Code: "FilterLimitExceeded", Message: "The maximum number of filter values specified on a single call is 200"}
	}
	limit := int(aws.ToInt32(in.MaxResults))
	if limit < 5 || limit > 1000 {
		return nil, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "MaxResults must be 5..1000"}
	}
	var ids []string
	for id := range want {
		if _, ok := f.instances[id]; ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	end := min(start+limit, len(ids))
	out := &ec2.DescribeInstancesOutput{}
	for _, id := range ids[start:end] {
		out.Reservations = append(out.Reservations, types.Reservation{Instances: []types.Instance{f.instances[id]}})
	}
	if end < len(ids) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func instanceID(n int) string { return fmt.Sprintf("i-%017x", n) }

func newStrictEC2(n int) *strictEC2 {
	f := &strictEC2{instances: map[string]types.Instance{}}
	for i := range n {
		id := instanceID(i)
		f.instances[id] = types.Instance{
			InstanceId:   aws.String(id),
			ImageId:      aws.String("ami-0123456789abcdef0"),
			Architecture: types.ArchitectureValuesArm64,
			Placement:    &types.Placement{AvailabilityZone: aws.String("eu-west-1a")},
			State:        &types.InstanceState{Name: types.InstanceStateNameRunning},
			Tags:         []types.Tag{{Key: aws.String(tagAutoScalingGroup), Value: aws.String("workers")}},
		}
	}
	return f
}

func TestInstancesUnknownIDsAgainstDocumentedEC2(t *testing.T) {
	tests := []struct {
		name      string
		vague     bool
		existing  int
		ask       []string
		wantCalls string
		wantFound int
	}{
		{
			name: "all known: one call per 1,000 IDs", existing: 2500,
			ask: ids(0, 2500), wantCalls: "ids:1000 ids:1000 ids:500", wantFound: 2500,
		},
		{
			name: "unknown IDs named: retried without them", existing: 1500,
			ask: append(ids(0, 1500), instanceID(99998), instanceID(99999)), wantCalls: "ids:1000 ids:502 ids:500", wantFound: 1500,
		},
		{
			name: "unknown IDs not named: instance-id filter of 200 values", vague: true, existing: 450,
			ask: append(ids(0, 450), instanceID(99999)), wantCalls: "ids:451 filter:200 filter:200 filter:51", wantFound: 450,
		},
		{
			name: "malformed and duplicate IDs never sent", existing: 3,
			ask: append(ids(0, 3), "i-nothex!", "", instanceID(1), "ami-12345678"), wantCalls: "ids:3", wantFound: 3,
		},
		{name: "nothing asked", existing: 3, wantCalls: "", wantFound: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newStrictEC2(tt.existing)
			fake.vague = tt.vague
			c := &Clients{EC2: fake}
			got, err := c.Instances(context.Background(), tt.ask)
			if err != nil {
				t.Fatalf("Instances() error = %v", err)
			}
			if len(got) != tt.wantFound {
				t.Errorf("found %d instances, want %d", len(got), tt.wantFound)
			}
			if calls := strings.Join(fake.calls, " "); calls != tt.wantCalls {
				t.Errorf("calls = %q, want %q", calls, tt.wantCalls)
			}
			if _, ok := got[instanceID(99999)]; ok {
				t.Errorf("unknown ID present in result")
			}
			if i, ok := got[instanceID(0)]; ok && (i.Architecture != "arm64" || i.AutoScalingGroup != "workers" || i.Zone != "eu-west-1a" || i.State != "running") {
				t.Errorf("instance converted wrongly: %+v", i)
			}
		})
	}
}

func TestInstancesOtherErrorsFail(t *testing.T) {
	c := &Clients{EC2: failingEC2{code: "UnauthorizedOperation"}}
	_, err := c.Instances(context.Background(), []string{instanceID(1)})
	if err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("Instances() error = %v, want an explained authorization error", err)
	}
}

// failingEC2 fails every call with one error code.
type failingEC2 struct {
	EC2API
	code string
}

func (f failingEC2) DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return nil, &smithy.OperationError{ServiceID: "EC2", OperationName: "DescribeInstances", Err: &smithy.GenericAPIError{Code: f.code}}
}

func ids(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, instanceID(i))
	}
	return out
}
