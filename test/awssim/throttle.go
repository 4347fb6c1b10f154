package awssim

import (
	"net/http"
	"strings"
	"time"
)

// TokenBucket is one request token bucket: it holds at most Size tokens,
// each request takes one, and RefillPerSecond tokens flow back in every
// second. A request that finds the bucket empty is throttled.
type TokenBucket struct {
	Size            int
	RefillPerSecond float64
}

// Throttle limits the request rate of one service the way EC2 documents
// its request rate limiting ("Request throttling for the Amazon EC2 API"):
// every action has a bucket of its own, sized by the action's category.
type Throttle struct {
	// Mutating is the bucket of each action that changes something.
	Mutating TokenBucket
	// NonMutating is the bucket of each Describe*, Get* and List* action.
	NonMutating TokenBucket
}

// EC2Throttle returns the request token buckets that EC2 documents for an
// account: 200 tokens refilled at 5 per second for each mutating action,
// 100 refilled at 20 per second for each non-mutating one.
func EC2Throttle() Throttle {
	return Throttle{
		Mutating:    TokenBucket{Size: 200, RefillPerSecond: 5},
		NonMutating: TokenBucket{Size: 100, RefillPerSecond: 20},
	}
}

// bucketState is the content of one action's bucket.
type bucketState struct {
	tokens float64
	last   time.Time
}

// SetThrottle turns on request throttling for one service, named as in
// Calls ("ec2", "autoscaling", "ssm" or "eks"), with full buckets. A
// throttled call is answered with the service's own throttling error, which
// the SDK's retryer backs off from: RequestLimitExceeded with HTTP 503 for
// EC2, Throttling with HTTP 400 for Auto Scaling, ThrottlingException for
// SSM (400) and EKS (429). Buckets refill by the Cloud's clock, so a test
// with a fixed clock gets exactly Size calls per action. Throttling is off
// until SetThrottle is called.
func (s *Server) SetThrottle(service string, t Throttle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttles[service] = t
	for key := range s.buckets {
		if strings.HasPrefix(key, service+":") {
			delete(s.buckets, key)
		}
	}
}

// ClearThrottles turns request throttling off for every service.
func (s *Server) ClearThrottles() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.throttles)
	clear(s.buckets)
}

// nonMutating reports whether an action only reads.
func nonMutating(op string) bool {
	for _, prefix := range []string{"Describe", "Get", "List"} {
		if strings.HasPrefix(op, prefix) {
			return true
		}
	}
	return false
}

// throttle takes a token for a call of service:op and returns the error to
// answer when there is none.
func (s *Server) throttle(service, op string) *apiError {
	now := s.cloud.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.throttles[service]
	if !ok {
		return nil
	}
	spec := t.Mutating
	if nonMutating(op) {
		spec = t.NonMutating
	}
	key := service + ":" + op
	b, ok := s.buckets[key]
	if !ok {
		b = &bucketState{tokens: float64(spec.Size), last: now}
		s.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(float64(spec.Size), b.tokens+elapsed*spec.RefillPerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	return throttlingError(service)
}

// throttlingError is each service's answer to a caller over its rate.
func throttlingError(service string) *apiError {
	switch service {
	case "ec2":
		return &apiError{status: http.StatusServiceUnavailable, code: "RequestLimitExceeded", message: "Request limit exceeded."}
	case "autoscaling":
		return &apiError{status: http.StatusBadRequest, code: "Throttling", message: "Rate exceeded"}
	case "eks":
		return &apiError{status: http.StatusTooManyRequests, code: "ThrottlingException", message: "Rate exceeded"}
	}
	return &apiError{status: http.StatusBadRequest, code: "ThrottlingException", message: "Rate exceeded"}
}
