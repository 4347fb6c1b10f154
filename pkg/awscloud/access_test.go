package awscloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/permissions"
	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
)

// probeSim is a simulated account with an EKS cluster, probed through the real SDK clients.
func probeSim(t *testing.T) (*sim, *awscloud.AccessProbe) {
	t.Helper()
	s := newSim(t)
	must(t, s.cloud.AddCluster(awssim.EKSCluster{Name: "prod", Version: "1.36"}))
	p := awscloud.NewAccessProbe(s.clients)
	p.Cluster = "prod"
	return s, p
}

// policyWithout is deploy/iam-policy.json without the given actions.
func policyWithout(t *testing.T, actions ...string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../deploy/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	must(t, json.Unmarshal(data, &doc))
	var statements []any
	for _, st := range doc["Statement"].([]any) {
		st := st.(map[string]any)
		var kept []any
		for _, a := range st["Action"].([]any) {
			if !slices.Contains(actions, a.(string)) {
				kept = append(kept, a)
			}
		}
		if len(kept) > 0 {
			st["Action"] = kept
			statements = append(statements, st)
		}
	}
	doc["Statement"] = statements
	out, err := json.Marshal(doc)
	must(t, err)
	return out
}

func TestProbeEveryReadActionOfThePolicy(t *testing.T) {
	tests := []struct {
		name   string
		denied []string
	}{
		{name: "deploy/iam-policy.json as shipped"},
		{name: "one EC2 read removed", denied: []string{"ec2:DescribeLaunchTemplateVersions"}},
		{name: "an EKS and an SSM read removed", denied: []string{"eks:DescribeUpdate", "ssm:GetParameters"}},
		{name: "an Auto Scaling read removed", denied: []string{"autoscaling:DescribeLaunchConfigurations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, p := probeSim(t)
			must(t, s.srv.SetPolicy(policyWithout(t, tt.denied...)))
			for _, a := range permissions.AWS() {
				r := p.Probe(ctx(), a.Action)
				want := awscloud.AccessAllowed
				switch {
				case a.Mutates:
					want = awscloud.AccessUnverifiable
				case slices.Contains(tt.denied, a.Action):
					want = awscloud.AccessDenied
				}
				if r.Verdict != want || r.Action != a.Action {
					t.Errorf("%s: %s (%s), want %s", a.Action, r.Verdict, r.Detail, want)
				}
				if p.Probes(a.Action) == a.Mutates {
					t.Errorf("%s: Probes = %v for an action that mutates: %v", a.Action, p.Probes(a.Action), a.Mutates)
				}
			}
			for call := range s.srv.Calls() {
				for _, a := range permissions.AWS() {
					if a.Mutates && a.Action == call {
						t.Errorf("the probe called %s, which changes the account", call)
					}
				}
			}
		})
	}
}

func TestProbeEKS(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		verdict awscloud.AccessVerdict
		warning string
	}{
		{name: "no cluster", verdict: awscloud.AccessSkipped},
		{name: "existing cluster", cluster: "prod", verdict: awscloud.AccessAllowed},
		{name: "unknown cluster proves the permission, with a warning", cluster: "staging", verdict: awscloud.AccessAllowed, warning: "EKS cluster staging does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, p := probeSim(t)
			p.Cluster = tt.cluster
			r := p.Probe(ctx(), "eks:DescribeNodegroup")
			if r.Verdict != tt.verdict || !strings.Contains(r.Warning, tt.warning) || (tt.warning == "") != (r.Warning == "") {
				t.Errorf("DescribeNodegroup: %s (%s), warning %q", r.Verdict, r.Detail, r.Warning)
			}
			if r := p.Probe(ctx(), "eks:DescribeUpdate"); r.Verdict != tt.verdict || r.Warning != "" {
				t.Errorf("DescribeUpdate: %s (%s), warning %q", r.Verdict, r.Detail, r.Warning)
			}
			if n := s.srv.Calls()["eks:ListNodegroups"]; n != 0 {
				t.Errorf("the probe called eks:ListNodegroups %d times", n)
			}
			if tt.cluster == "" && s.srv.TotalCalls() != 0 {
				t.Errorf("probed EKS without a cluster: %v", s.srv.Calls())
			}
		})
	}
}

func TestProbeFailures(t *testing.T) {
	tests := []struct {
		name    string
		fault   awssim.Fault
		verdict awscloud.AccessVerdict
		detail  string
		creds   bool
	}{
		{name: "credentials rejected", fault: awssim.Fault{Code: "AuthFailure", Status: 401, Message: "AWS was not able to validate the provided access credentials"},
			verdict: awscloud.AccessFailed, detail: "could not validate the credentials", creds: true},
		{name: "expired session", fault: awssim.Fault{Code: "RequestExpired", Status: 400},
			verdict: awscloud.AccessFailed, detail: "expired", creds: true},
		{name: "an answer that says nothing about permission", fault: awssim.Fault{Code: "InvalidParameterValue", Message: "odd"},
			verdict: awscloud.AccessUnknown, detail: "AWS answered InvalidParameterValue: odd (HTTP 400)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, p := probeSim(t)
			s.srv.InjectFault("ec2:DescribeInstances", tt.fault)
			r := p.Probe(ctx(), "ec2:DescribeInstances")
			if r.Verdict != tt.verdict || !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("%s (%s), want %s with %q", r.Verdict, r.Detail, tt.verdict, tt.detail)
			}
			if awscloud.IsCredentialsRejected(r.Err) != tt.creds {
				t.Errorf("IsCredentialsRejected = %v", !tt.creds)
			}
		})
	}
}

func TestProbeUnreachable(t *testing.T) {
	cfg := aws.Config{
		Region: region, BaseEndpoint: aws.String("http://127.0.0.1:1"), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}),
	}
	p := awscloud.NewAccessProbe(awscloud.NewClients(cfg))
	r := p.Probe(ctx(), "autoscaling:DescribeAutoScalingGroups")
	if r.Verdict != awscloud.AccessFailed || !strings.Contains(r.Detail, "the Auto Scaling endpoint http://127.0.0.1:1 could not be reached (connection refused)") {
		t.Errorf("%s: %s", r.Verdict, r.Detail)
	}
	if strings.Contains(r.Detail, "secret") {
		t.Errorf("detail printed a credential: %s", r.Detail)
	}
}

// identityAnswer answers GetCallerIdentity with an ARN or an error.
type identityAnswer struct {
	arn string
	err error
}

var _ awscloud.CallerIdentityAPI = identityAnswer{}

func (a identityAnswer) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if a.err != nil {
		return nil, a.err
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(a.arn)}, nil
}

func TestCallerIdentity(t *testing.T) {
	p := &awscloud.AccessProbe{STS: identityAnswer{arn: "arn:aws:iam::123456789012:user/ops"}}
	if arn, err := p.CallerIdentity(ctx()); err != nil || arn != "arn:aws:iam::123456789012:user/ops" {
		t.Errorf("CallerIdentity = %q, %v", arn, err)
	}
	p.STS = identityAnswer{err: errors.New("dial tcp: connection refused")}
	if _, err := p.CallerIdentity(ctx()); err == nil || !strings.HasPrefix(err.Error(), "sts:GetCallerIdentity failed: ") {
		t.Errorf("CallerIdentity error = %v", err)
	}
	if _, err := (&awscloud.AccessProbe{}).CallerIdentity(ctx()); err == nil {
		t.Error("CallerIdentity without STS succeeded")
	}
}
