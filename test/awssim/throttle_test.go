package awssim

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// noRetries makes a client give up at the first error.
func noRetries(cfg aws.Config) aws.Config {
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return cfg
}

// statusOfError returns the HTTP status of an SDK error.
func statusOfError(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestThrottlingPerServiceAndCategory(t *testing.T) {
	c, _ := simCloud(t) // a fixed clock: buckets never refill
	srv := startServer(t, c)
	cfg := noRetries(srv.AWSConfig())
	ec2Client, asgClient, eksClient := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg), eks.NewFromConfig(cfg)
	limits := Throttle{Mutating: TokenBucket{Size: 1}, NonMutating: TokenBucket{Size: 2}}
	for _, service := range []string{"ec2", "autoscaling", "eks"} {
		srv.SetThrottle(service, limits)
	}
	describe := func() error {
		_, err := ec2Client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
		return err
	}
	tests := []struct {
		name       string
		call       func() error
		wantCode   string
		wantStatus int
	}{
		{name: "first describe", call: describe},
		{name: "second describe", call: describe},
		{name: "third describe is throttled", call: describe, wantCode: "RequestLimitExceeded", wantStatus: http.StatusServiceUnavailable},
		{name: "another action has its own bucket", call: func() error {
			_, err := ec2Client.DescribeImages(ctx(t), &ec2.DescribeImagesInput{})
			return err
		}},
		{name: "a mutating action has a smaller bucket", call: func() error {
			_, err := ec2Client.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{instanceID(1)},
				Tags: tagsOf("a", "1")})
			return err
		}},
		{name: "which it empties", call: func() error {
			_, err := ec2Client.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{instanceID(1)}, Tags: tagsOf("b", "2")})
			return err
		}, wantCode: "RequestLimitExceeded", wantStatus: http.StatusServiceUnavailable},
		{name: "Auto Scaling answers Throttling", call: func() error {
			for range 2 {
				if _, err := asgClient.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{
					AutoScalingGroupName: aws.String("workers"), DesiredCapacity: aws.Int32(3)}); err != nil {
					return err
				}
			}
			return nil
		}, wantCode: "Throttling", wantStatus: http.StatusBadRequest},
		{name: "EKS answers ThrottlingException", call: func() error {
			for range 3 {
				if _, err := eksClient.ListClusters(ctx(t), &eks.ListClustersInput{}); err != nil {
					return err
				}
			}
			return nil
		}, wantCode: "ThrottlingException", wantStatus: http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.wantCode)
			if got := statusOfError(err); got != tt.wantStatus {
				t.Errorf("HTTP status %d, want %d", got, tt.wantStatus)
			}
		})
	}
	if got := mustInstance(t, c, instanceID(1)).Tags["b"]; got != "" {
		t.Errorf("a throttled call ran: tag b = %q", got)
	}
	srv.ClearThrottles()
	if err := describe(); err != nil {
		t.Errorf("after ClearThrottles: %v", err)
	}
}

// tagsOf builds one EC2 tag.
func tagsOf(key, value string) []ec2types.Tag {
	return []ec2types.Tag{{Key: aws.String(key), Value: aws.String(value)}}
}

// clockBackoff advances a fake clock instead of sleeping, so that a retried
// call finds its bucket refilled.
type clockBackoff struct {
	clock *fakeClock
	step  time.Duration
}

// BackoffDelay moves the clock by one step and asks for no delay.
func (b clockBackoff) BackoffDelay(int, error) (time.Duration, error) {
	b.clock.Advance(b.step)
	return 0, nil
}

func TestSDKRetriesThroughThrottling(t *testing.T) {
	c, clock := simCloud(t)
	srv := startServer(t, c)
	srv.SetThrottle("ec2", Throttle{Mutating: TokenBucket{Size: 1, RefillPerSecond: 1}, NonMutating: TokenBucket{Size: 1, RefillPerSecond: 1}})
	tests := []struct {
		name      string
		step      time.Duration // how far the clock moves per retry
		wantErr   bool
		wantCalls int
	}{
		{name: "first call takes the only token", step: 0, wantCalls: 1},
		{name: "retries without refill give up", step: 0, wantErr: true, wantCalls: 3},
		{name: "retries succeed once the bucket refills", step: 500 * time.Millisecond, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.AWSConfig()
			cfg.Retryer = func() aws.Retryer {
				return retry.NewStandard(func(o *retry.StandardOptions) {
					o.MaxAttempts = 3
					o.Backoff = clockBackoff{clock: clock, step: tt.step}
					o.RateLimiter = ratelimit.None
				})
			}
			srv.ResetCalls()
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var apiErr smithy.APIError
			if tt.wantErr && (!errors.As(err, &apiErr) || apiErr.ErrorCode() != "RequestLimitExceeded") {
				t.Errorf("err = %v, want RequestLimitExceeded", err)
			}
			if got := srv.Calls()["ec2:DescribeInstances"]; got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestEC2ThrottleHasTheDocumentedBuckets(t *testing.T) {
	c, _ := simCloud(t)
	srv := startServer(t, c)
	srv.SetThrottle("ec2", EC2Throttle())
	client := ec2.NewFromConfig(noRetries(srv.AWSConfig()))
	for i := range 100 {
		if _, err := client.DescribeImages(ctx(t), &ec2.DescribeImagesInput{}); err != nil {
			t.Fatalf("describe %d: %v", i+1, err)
		}
	}
	_, err := client.DescribeImages(ctx(t), &ec2.DescribeImagesInput{})
	wantCode(t, err, "RequestLimitExceeded")
	if got := EC2Throttle().Mutating; got.Size != 200 || got.RefillPerSecond != 5 {
		t.Errorf("mutating bucket = %+v, want 200 tokens refilled at 5 per second", got)
	}
}
