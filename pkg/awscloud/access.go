package awscloud

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Probe names: the made-up node group and update that the EKS probes describe. EKS answers
// ResourceNotFoundException for them only after authorizing the call.
const (
	probeNodegroup = "kubectl-rotate-check"
	probeUpdateID  = "00000000-0000-0000-0000-000000000000"
	// probeKubernetesMinor names the SSM parameter read when the cluster's version is unknown;
	// any EKS-optimized image parameter proves the permission.
	probeKubernetesMinor = "1.33"
	// probeTimeout bounds one probe, retries included.
	probeTimeout = 30 * time.Second
)

// AccessVerdict is what a probe learned about one AWS action.
type AccessVerdict string

// Verdicts of an access probe.
const (
	// AccessAllowed: AWS authorized the call.
	AccessAllowed AccessVerdict = "allowed"
	// AccessDenied: AWS refused the call for lack of permission.
	AccessDenied AccessVerdict = "denied"
	// AccessUnverifiable: no harmless call tests the action; it changes the account.
	AccessUnverifiable AccessVerdict = "unverifiable"
	// AccessSkipped: there is nothing to probe the action against, such as the EKS actions
	// without an EKS cluster name.
	AccessSkipped AccessVerdict = "skipped"
	// AccessUnknown: AWS answered with an error that says nothing about permission.
	AccessUnknown AccessVerdict = "unknown"
	// AccessFailed: AWS could not be reached or rejected the credentials, so no action can
	// be verified.
	AccessFailed AccessVerdict = "failed"
)

// AccessResult is the outcome of probing one AWS action.
type AccessResult struct {
	// Action is the IAM action, "ec2:DescribeInstances".
	Action string
	// Verdict is what the probe learned.
	Verdict AccessVerdict
	// Detail says, in a few words, how the verdict was reached or why none was.
	Detail string
	// Warning is something an allowed action's probe found wrong besides, such as an EKS
	// cluster that does not exist.
	Warning string
	// Err is the error behind a denied, unknown or failed verdict.
	Err error
}

// Probe EC2, Auto Scaling, EKS, SSM and STS clients: the parts an AccessProbe calls.
type (
	// UpdateReader describes EKS updates.
	UpdateReader interface {
		DescribeUpdate(ctx context.Context, in *eks.DescribeUpdateInput, optFns ...func(*eks.Options)) (*eks.DescribeUpdateOutput, error)
	}
	// CallerIdentityAPI asks STS who the caller is; it needs no permission.
	CallerIdentityAPI interface {
		GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	}
)

var (
	_ UpdateReader      = (*eks.Client)(nil)
	_ CallerIdentityAPI = (*sts.Client)(nil)
)

// AccessProbe finds out, without changing anything, which AWS actions the identity in use may
// call: EC2 actions with DryRun, the other read actions with a call that reads next to
// nothing. It never calls an action that changes the account.
type AccessProbe struct {
	EC2         EC2API
	AutoScaling AutoScalingAPI
	EKS         EKSAPI
	EKSUpdates  UpdateReader
	SSM         SSMAPI
	// STS answers CallerIdentity; nil when there is none.
	STS CallerIdentityAPI
	// Cluster is the EKS cluster the EKS actions are probed against; "" skips them.
	Cluster string
	// KubernetesMinor, such as "1.36", names the EKS-optimized image parameter read to probe
	// ssm:GetParameters; "" reads a fixed one.
	KubernetesMinor string
}

// NewAccessProbe probes through the clients of c.
func NewAccessProbe(c *Clients) *AccessProbe {
	p := &AccessProbe{EC2: c.EC2, AutoScaling: c.AutoScaling, EKS: c.EKS, SSM: c.SSM}
	if r, ok := c.NodegroupWriter.(UpdateReader); ok {
		p.EKSUpdates = r
	}
	return p
}

// NewCallerIdentity returns the STS client of cfg, for AccessProbe.STS.
func NewCallerIdentity(cfg aws.Config) CallerIdentityAPI { return sts.NewFromConfig(cfg) }

