package awssim

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string // "" means the document parses
	}{
		{name: "list of statements", doc: `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["ec2:DescribeInstances"],"Resource":"*"}]}`},
		{name: "one statement object, action string", doc: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ec2:*","Resource":["*"]}}`},
		{name: "no version, NotAction and a condition", doc: `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}]}`},
		{name: "everything", doc: `{"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::x"}]}`},
		{name: "not JSON", doc: `{"Statement":`, wantErr: "policy document"},
		{name: "unknown version", doc: `{"Version":"2024-01-01","Statement":[]}`, wantErr: "Version"},
		{name: "no statement", doc: `{"Version":"2012-10-17"}`, wantErr: "no Statement"},
		{name: "effect in lower case", doc: `{"Statement":[{"Effect":"allow","Action":"ec2:*"}]}`, wantErr: "Effect"},
		{name: "both Action and NotAction", doc: `{"Statement":[{"Effect":"Allow","Action":"ec2:*","NotAction":"ec2:Run*"}]}`, wantErr: "not both"},
		{name: "neither Action nor NotAction", doc: `{"Statement":[{"Sid":"Empty","Effect":"Allow","Resource":"*"}]}`, wantErr: "Sid Empty"},
		{name: "empty action list", doc: `{"Statement":[{"Effect":"Allow","Action":[]}]}`, wantErr: "empty"},
		{name: "action without service", doc: `{"Statement":[{"Effect":"Allow","Action":"DescribeInstances"}]}`, wantErr: "service:Action"},
		{name: "wildcard service", doc: `{"Statement":[{"Effect":"Allow","Action":"e*:DescribeInstances"}]}`, wantErr: "service:Action"},
		{name: "action not a string", doc: `{"Statement":[{"Effect":"Allow","Action":7}]}`, wantErr: "string"},
		{name: "principal", doc: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:*"}]}`, wantErr: "Principal"},
		{name: "unknown statement field", doc: `{"Statement":[{"Effect":"Allow","Actions":"ec2:*"}]}`, wantErr: "Actions"},
		{name: "unknown document field", doc: `{"Statements":[]}`, wantErr: "Statements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ParsePolicy() = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("ParsePolicy() = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestPolicyDecides(t *testing.T) {
	const readOnly = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ec2:Describe*","autoscaling:Describe*","eks:List?odegroups"],"Resource":"*"}]}`
	const denyWins = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":["ec2:Terminate*","autoscaling:*Tags"],"Resource":"*"}]}`
	const notAction = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","NotAction":["ec2:*","eks:Update*"],"Resource":"*"},
		{"Effect":"Allow","Action":"ec2:DescribeImages","Resource":"*"}]}`
	const denyAllBut = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"autoscaling:*","Resource":"*"},
		{"Effect":"Deny","NotAction":"autoscaling:Describe*","Resource":"*"}]}`
	tests := []struct {
		name     string
		policy   string
		action   string
		want     bool
		explicit bool
	}{
		{name: "trailing star", policy: readOnly, action: "ec2:DescribeInstances", want: true},
		{name: "action case ignored", policy: readOnly, action: "EC2:describeinstances", want: true},
		{name: "question mark is one character", policy: readOnly, action: "eks:ListNodegroups", want: true},
		{name: "question mark is not two", policy: readOnly, action: "eks:ListNNodegroups"},
		{name: "no statement allows", policy: readOnly, action: "ec2:TerminateInstances"},
		{name: "other service", policy: readOnly, action: "ssm:GetParameters"},
		{name: "star allows", policy: denyWins, action: "eks:UpdateNodegroupConfig", want: true},
		{name: "deny wins over allow", policy: denyWins, action: "ec2:TerminateInstances", explicit: true},
		{name: "leading star in deny", policy: denyWins, action: "autoscaling:CreateOrUpdateTags", explicit: true},
		{name: "leading star in deny, describe", policy: denyWins, action: "autoscaling:DescribeTags", explicit: true},
		{name: "deny is not a prefix match", policy: denyWins, action: "autoscaling:DescribeTagsAndMore", want: true},
		{name: "NotAction allows the rest", policy: notAction, action: "ssm:GetParameters", want: true},
		{name: "NotAction leaves out its list", policy: notAction, action: "eks:UpdateNodegroupConfig"},
		{name: "NotAction leaves out, another allows", policy: notAction, action: "ec2:DescribeImages", want: true},
		{name: "NotAction leaves out, none allows", policy: notAction, action: "ec2:DescribeInstances"},
		{name: "deny NotAction spares its list", policy: denyAllBut, action: "autoscaling:DescribeAutoScalingGroups", want: true},
		{name: "deny NotAction denies the rest", policy: denyAllBut, action: "autoscaling:SetDesiredCapacity", explicit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tt.policy))
			if err != nil {
				t.Fatal(err)
			}
			allowed, explicit := p.decide(tt.action)
			if allowed != tt.want || explicit != tt.explicit || p.Allows(tt.action) != tt.want {
				t.Errorf("decide(%s) = allowed %v, explicit deny %v; want %v, %v", tt.action, allowed, explicit, tt.want, tt.explicit)
			}
		})
	}
}

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		want             bool
	}{
		{"exact", "ec2:describeimages", "ec2:describeimages", true},
		{"star alone", "*", "anything:atall", true},
		{"star matches nothing", "ec2:describe*", "ec2:describe", true},
		{"inner star backtracks", "a*b*c", "axxbyybc", true},
		{"inner star fails", "a*b*c", "axxbyyb", false},
		{"question marks", "ec2:??scribe*", "ec2:describeinstances", true},
		{"too short", "ec2:describe?", "ec2:describe", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchWildcard(tt.pattern, tt.s); got != tt.want {
				t.Errorf("matchWildcard(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
		})
	}
}

