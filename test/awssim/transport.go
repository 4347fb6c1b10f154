package awssim

import (
	"io"
	"net/http"
)

// loopbackTransport is the HTTP transport of the clients AWSConfig builds.
//
// It hides the io.WriterTo method of request bodies. The SDK wraps a request
// body in a reader whose WriteTo answers io.EOF once the body is closed, and
// it closes the body as soon as the response arrives. net/http, after sending
// a body of known length, copies whatever follows it to check that there is
// nothing more, and that copy goes through WriteTo. A server as fast as a
// loopback one answers before that check runs; the check then fails with
// io.EOF and net/http tears down the connection under the response being
// read, which the SDK sees as a transport error and retries. Against AWS the
// network is slow enough that this never happens; here it would make one call
// in a few hundred count twice. Read alone returns io.EOF cleanly.
type loopbackTransport struct {
	base *http.Transport
}

// RoundTrip sends the request with its body reduced to Read and Close.
func (t loopbackTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		clone := r.Clone(r.Context())
		clone.Body = readCloserOnly{r.Body}
		r = clone
	}
	return t.base.RoundTrip(r)
}

// readCloserOnly exposes only Read and Close of a request body.
type readCloserOnly struct{ io.ReadCloser }
