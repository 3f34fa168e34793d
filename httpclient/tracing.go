// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"context"
	"net/http"
	"net/http/httptrace"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// TracingMiddleware traces each request with a client span, built on
// otelhttp's transport:
//
//   - the span is a child of the span in the request's context, named after
//     the method ("GET"), with the current HTTP semantic conventions
//     (http.request.method, url.full, server.address, server.port,
//     http.response.status_code, error.type, ...) and the attributes of
//     [WithAttributes];
//   - the trace context is injected into the request headers;
//   - the request's lifecycle is recorded as events on the span (see the
//     package documentation), unless [WithClientTrace] says otherwise;
//   - the status is ERROR for a transport error and for a 4xx or 5xx
//     response;
//   - no attribute carries credentials from the URL: url.full has no user
//     info, and the values of the query parameters AWSAccessKeyId, Signature,
//     sig and X-Goog-Signature read REDACTED;
//   - the span ends when the response body is read to the end or closed.
//
// The tracer provider, propagator and meter provider default to the global
// ones, looked up when TracingMiddleware is called. A nil next round tripper
// means [http.DefaultTransport].
func TracingMiddleware(opts ...TracingOption) Middleware {
	var c tracingConfig
	for _, o := range opts {
		c = o.applyTracing(c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.prop == nil {
		c.prop = otel.GetTextMapPropagator()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	otelOpts := []otelhttp.Option{
		otelhttp.WithTracerProvider(c.tp),
		otelhttp.WithPropagators(c.prop),
		otelhttp.WithMeterProvider(c.mp),
		otelhttp.WithSpanNameFormatter(spanName),
	}
	if len(c.attrs) > 0 {
		otelOpts = append(otelOpts, otelhttp.WithSpanOptions(trace.WithAttributes(c.attrs...)))
	}
	switch {
	case !c.customClientTrace:
		otelOpts = append(otelOpts, otelhttp.WithClientTrace(lifecycleTrace))
	case c.clientTrace != nil:
		otelOpts = append(otelOpts, otelhttp.WithClientTrace(nonNilClientTrace(c.clientTrace)))
	}
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return &tracingTransport{
			traced: otelhttp.NewTransport(queryRedactor{next}, otelOpts...),
			next:   next,
		}
	}
}

// tracingTransport is otelhttp's transport plus CloseIdleConnections, which
// otelhttp does not forward.
type tracingTransport struct {
	traced *otelhttp.Transport
	next   http.RoundTripper
}

var _ http.RoundTripper = (*tracingTransport)(nil)

func (t *tracingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.traced.RoundTrip(r)
}

// CloseIdleConnections closes the idle connections of the wrapped transport.
func (t *tracingTransport) CloseIdleConnections() { closeIdleConnections(t.next) }

// spanName follows the HTTP semantic conventions for client spans without a
// URL template: the method, or "HTTP" for a method outside the standard set.
// Unlike otelhttp's default ("HTTP GET") it costs no allocation.
func spanName(_ string, r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead,
		http.MethodPatch, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return r.Method
	}
	return "HTTP"
}

// nonNilClientTrace adapts a user's hook factory to otelhttp, which needs a
// trace for every request.
func nonNilClientTrace(f func(context.Context) *httptrace.ClientTrace) func(context.Context) *httptrace.ClientTrace {
	return func(ctx context.Context) *httptrace.ClientTrace {
		if ct := f(ctx); ct != nil {
			return ct
		}
		return new(httptrace.ClientTrace)
	}
}
