// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// scopeName is the instrumentation scope of the client spans and metrics.
const scopeName = "github.com/plugtrace/plugtrace/httpclient"

// TracingMiddleware traces each request with a client span:
//
//   - the span is a child of the span in the request's context, named after
//     the method ("GET"), with the current HTTP semantic conventions
//     (http.request.method, url.full, server.address, server.port,
//     http.response.status_code, network.protocol.version, error.type) and
//     the attributes of [WithAttributes];
//   - the trace context is injected into the headers of a copy of the
//     request, never into the caller's;
//   - the request's lifecycle is recorded as events on the span (see the
//     package documentation), unless [WithClientTrace] says otherwise;
//   - the status is ERROR for a transport error and for a 4xx or 5xx
//     response;
//   - no attribute carries credentials from the URL: url.full has no user
//     info, and the values of the query parameters AWSAccessKeyId, Signature,
//     sig and X-Goog-Signature read REDACTED;
//   - the span ends when the response body is read to the end, fails, or is
//     closed; a response without a body ends it at once.
//
// It also records the client metrics http.client.request.duration and
// http.client.request.body.size with the meter provider of
// [WithMeterProvider] (see the package documentation); with a no-op meter
// provider they cost nothing.
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
	tracer := c.tp.Tracer(scopeName)
	metrics := newClientMetrics(c.mp)
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		_, dialsTraced := next.(*baseTransport)
		return &tracingTransport{
			next:              next,
			dialsTraced:       dialsTraced,
			tracer:            tracer,
			attrs:             c.attrs,
			prop:              c.prop,
			metrics:           metrics,
			clientTrace:       c.clientTrace,
			customClientTrace: c.customClientTrace,
		}
	}
}

// tracingTransport is the round tripper of [TracingMiddleware].
type tracingTransport struct {
	next    http.RoundTripper
	tracer  trace.Tracer
	attrs   []attribute.KeyValue // of WithAttributes
	prop    propagation.TextMapPropagator
	metrics clientMetrics
	// Without WithClientTrace: the lifecycle events.
	clientTrace       func(context.Context) *httptrace.ClientTrace
	customClientTrace bool
	// next is the default transport, whose dialer records dial events.
	dialsTraced bool
}

var _ http.RoundTripper = (*tracingTransport)(nil)

var clientKind = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}

// RoundTrip sends r with a client span around it. The span ends here when
// there is no response body to wait for, or else when the body ends (see
// clientCall).
func (t *tracingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := r.Context()
	var start time.Time
	measure := t.metrics.enabled(ctx)
	if measure {
		start = time.Now()
	}
	method := requestMethod(r.Method)
	ctx, span := t.tracer.Start(ctx, method.spanName, clientKind...)

	// One allocation holds what a recorded request needs: the hooks, the
	// carrier that copies the headers, the attributes and the response body
	// wrapper.
	var call *clientCall
	var carrier *headerCarrier
	if span.IsRecording() {
		call = new(clientCall)
		call.span = span
		carrier = &call.carrier
	} else {
		carrier = new(headerCarrier)
	}
	switch {
	case !t.customClientTrace:
		if call != nil {
			ctx = httptrace.WithClientTrace(ctx, call.hooks(!t.dialsTraced))
			if t.dialsTraced {
				ctx = context.WithValue(ctx, dialEventsKey{}, &call.lifecycle)
			}
		}
	case t.clientTrace != nil:
		if ct := t.clientTrace(ctx); ct != nil {
			ctx = httptrace.WithClientTrace(ctx, ct)
		}
	}
	carrier.header = r.Header
	t.prop.Inject(ctx, carrier)

	// RoundTrippers must not change the request: send a shallow copy with
	// the new context and, if the propagator wrote any, the new headers.
	out := r.WithContext(ctx)
	out.Header = carrier.header

	res, err := t.next.RoundTrip(out)
	if err == nil && res == nil {
		err = fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", t.next)
	}
	if measure {
		t.metrics.record(ctx, time.Since(start), r, method, res, err)
	}
	if call == nil {
		// Nothing is recorded; the span still ends, for tracers that count.
		span.End()
		return res, err
	}
	// All attributes, those of WithAttributes included, go in one call, once
	// the outcome is known: the SDK then grows the span's attributes once.
	// (At Start, they would cost two more copies.)
	attrs := requestAttributes(r, method, append(call.attrs[:0], t.attrs...))
	if err != nil {
		span.SetAttributes(append(attrs, semconv.ErrorType(err))...)
		span.SetStatus(codes.Error, err.Error())
		span.End()
		return res, err
	}
	attrs, code, desc := responseAttributes(res, attrs)
	span.SetAttributes(attrs...)
	if code != codes.Unset {
		span.SetStatus(code, desc)
	}
	call.watch(res)
	return res, nil
}

// CloseIdleConnections closes the idle connections of the wrapped transport.
func (t *tracingTransport) CloseIdleConnections() { closeIdleConnections(t.next) }
