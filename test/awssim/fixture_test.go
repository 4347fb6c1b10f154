package awssim

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// testRegion is the region of every test cloud.
const testRegion = "us-east-1"

// baseTime is the fixed time of the test clouds' clock.
func baseTime() time.Time { return time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC) }

// newTestCloud returns an empty cloud with a fixed clock.
func newTestCloud() *Cloud {
	c := NewCloud(testRegion)
	c.SetClock(baseTime)
	return c
}

// startServer runs a server for c that the test closes when it ends.
func startServer(t *testing.T, c *Cloud) *Server {
	t.Helper()
	srv, err := Start(c)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// must fails the test on a model error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// instanceID returns the n-th test instance ID.
func instanceID(n int) string { return fmt.Sprintf("i-%017x", n) }

// imageID returns the n-th test image ID.
func imageID(n int) string { return fmt.Sprintf("ami-%017x", n) }

// templateID returns the n-th test launch template ID.
func templateID(n int) string { return fmt.Sprintf("lt-%017x", n) }

// errorCode returns the AWS error code the SDK surfaced, or "" if err is not
// an API error.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// wantCode fails the test unless err carries the AWS error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", want)
	}
	if got := errorCode(err); got != want {
		t.Fatalf("got error code %q (%v), want %q", got, err, want)
	}
}

// ctx returns a context that ends with the test.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
