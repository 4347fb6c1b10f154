package awscloud

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestExplainAccessDenied(t *testing.T) {
	const fix = "(deploy/iam-policy.json lists every action kubectl rotate calls, and kubectl rotate check verifies them)"
	refused := func(service, op, code, message string) error {
		return fmt.Errorf("set desired capacity: %w", &smithy.OperationError{
			ServiceID: service, OperationName: op,
			Err: &smithy.GenericAPIError{Code: code, Message: message},
		})
	}
	tests := []struct {
		name string
		err  error
		want string // "" means the error comes back unchanged
	}{
		{
			name: "EC2 UnauthorizedOperation",
			err:  refused("EC2", "DescribeInstances", "UnauthorizedOperation", "You are not authorized to perform this operation."),
			want: "the AWS identity in use is not allowed to call ec2:DescribeInstances; grant it in its IAM policy " + fix,
		},
		{
			name: "EC2 UnauthorizedOperation to a DryRun",
			err:  refused("EC2", "TerminateInstances", "UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: abc"),
			want: "the AWS identity in use is not allowed to call ec2:TerminateInstances; grant it in its IAM policy " + fix,
		},
		{
			name: "EC2 DryRunOperation is no refusal",
			err:  refused("EC2", "TerminateInstances", "DryRunOperation", "Request would have succeeded, but DryRun flag is set."),
		},
		{
			name: "Auto Scaling AccessDenied",
			err: refused("Auto Scaling", "UpdateAutoScalingGroup", "AccessDenied",
				"User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: autoscaling:UpdateAutoScalingGroup because no identity-based policy allows the autoscaling:UpdateAutoScalingGroup action"),
			want: "the AWS identity in use is not allowed to call autoscaling:UpdateAutoScalingGroup; grant it in its IAM policy " + fix,
		},
		{
			name: "EKS AccessDeniedException",
			err:  refused("EKS", "UpdateNodegroupConfig", "AccessDeniedException", "User: x is not authorized to perform: eks:UpdateNodegroupConfig on resource: y"),
			want: "the AWS identity in use is not allowed to call eks:UpdateNodegroupConfig; grant it in its IAM policy " + fix,
		},
		{
			name: "SSM AccessDeniedException",
			err:  refused("SSM", "GetParameters", "AccessDeniedException", "User: x is not authorized to perform: ssm:GetParameters on resource: y"),
			want: "the AWS identity in use is not allowed to call ssm:GetParameters; grant it in its IAM policy " + fix,
		},
		{
			name: "explicit deny cannot be granted away",
			err: refused("Auto Scaling", "TerminateInstanceInAutoScalingGroup", "AccessDenied",
				"User: x is not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup with an explicit deny in a service control policy"),
			want: "the AWS identity in use is not allowed to call autoscaling:TerminateInstanceInAutoScalingGroup: an explicit Deny refuses it (in its IAM policies, a permissions boundary or an organization's service control policy); lift that Deny for autoscaling:TerminateInstanceInAutoScalingGroup or choose another identity with --profile",
		},
		{
			name: "action read from the message without an operation error",
			err: &smithy.GenericAPIError{Code: "AccessDenied",
				Message: "User: x is not authorized to perform: autoscaling:DescribeLaunchConfigurations because no identity-based policy allows the autoscaling:DescribeLaunchConfigurations action"},
			want: "the AWS identity in use is not allowed to call autoscaling:DescribeLaunchConfigurations; grant it in its IAM policy " + fix,
		},
		{
			name: "no action known",
			err:  &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "Access denied"},
			want: "the AWS identity in use is not allowed to call this AWS action; grant it in its IAM policy " + fix,
		},
		{
			name: "action of another service",
			err:  refused("STS", "AssumeRole", "AccessDenied", "User: x is not authorized to perform: sts:AssumeRole on resource: y"),
			want: "the AWS identity in use is not allowed to call sts:AssumeRole; grant sts:AssumeRole in its IAM policy or choose another identity with --profile",
		},
		{
			name: "throttling unchanged",
			err:  refused("Auto Scaling", "UpdateAutoScalingGroup", "Throttling", "Rate exceeded"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.err)
			if tt.want == "" {
				if got != tt.err {
					t.Fatalf("Explain() = %v, want the error unchanged", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("Explain() =\n  %s\nwant\n  %s", got, tt.want)
			}
			if !oneSentence(got.Error()) {
				t.Errorf("Explain() = %q, want one sentence", got)
			}
			var apiErr smithy.APIError
			if !errors.As(got, &apiErr) {
				t.Errorf("Explain() lost the wrapped API error")
			}
		})
	}
}
