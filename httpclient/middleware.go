// SPDX-License-Identifier: Apache-2.0

package httpclient

import "net/http"

// Middleware wraps a round tripper with another, for example to trace, retry
// or authenticate requests. It is called once, when a client is made.
type Middleware func(next http.RoundTripper) http.RoundTripper

// RoundTripperFunc lets an ordinary function serve as an [http.RoundTripper],
// which makes small middlewares short to write.
type RoundTripperFunc func(*http.Request) (*http.Response, error)

var _ http.RoundTripper = RoundTripperFunc(nil)

// RoundTrip calls f(r).
func (f RoundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Chain wraps base in the middlewares; the first one is the outermost, so it
// sees a request first and its response last.
func Chain(base http.RoundTripper, middlewares ...Middleware) http.RoundTripper {
	rt := base
	for i := len(middlewares) - 1; i >= 0; i-- {
		rt = middlewares[i](rt)
	}
	return rt
}

// chainTransport is the transport of a client made by New: the middleware
// chain, plus the base transport so that [http.Client.CloseIdleConnections]
// reaches it through middlewares that do not forward the call.
type chainTransport struct {
	rt   http.RoundTripper
	base http.RoundTripper
}

var _ http.RoundTripper = (*chainTransport)(nil)

func (t *chainTransport) RoundTrip(r *http.Request) (*http.Response, error) { return t.rt.RoundTrip(r) }

// CloseIdleConnections closes the idle connections of the base transport.
func (t *chainTransport) CloseIdleConnections() { closeIdleConnections(t.base) }

func closeIdleConnections(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