// CallerIdentity returns the ARN of the identity AWS takes the caller for.
func (p *AccessProbe) CallerIdentity(ctx context.Context) (string, error) {
	if p.STS == nil {
		return "", errors.New("no STS client")
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	out, err := p.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", &Error{Message: "sts:GetCallerIdentity failed: " + judge(err, "").Detail, Err: err}
	}
	return aws.ToString(out.Arn), nil
}

// Probes reports whether Probe has a harmless call for action.
func (p *AccessProbe) Probes(action string) bool {
	_, ok := p.calls()[action]
	return ok
}

// Probe verifies one action, "service:Operation", with a call that changes nothing. An action
// it has no such call for is AccessUnverifiable and is not called.
func (p *AccessProbe) Probe(ctx context.Context, action string) AccessResult {
	call, ok := p.calls()[action]
	if !ok {
		return AccessResult{Action: action, Verdict: AccessUnverifiable, Detail: "not verifiable without acting"}
	}
	if call.eks && p.Cluster == "" {
		return AccessResult{Action: action, Verdict: AccessSkipped, Detail: "no EKS cluster to check it against"}
	}
	if call.missingClient {
		return AccessResult{Action: action, Verdict: AccessSkipped, Detail: "no client for this service"}
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	err := call.run(ctx)
	r := judge(err, call.proof)
	r.Action = action
	if action == "eks:DescribeNodegroup" && r.Verdict == AccessAllowed && clusterNotFound(err) {
		r.Warning = fmt.Sprintf("allowed, but EKS cluster %s does not exist in this region; check --eks-cluster and --region", p.Cluster)
	}
	return r
}

// probeCall is the harmless call that proves one action.
type probeCall struct {
	run func(context.Context) error
	// proof is the error code that, besides success, proves the permission.
	proof string
	// eks calls need a cluster name.
	eks bool
	// missingClient is set when the probe has no client for the service.
	missingClient bool
}

// calls maps every action that can be verified harmlessly to its call.
func (p *AccessProbe) calls() map[string]probeCall {
	const dryRun = "DryRunOperation"
	const notFound = "ResourceNotFoundException"
	minor := p.KubernetesMinor
	if minor == "" {
		minor = probeKubernetesMinor
	}
	cluster := aws.String(p.Cluster)
	return map[string]probeCall{
		"ec2:DescribeInstances": {proof: dryRun, missingClient: p.EC2 == nil, run: func(ctx context.Context) error {
			_, err := p.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{DryRun: aws.Bool(true), MaxResults: aws.Int32(5)})
			return err
		}},
		"ec2:DescribeImages": {proof: dryRun, missingClient: p.EC2 == nil, run: func(ctx context.Context) error {
			_, err := p.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{DryRun: aws.Bool(true), Owners: []string{"self"}, MaxResults: aws.Int32(5)})
			return err
		}},
		"ec2:DescribeLaunchTemplateVersions": {proof: dryRun, missingClient: p.EC2 == nil, run: func(ctx context.Context) error {
			_, err := p.EC2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{DryRun: aws.Bool(true), Versions: []string{"$Latest"}, MaxResults: aws.Int32(1)})
			return err
		}},
		"autoscaling:DescribeAutoScalingGroups": {missingClient: p.AutoScaling == nil, run: func(ctx context.Context) error {
			_, err := p.AutoScaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(1)})
			return err
		}},
		"autoscaling:DescribeLaunchConfigurations": {missingClient: p.AutoScaling == nil, run: func(ctx context.Context) error {
			_, err := p.AutoScaling.DescribeLaunchConfigurations(ctx, &autoscaling.DescribeLaunchConfigurationsInput{MaxRecords: aws.Int32(1)})
			return err
		}},
		"eks:DescribeNodegroup": {eks: true, proof: notFound, missingClient: p.EKS == nil, run: func(ctx context.Context) error {
			_, err := p.EKS.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: cluster, NodegroupName: aws.String(probeNodegroup)})
			return err
		}},
		"eks:DescribeUpdate": {eks: true, proof: notFound, missingClient: p.EKSUpdates == nil, run: func(ctx context.Context) error {
			_, err := p.EKSUpdates.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: cluster, NodegroupName: aws.String(probeNodegroup), UpdateId: aws.String(probeUpdateID)})
			return err
		}},
		"ssm:GetParameters": {missingClient: p.SSM == nil, run: func(ctx context.Context) error {
			name := ParameterName(ImageQuery{KubernetesMinor: minor, Architecture: "amd64", OS: OSAL2023})
			_, err := p.SSM.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{name}})
			return err
		}},
	}
}