// refusalPolicy allows the describe calls of EC2 and Auto Scaling, denies EC2's terminations
// explicitly, and allows nothing of EKS or SSM.
const refusalPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["ec2:Describe*", "autoscaling:Describe*", "ec2:TerminateInstances"], "Resource": "*"},
    {"Effect": "Deny", "Action": "ec2:Terminate*", "Resource": "*"}
  ]
}`

// TestPolicyRefusalsAsTheSDKDecodesThem refuses one call of each protocol and checks that
// the real SDK client decodes the refusal with the service's own error code and status.
func TestPolicyRefusalsAsTheSDKDecodesThem(t *testing.T) {
	c, _ := simCloud(t)
	srv := startServer(t, c)
	if err := srv.SetPolicy([]byte(refusalPolicy)); err != nil {
		t.Fatal(err)
	}
	cfg := noRetries(srv.AWSConfig())
	ec2Client, asgClient := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)
	eksClient, ssmClient := eks.NewFromConfig(cfg), ssm.NewFromConfig(cfg)

	tests := []struct {
		name       string
		call       func() error
		wantCode   string // "" means allowed
		wantStatus int
		wantText   []string
		typed      func(error) bool // the SDK's modeled exception, when the service has one
	}{
		{name: "EC2 describe allowed", call: func() error {
			_, err := ec2Client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
			return err
		}},
		{name: "Auto Scaling describe allowed", call: func() error {
			_, err := asgClient.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{})
			return err
		}},
		{name: "EC2 query API", call: func() error {
			_, err := ec2Client.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{instanceID(1)}, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, wantCode: "UnauthorizedOperation", wantStatus: http.StatusForbidden,
			wantText: []string{"You are not authorized to perform this operation.", "ec2:CreateTags", "no identity-based policy allows", "Encoded authorization failure message: "}},
		{name: "EC2 explicit deny, with DryRun", call: func() error {
			_, err := ec2Client.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{instanceID(1)}, DryRun: aws.Bool(true)})
			return err
		}, wantCode: "UnauthorizedOperation", wantStatus: http.StatusForbidden,
			wantText: []string{"ec2:TerminateInstances with an explicit deny"}},
		{name: "Auto Scaling query API", call: func() error {
			_, err := asgClient.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("workers"), DesiredCapacity: aws.Int32(4)})
			return err
		}, wantCode: "AccessDenied", wantStatus: http.StatusForbidden,
			wantText: []string{"User: arn:aws:sts::123456789012:assumed-role/awssim/" + TestAccessKeyID + " is not authorized to perform: autoscaling:SetDesiredCapacity because no identity-based policy allows the autoscaling:SetDesiredCapacity action"}},
		{name: "EKS REST-JSON", call: func() error {
			_, err := eksClient.DescribeNodegroup(ctx(t), &eks.DescribeNodegroupInput{ClusterName: aws.String("prod"), NodegroupName: aws.String("general")})
			return err
		}, wantCode: "AccessDeniedException", wantStatus: http.StatusForbidden,
			wantText: []string{"eks:DescribeNodegroup on resource: arn:aws:eks:us-east-1:123456789012:nodegroup/prod/general/*"},
			typed:    func(err error) bool { var e *ekstypes.AccessDeniedException; return errors.As(err, &e) }},
		{name: "SSM JSON 1.1", call: func() error {
			_, err := ssmClient.GetParameters(ctx(t), &ssm.GetParametersInput{Names: []string{amiParameter}})
			return err
		}, wantCode: "AccessDeniedException", wantStatus: http.StatusBadRequest,
			wantText: []string{"ssm:GetParameters on resource:"},
			typed:    func(err error) bool { var e *ssmtypes.AccessDeniedException; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("allowed call failed: %v", err)
				}
				return
			}
			wantCode(t, err, tt.wantCode)
			if got := statusOfError(err); got != tt.wantStatus {
				t.Errorf("HTTP status %d, want %d", got, tt.wantStatus)
			}
			for _, text := range tt.wantText {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("error %q lacks %q", err, text)
				}
			}
			if tt.typed != nil && !tt.typed(err) {
				t.Errorf("the SDK did not decode %T as the service's AccessDeniedException", err)
			}
		})
	}

	var re *smithyhttp.ResponseError
	_, err := eksClient.ListNodegroups(ctx(t), &eks.ListNodegroupsInput{ClusterName: aws.String("prod")})
	if !errors.As(err, &re) || re.Response.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
		t.Errorf("EKS refusal: %v, want the code in the x-amzn-ErrorType header", err)
	}

	refused := srv.Refused()
	for _, call := range []string{"ec2:CreateTags", "ec2:TerminateInstances", "autoscaling:SetDesiredCapacity", "eks:DescribeNodegroup", "eks:ListNodegroups", "ssm:GetParameters"} {
		if refused[call] != 1 || srv.Calls()[call] != 1 {
			t.Errorf("%s: refused %d, calls %d; want 1 and 1", call, refused[call], srv.Calls()[call])
		}
	}
	if n := refused["ec2:DescribeInstances"]; n != 0 {
		t.Errorf("ec2:DescribeInstances refused %d times", n)
	}
	if g, _ := c.AutoScalingGroup("workers"); g.DesiredCapacity != 3 {
		t.Errorf("refused SetDesiredCapacity changed the group to %d", g.DesiredCapacity)
	}
}

func TestSetPolicy(t *testing.T) {
	c, _ := simCloud(t)
	srv := startServer(t, c)
	client := autoscaling.NewFromConfig(noRetries(srv.AWSConfig()))
	setDesired := func() error {
		_, err := client.SetDesiredCapacity(ctx(t), &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("workers"), DesiredCapacity: aws.Int32(4)})
		return err
	}
	if err := setDesired(); err != nil {
		t.Fatalf("without a policy: %v", err)
	}
	if err := srv.SetPolicy([]byte(`{"Statement":{"Effect":"Allow","Action":"autoscaling:Describe*"}}`)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, setDesired(), "AccessDenied")
	if err := srv.SetPolicy([]byte(`{"Statement":{"Effect":"Allw","Action":"*"}}`)); err == nil {
		t.Error("SetPolicy accepted a malformed policy")
	}
	wantCode(t, setDesired(), "AccessDenied") // a rejected document leaves the policy in force
	if err := srv.SetPolicy(nil); err != nil {
		t.Fatal(err)
	}
	if err := setDesired(); err != nil {
		t.Fatalf("after the policy was removed: %v", err)
	}
}
