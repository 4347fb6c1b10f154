package awssim

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// fakeAuth is an Authorization header of the right shape for scope.
func fakeAuth(service, region string) string {
	return "AWS4-HMAC-SHA256 Credential=" + TestAccessKeyID + "/20261121/" + region + "/" + service +
		"/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"
}

// rawCall sends a hand-built request and returns the status, headers and body.
func rawCall(t *testing.T, srv *Server, method, path string, header map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

// wireErrorCode extracts the error code of any of the four protocols' error shapes.
func wireErrorCode(t *testing.T, header http.Header, body []byte) string {
	t.Helper()
	if code := header.Get("X-Amzn-Errortype"); code != "" {
		return code
	}
	var ec2Doc struct {
		Code string `xml:"Errors>Error>Code"`
	}
	if xml.Unmarshal(body, &ec2Doc) == nil && ec2Doc.Code != "" {
		return "ec2/" + ec2Doc.Code
	}
	var queryDoc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Type    string   `xml:"Error>Type"`
		Code    string   `xml:"Error>Code"`
	}
	if xml.Unmarshal(body, &queryDoc) == nil && queryDoc.Code != "" {
		return "query/" + queryDoc.Type + "/" + queryDoc.Code
	}
	var jsonDoc struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &jsonDoc) == nil && jsonDoc.Type != "" {
		return "json/" + jsonDoc.Type
	}
	t.Fatalf("no error code in %q", body)
	return ""
}

func TestRequestsAreRoutedAndAuthenticated(t *testing.T) {
	srv := startServer(t, newTestCloud())
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	with := func(h map[string]string, extra ...string) map[string]string {
		out := maps.Clone(h)
		if out == nil {
			out = map[string]string{}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			out[extra[i]] = extra[i+1]
		}
		return out
	}
	ec2Body := url.Values{"Action": {"DescribeInstances"}, "Version": {ec2APIVersion}}.Encode()
	asgBody := url.Values{"Action": {"DescribeAutoScalingGroups"}, "Version": {autoscalingAPIVersion}}.Encode()
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantCode   string
	}{
		{name: "unsigned EC2", method: "POST", path: "/", header: form, body: ec2Body,
			wantStatus: 403, wantCode: "ec2/MissingAuthenticationToken"},
		{name: "unsigned Auto Scaling", method: "POST", path: "/", header: form, body: asgBody,
			wantStatus: 403, wantCode: "query/Sender/MissingAuthenticationToken"},
		{name: "unsigned SSM", method: "POST", path: "/", body: `{"Name":"x"}`,
			header:     map[string]string{"X-Amz-Target": "AmazonSSM.GetParameter", "Content-Type": "application/x-amz-json-1.1"},
			wantStatus: 400, wantCode: "json/MissingAuthenticationTokenException"},
		{name: "unsigned EKS", method: "GET", path: "/clusters",
			wantStatus: 403, wantCode: "MissingAuthenticationTokenException"},
		{name: "signature without SignedHeaders", method: "POST", path: "/", body: ec2Body,
			header: with(form, "X-Amz-Date", "20261121T093000Z",
				"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261121/us-east-1/ec2/aws4_request"),
			wantStatus: 400, wantCode: "ec2/IncompleteSignature"},
		{name: "signature without a date", method: "POST", path: "/", body: asgBody,
			header:     with(form, "Authorization", fakeAuth("autoscaling", testRegion)),
			wantStatus: 400, wantCode: "query/Sender/IncompleteSignature"},
		{name: "credential scope wins over the request's shape", method: "POST", path: "/", body: ec2Body,
			header:     with(form, "X-Amz-Date", "20261121T093000Z", "Authorization", fakeAuth("autoscaling", testRegion)),
			wantStatus: 400, wantCode: "query/Sender/InvalidAction"},
		{name: "unknown EC2 action", method: "POST", path: "/", body: "Action=RunInstances&Version=2016-11-15",
			header:     with(form, "X-Amz-Date", "20261121T093000Z", "Authorization", fakeAuth("ec2", testRegion)),
			wantStatus: 400, wantCode: "ec2/InvalidAction"},
		{name: "missing EC2 action", method: "POST", path: "/", body: "Version=2016-11-15",
			header:     with(form, "X-Amz-Date", "20261121T093000Z", "Authorization", fakeAuth("ec2", testRegion)),
			wantStatus: 400, wantCode: "ec2/MissingAction"},
		{name: "unknown SSM operation", method: "POST", path: "/", body: "{}",
			header: map[string]string{"X-Amz-Target": "AmazonSSM.PutParameter", "X-Amz-Date": "20261121T093000Z",
				"Authorization": fakeAuth("ssm", testRegion)},
			wantStatus: 400, wantCode: "json/UnknownOperationException"},
		{name: "unknown EKS route", method: "DELETE", path: "/clusters/prod",
			header:     map[string]string{"X-Amz-Date": "20261121T093000Z", "Authorization": fakeAuth("eks", testRegion)},
			wantStatus: 404, wantCode: "UnknownOperationException"},
		{name: "wrong region", method: "GET", path: "/clusters",
			header:     map[string]string{"X-Amz-Date": "20261121T093000Z", "Authorization": fakeAuth("eks", "eu-west-1")},
			wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, header, body := rawCall(t, srv, tt.method, tt.path, tt.header, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			if got := wireErrorCode(t, header, body); got != tt.wantCode {
				t.Errorf("code = %q, want %q (body %s)", got, tt.wantCode, body)
			}
		})
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Errorf("refused requests were counted: %v", srv.Calls())
	}
}