// clusterNotFound reports whether EKS answered that the cluster itself does not exist ("No
// cluster found for name: prod.") rather than the made-up node group ("No node group found
// for name: ..."). Either answer comes after EKS authorized the call.
func clusterNotFound(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException" &&
		strings.Contains(apiErr.ErrorMessage(), "No cluster found")
}

// judge turns the answer to a probe into a verdict: success or the proof code allow, the
// authorization codes deny, credential and transport failures fail, anything else is unknown.
func judge(err error, proof string) AccessResult {
	if err == nil {
		return AccessResult{Verdict: AccessAllowed, Detail: "allowed"}
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		if errors.Is(err, context.DeadlineExceeded) {
			return AccessResult{Verdict: AccessFailed, Detail: endpointOf(err) + " did not answer in time; check your network, proxy or VPN", Err: err}
		}
		return AccessResult{Verdict: AccessFailed, Detail: fmt.Sprintf("%s could not be reached (%s); check your network, proxy or AWS_ENDPOINT_URL", endpointOf(err), transportCause(err)), Err: err}
	}
	switch code := apiErr.ErrorCode(); {
	case code == proof && proof != "":
		return AccessResult{Verdict: AccessAllowed, Detail: "allowed (" + code + ")"}
	case code == "UnauthorizedOperation" || code == "AccessDenied" || code == "AccessDeniedException":
		return AccessResult{Verdict: AccessDenied, Detail: "AWS answered " + code, Err: err}
	case rejectsCredentials(code):
		detail := "AWS rejected the credentials (" + code + ")"
		var explained *Error
		if errors.As(Explain(err), &explained) {
			detail = explained.Message
		}
		return AccessResult{Verdict: AccessFailed, Detail: detail, Err: err}
	default:
		detail := "AWS answered " + code
		if msg := apiErr.ErrorMessage(); msg != "" && msg != code {
			detail += ": " + msg
		}
		var resp *awshttp.ResponseError
		if errors.As(err, &resp) {
			detail += fmt.Sprintf(" (HTTP %d)", resp.HTTPStatusCode())
		}
		return AccessResult{Verdict: AccessUnknown, Detail: detail, Err: err}
	}
}

// endpointOf names the endpoint a failed request went to: "the EC2 endpoint
// https://ec2.us-east-1.amazonaws.com", or "the AWS endpoint" when the error does not say.
func endpointOf(err error) string {
	name := "AWS"
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) && opErr.ServiceID != "" {
		name = opErr.ServiceID
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			return fmt.Sprintf("the %s endpoint %s://%s", name, u.Scheme, u.Host)
		}
	}
	return "the " + name + " endpoint"
}

// rejectsCredentials reports whether an error code rejects the credentials rather than one
// action.
func rejectsCredentials(code string) bool {
	switch code {
	case "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
		"ExpiredToken", "ExpiredTokenException", "RequestExpired", "MissingAuthenticationToken", "IncompleteSignature":
		return true
	}
	return false
}

// IsCredentialsRejected reports whether err is AWS refusing the credentials themselves, not one
// action: an expired session, an unknown key, a bad signature.
func IsCredentialsRejected(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && rejectsCredentials(apiErr.ErrorCode())
}

// transportCause is the innermost message of a request that never got an answer, such as
// "connection refused" or "no such host".
func transportCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	return strings.TrimSpace(msg)
}
