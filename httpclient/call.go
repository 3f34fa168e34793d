// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// clientCall is the state of one recorded request, in a single allocation:
// its span and lifecycle hooks, the carrier that copies its headers, room
// for the attributes it sets and, once the response has come, the response
// body, which it wraps to end the span.
type clientCall struct {
	lifecycle
	carrier headerCarrier
	// The span's attributes, before they go to the span: enough for those of
	// a GET and one of WithAttributes; more make append allocate.
	attrs [8]attribute.KeyValue
	body  io.ReadCloser
	ended atomic.Bool
}

// watch ends the span now if res has no body, or else when the body ends.
func (c *clientCall) watch(res *http.Response) {
	if res.Body == nil || res.Body == http.NoBody {
		c.finish(nil)
		return
	}
	c.body = res.Body
	if w, ok := res.Body.(io.ReadWriteCloser); ok {
		// The body of a protocol switch (101) is writable; keep it so.
		res.Body = &readWriteBody{clientCall: c, w: w}
		return
	}
	res.Body = c
}

// Read reads the response body; its end, or an error, ends the span.
func (c *clientCall) Read(p []byte) (int, error) {
	n, err := c.body.Read(p)
	if err != nil {
		c.finish(err)
	}
	return n, err
}

// Close ends the span, if the body has not yet, and closes the body.
func (c *clientCall) Close() error {
	// End first: closing can block (an upgraded connection, a custom body).
	c.finish(nil)
	return c.body.Close()
}

// finish ends the span once. An error other than io.EOF, from reading the
// body, makes its status ERROR.
func (c *clientCall) finish(err error) {
	if !c.ended.CompareAndSwap(false, true) {
		return
	}
	if err != nil && !errors.Is(err, io.EOF) {
		c.span.SetAttributes(semconv.ErrorType(err))
		c.span.SetStatus(codes.Error, err.Error())
	}
	c.span.End()
}

// readWriteBody is the wrapped body of a response whose body is writable.
type readWriteBody struct {
	*clientCall
	w io.Writer
}

func (b *readWriteBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// headerCarrier is the carrier that the trace context is injected through.
// The first Set copies the request's headers, so that the caller's stay as
// they were; without one (nothing to propagate) there is no copy.
type headerCarrier struct {
	header http.Header
	copied bool
	values [2]string // the first values set, to spare an allocation each
	n      int
}

var _ propagation.TextMapCarrier = (*headerCarrier)(nil)

func (c *headerCarrier) Get(key string) string { return c.header.Get(key) }

func (c *headerCarrier) Set(key, value string) {
	if !c.copied {
		h := make(http.Header, len(c.header)+1)
		for k, v := range c.header {
			// Clipped, so that appending to a value of the copy cannot write
			// into the caller's array.
			h[k] = v[:len(v):len(v)]
		}
		c.header, c.copied = h, true
	}
	if c.n < len(c.values) {
		c.values[c.n] = value
		c.header[canonicalKey(key)] = c.values[c.n : c.n+1 : c.n+1]
		c.n++
		return
	}
	c.header[canonicalKey(key)] = []string{value}
}

func (c *headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c.header))
	for k := range c.header {
		keys = append(keys, k)
	}
	return keys
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey, without its allocation
// for the keys of the standard propagators.
func canonicalKey(key string) string {
	switch key {
	case "traceparent":
		return "Traceparent"
	case "tracestate":
		return "Tracestate"
	case "baggage":
		return "Baggage"
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}