func TestUnsignedSDKRequestIsRejected(t *testing.T) {
	srv := startServer(t, newTestCloud())
	cfg := srv.AWSConfig()
	cfg.Credentials = aws.AnonymousCredentials{}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{name: "ec2", code: "MissingAuthenticationToken", call: func() error {
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
			return err
		}},
		{name: "autoscaling", code: "MissingAuthenticationToken", call: func() error {
			_, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{})
			return err
		}},
		{name: "ssm", code: "MissingAuthenticationTokenException", call: func() error {
			_, err := ssm.NewFromConfig(cfg).GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/x")})
			return err
		}},
		{name: "eks", code: "MissingAuthenticationTokenException", call: func() error {
			_, err := eks.NewFromConfig(cfg).ListClusters(ctx(t), &eks.ListClustersInput{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}

func TestCallCounting(t *testing.T) {
	c := eksCloud(t)
	must(t, c.SetParameter("/p", "v"))
	srv := startServer(t, c)
	cfg := srv.AWSConfig()
	ec2Client, asgClient := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)
	ssmClient, eksClient := ssm.NewFromConfig(cfg), eks.NewFromConfig(cfg)

	for range 2 {
		if _, err := ec2Client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := ec2Client.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{imageID(77)}})
	wantCode(t, err, "InvalidAMIID.NotFound")
	if _, err := asgClient.DescribeAutoScalingGroups(ctx(t), &autoscaling.DescribeAutoScalingGroupsInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ssmClient.GetParameters(ctx(t), &ssm.GetParametersInput{Names: []string{"/p"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eksClient.DescribeNodegroup(ctx(t), &eks.DescribeNodegroupInput{ClusterName: aws.String("prod"), NodegroupName: aws.String("gpu")}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"ec2:DescribeInstances":                 2,
		"ec2:DescribeImages":                    1,
		"autoscaling:DescribeAutoScalingGroups": 1,
		"ssm:GetParameters":                     1,
		"eks:DescribeNodegroup":                 1,
	}
	if got := srv.Calls(); !maps.Equal(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	if got := srv.TotalCalls(); got != 6 {
		t.Errorf("total = %d, want 6", got)
	}
	srv.Calls()["ec2:DescribeInstances"] = 100
	if got := srv.Calls()["ec2:DescribeInstances"]; got != 2 {
		t.Errorf("Calls is not a copy: %d", got)
	}
	srv.ResetCalls()
	if got := srv.TotalCalls(); got != 0 || len(srv.Calls()) != 0 {
		t.Errorf("after ResetCalls: %v", srv.Calls())
	}
}

// noBackoff retries at once, so that retry tests do not sleep.
type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func TestInjectedFaults(t *testing.T) {
	srv := startServer(t, instanceCloud(t, 2))
	cfg := srv.AWSConfig()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = noBackoff{}
		})
	}
	client := ec2.NewFromConfig(cfg)

	srv.InjectFault("ec2:DescribeInstances", Fault{Code: "RequestLimitExceeded", Status: http.StatusServiceUnavailable, Times: 2})
	out, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatalf("the SDK should retry through two throttles: %v", err)
	}
	if n := len(out.Reservations); n != 2 {
		t.Errorf("got %d reservations, want 2", n)
	}
	if got := srv.Calls()["ec2:DescribeInstances"]; got != 3 {
		t.Errorf("calls = %d, want 3 (two throttled, one answered)", got)
	}

	srv.InjectFault("ec2:DescribeInstances", Fault{Code: "UnauthorizedOperation", Message: "no"})
	for range 2 {
		_, err = client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
		wantCode(t, err, "UnauthorizedOperation")
	}
	srv.ClearFaults()
	if _, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestEnvironmentEndpoint(t *testing.T) {
	srv := startServer(t, instanceCloud(t, 3))
	for _, kv := range srv.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	cfg, err := config.LoadDefaultConfig(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.Reservations); n != 3 {
		t.Errorf("got %d reservations through AWS_ENDPOINT_URL, want 3", n)
	}
}

func TestLoopbackClientsNeverRetry(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 1,500 calls")
	}
	srv := startServer(t, instanceCloud(t, 12))
	cfg := srv.AWSConfig()
	cfg.RetryMaxAttempts = 1
	client := ec2.NewFromConfig(cfg)
	const calls = 1500
	for i := range calls {
		if _, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := srv.TotalCalls(); got != calls {
		t.Errorf("server saw %d calls, want %d", got, calls)
	}
}
