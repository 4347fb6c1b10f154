package awssim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Static credentials that AWSConfig and Environ hand out. The server reads
// the credential scope of each signature but does not verify signatures, so
// any credentials work.
const (
	TestAccessKeyID     = "AKIDAWSSIMULATOR000"
	TestSecretAccessKey = "awssim-secret-access-key"
)

// service is one simulated AWS service behind the shared handler.
type service interface {
	// operation names the operation a request asks for, or fails with the
	// protocol's unknown-operation error.
	operation(r *http.Request) (string, error)
	// call runs the operation and returns the value to encode.
	call(op string, r *http.Request) (any, error)
	// writeResult encodes a successful answer.
	writeResult(w http.ResponseWriter, requestID, op string, out any)
	// writeError encodes an error in the protocol's shape.
	writeError(w http.ResponseWriter, requestID string, err *apiError)
}

// Server serves the simulated services of one Cloud over HTTP. It is an
// http.Handler; Start also runs it on a loopback port.
type Server struct {
	cloud    *Cloud
	services map[string]service
	requests atomic.Uint64

	mu        sync.Mutex
	calls     map[string]int
	faults    map[string]*Fault
	throttles map[string]Throttle     // service -> its limits; absent means off
	buckets   map[string]*bucketState // "service:Operation" -> its bucket
	access    accessControl           // the IAM policy enforced, if any

	httpServer *http.Server
	url        string
	transport  *http.Transport // of the clients AWSConfig builds
}

// NewServer returns a handler serving EC2, Auto Scaling, SSM, EKS and STS's GetCallerIdentity for c.
func NewServer(c *Cloud) *Server {
	return &Server{
		cloud: c,
		services: map[string]service{
			"ec2":         newEC2Service(c),
			"autoscaling": newAutoScalingService(c),
			"ssm":         newSSMService(c),
			"eks":         newEKSService(c),
			"sts":         newSTSService(c),
		},
		calls:     map[string]int{},
		faults:    map[string]*Fault{},
		throttles: map[string]Throttle{},
		buckets:   map[string]*bucketState{},
		transport: http.DefaultTransport.(*http.Transport).Clone(),
	}
}

// Start runs a new server for c on 127.0.0.1 at a free port.
func Start(c *Cloud) (*Server, error) {
	s := NewServer(c)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awssim: listening on loopback: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.httpServer = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpServer.Serve(ln) }()
	return s, nil
}

// URL returns the base URL of a started server, e.g. http://127.0.0.1:43121,
// or "" for a server that was not started.
func (s *Server) URL() string { return s.url }

// Close stops a started server and its open connections.
func (s *Server) Close() error {
	s.transport.CloseIdleConnections()
	if s.httpServer == nil {
		return nil
	}
	if err := s.httpServer.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("awssim: closing the server: %w", err)
	}
	return nil
}

// AWSConfig returns a configuration for the SDK clients of this server: the
// Cloud's region, static test credentials, the server's URL as BaseEndpoint
// and an HTTP client suited to loopback (see loopbackTransport), so that
// ec2.NewFromConfig(srv.AWSConfig()) talks to it. For
// a server that was not started, the endpoint is an unreachable loopback
// address, never AWS itself; set BaseEndpoint to wherever the handler runs.
func (s *Server) AWSConfig() aws.Config {
	endpoint := s.url
	if endpoint == "" {
		endpoint = "http://127.0.0.1:0"
	}
	return aws.Config{
		Region:       s.cloud.Region(),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Transport: loopbackTransport{base: s.transport}},
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: TestAccessKeyID, SecretAccessKey: TestSecretAccessKey, Source: "awssim"}, nil
		}),
	}
}

// Environ returns the environment variables that point the SDK's default
// configuration chain at this server, for tests that run a whole program.
func (s *Server) Environ() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.url,
		"AWS_REGION=" + s.cloud.Region(),
		"AWS_ACCESS_KEY_ID=" + TestAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + TestSecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Calls returns how many times each operation was called, keyed
// "service:Operation" (e.g. "ec2:DescribeInstances"). Requests refused before
// an operation was identified (unsigned, unknown action) are not counted;
// calls answered with an error, an injected fault or throttling are.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TotalCalls returns the number of calls counted by Calls.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, v := range s.calls {
		total += v
	}
	return total
}

// ResetCalls sets every call count back to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}

// InjectFault makes calls to one operation, keyed as in Calls, fail with f
// instead of running; it replaces any fault already set for that operation.
func (s *Server) InjectFault(call string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[call] = &f
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// countCall counts a call and returns the fault to answer it with, if any.
func (s *Server) countCall(call string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[call]++
	f, ok := s.faults[call]
	if !ok {
		return nil
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, call)
		}
	}
	return f.apiError()
}

// ServeHTTP routes a request to its service by the credential scope of its
// signature (falling back to the request's shape), refuses unsigned
// requests, and answers in the service's protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := stableUUID(fmt.Sprintf("request/%d/%p", s.requests.Add(1), s))
	scope, authErr := signingScope(r)
	name := scope.service
	if authErr != nil {
		name = guessService(r)
	}
	svc, ok := s.services[name]
	if !ok {
		http.Error(w, fmt.Sprintf("awssim: no simulated service for this request (signing name %q)", name), http.StatusBadRequest)
		return
	}
	if authErr != nil {
		svc.writeError(w, requestID, authErr)
		return
	}
	if scope.region != s.cloud.Region() {
		svc.writeError(w, requestID, errWrongRegion(scope.region, s.cloud.Region()))
		return
	}
	op, err := svc.operation(r)
	if err != nil {
		svc.writeError(w, requestID, asAPIError(err))
		return
	}
	if refused := s.authorize(name, op, scope, r); refused != nil {
		svc.writeError(w, requestID, refused)
		return
	}
	if fault := s.countCall(name + ":" + op); fault != nil {
		svc.writeError(w, requestID, fault)
		return
	}
	if throttled := s.throttle(name, op); throttled != nil {
		svc.writeError(w, requestID, throttled)
		return
	}
	out, err := svc.call(op, r)
	if err != nil {
		svc.writeError(w, requestID, asAPIError(err))
		return
	}
	svc.writeResult(w, requestID, op, out)
}
