// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/httpclient"
	"github.com/plugtrace/plugtrace/internal/benchpair"
)

// The SDK in the benchmarks has a span processor that does nothing: the
// numbers are the cost of making spans, not of exporting them. Requests carry
// a sampled remote parent, as in a plugin serving a traced request.

type discardProcessor struct{}

func (discardProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discardProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discardProcessor) Shutdown(context.Context) error                  { return nil }
func (discardProcessor) ForceFlush(context.Context) error                { return nil }

var remoteParent = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
	SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	TraceFlags: trace.FlagsSampled,
	Remote:     true,
})

var benchTracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(discardProcessor{}))

// benchTracing are the tracing options of the traced benchmarks: what a host
// gives a plugin.
func benchTracing() []httpclient.TracingOption {
	return []httpclient.TracingOption{
		httpclient.WithTracerProvider(benchTracerProvider),
		httpclient.WithPropagator(propagation.TraceContext{}),
		httpclient.WithMeterProvider(metricnoop.NewMeterProvider()),
		httpclient.WithAttributes(attribute.String("plugtrace.plugin.id", "weather")),
	}
}

// withOtelhttptrace swaps the lifecycle events for otelhttptrace's defaults
// (sub-spans and header attributes): the straightforward otelhttp +
// otelhttptrace chain, for reference.
func withOtelhttptrace(opts []httpclient.TracingOption) []httpclient.TracingOption {
	return append(opts, httpclient.WithClientTrace(func(ctx context.Context) *httptrace.ClientTrace {
		return otelhttptrace.NewClientTrace(ctx)
	}))
}

// BenchmarkGet is a GET on a kept-alive loopback connection to one server,
// with the response body read and closed, by clients from New that differ
// only in their middlewares:
//
//   - plain: none, the baseline;
//   - span: the client span and traceparent without lifecycle events;
//   - traced: the default chain (client span, traceparent, lifecycle events);
//   - otelhttp: otelhttp's transport, which the default chain used to be
//     built on, without events: compare with span;
//   - sdk-floor: sdkFloor, the least that any instrumentation with this
//     SDK, these attributes and events can cost;
//   - otelhttptrace: the reference chain of withOtelhttptrace.
//
// The clients have no overall timeout: net/http's per-request timer costs
// about 20 allocations, which would make the ratio look better than it is.
func BenchmarkGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"city":"Paris","temperature":21}`)
	}))
	defer srv.Close()

	for _, bc := range []struct {
		name        string
		middlewares []httpclient.Middleware
	}{
		{"plain", []httpclient.Middleware{}},
		{"span", []httpclient.Middleware{httpclient.TracingMiddleware(append(benchTracing(), httpclient.WithClientTrace(nil))...)}},
		{"traced", []httpclient.Middleware{httpclient.TracingMiddleware(benchTracing()...)}},
		{"otelhttp", []httpclient.Middleware{otelhttpTransport}},
		{"sdk-floor", []httpclient.Middleware{sdkFloor()}},
		{"otelhttptrace", []httpclient.Middleware{httpclient.TracingMiddleware(withOtelhttptrace(benchTracing())...)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			client, err := httpclient.New(httpclient.Options{Middlewares: bc.middlewares, Timeout: httpclient.NoTimeout})
			if err != nil {
				b.Fatal(err)
			}
			defer client.CloseIdleConnections()
			ctx := trace.ContextWithSpanContext(context.Background(), remoteParent)
			benchGet(b, ctx, client, srv.URL) // opens the connection
			b.ReportAllocs()
			for b.Loop() {
				benchGet(b, ctx, client, srv.URL)
			}
		})
	}
}

// otelhttpTransport is otelhttp's client transport with the settings of
// benchTracing.
func otelhttpTransport(next http.RoundTripper) http.RoundTripper {
	return otelhttp.NewTransport(next,
		otelhttp.WithTracerProvider(benchTracerProvider),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanOptions(trace.WithAttributes(attribute.String("plugtrace.plugin.id", "weather"))),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
}

// sdkFloor is the SDK's share of the default chain: a client span with the
// same attributes, fixed rather than computed, the two events of a
// kept-alive request, added after the response rather than timed by hooks,
// and a traceparent in a copy of the headers. No transport on this SDK that
// records as much can cost less.
func sdkFloor() httpclient.Middleware {
	tracer := benchTracerProvider.Tracer("floor")
	kind := trace.WithSpanKind(trace.SpanKindClient)
	getConn := trace.WithAttributes(otelhttptrace.HTTPConnectionReused.Bool(true), otelhttptrace.HTTPConnectionWasIdle.Bool(true))
	return func(next http.RoundTripper) http.RoundTripper {
		return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			ctx, span := tracer.Start(r.Context(), r.Method, kind)
			defer span.End()
			out := r.WithContext(ctx)
			out.Header = make(http.Header, len(r.Header)+1)
			propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(out.Header))
			res, err := next.RoundTrip(out)
			span.AddEvent("http.getconn", getConn)
			span.AddEvent("http.first_byte")
			span.SetAttributes(attribute.String("plugtrace.plugin.id", "weather"),
				semconv.HTTPRequestMethodGet, semconv.URLFull("http://127.0.0.1:8080/"), semconv.ServerAddress("127.0.0.1"),
				semconv.ServerPort(8080), semconv.HTTPResponseStatusCode(200), semconv.NetworkProtocolVersion("1.1"))
			return res, err
		})
	}
}

func benchGet(b *testing.B, ctx context.Context, client *http.Client, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatal(resp.Status, err)
	}
}

// BenchmarkTracingMiddleware is the cost of the middleware alone, without
// the network and its noise: a round tripper answers from memory after
// calling the hooks that net/http calls on a kept-alive connection. It splits
// the cost of tracing:
//
//   - none: no middleware, the baseline;
//   - span: the client span and propagation, without lifecycle events;
//   - traced: the default, span and lifecycle events;
//   - otelhttptrace-events: the span with otelhttptrace's hooks in their
//     cheapest mode (WithoutSubSpans, WithoutHeaders) instead.
func BenchmarkTracingMiddleware(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []httpclient.TracingOption
	}{
		{"none", nil},
		{"span", append(benchTracing(), httpclient.WithClientTrace(nil))},
		{"traced", benchTracing()},
		{"otelhttptrace-events", append(benchTracing(), httpclient.WithClientTrace(func(ctx context.Context) *httptrace.ClientTrace {
			return otelhttptrace.NewClientTrace(ctx, otelhttptrace.WithoutSubSpans(), otelhttptrace.WithoutHeaders())
		}))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var rt http.RoundTripper = memoryTransport{}
			if bc.opts != nil {
				rt = httpclient.TracingMiddleware(bc.opts...)(rt)
			}
			ctx := trace.ContextWithSpanContext(context.Background(), remoteParent)
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:8080/forecast", nil)
				if err != nil {
					b.Fatal(err)
				}
				resp, err := rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		})
	}
}

// memoryTransport answers every request with a small body, after calling the
// hooks of a request on a kept-alive connection, in net/http's order.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if ct := httptrace.ContextClientTrace(r.Context()); ct != nil {
		if ct.GetConn != nil {
			ct.GetConn(r.URL.Host)
		}
		if ct.GotConn != nil {
			ct.GotConn(httptrace.GotConnInfo{Conn: memoryConn{}, Reused: true, WasIdle: true})
		}
		if ct.WroteHeaders != nil {
			ct.WroteHeaders()
		}
		if ct.WroteRequest != nil {
			ct.WroteRequest(httptrace.WroteRequestInfo{})
		}
		if ct.GotFirstResponseByte != nil {
			ct.GotFirstResponseByte()
		}
	}
	body := `{"city":"Paris","temperature":21}`
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// memoryConn is the connection memoryTransport reports to hooks; only its
// addresses are ever used.
type memoryConn struct{ net.Conn }

func (memoryConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (memoryConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }

// BenchmarkGetVersusPlain reports the traced GET (default chain) and the
// plain one in alternating rounds on the same server (see
// internal/benchpair), with their ratio: the machine's drift cancels out.
// The allocation counts come from BenchmarkGet.
func BenchmarkGetVersusPlain(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"city":"Paris","temperature":21}`)
	}))
	defer srv.Close()
	traced, err := httpclient.New(httpclient.Options{
		Middlewares: []httpclient.Middleware{httpclient.TracingMiddleware(benchTracing()...)}, Timeout: httpclient.NoTimeout})
	if err != nil {
		b.Fatal(err)
	}
	plain, err := httpclient.New(httpclient.Options{Middlewares: []httpclient.Middleware{}, Timeout: httpclient.NoTimeout})
	if err != nil {
		b.Fatal(err)
	}
	defer traced.CloseIdleConnections()
	defer plain.CloseIdleConnections()
	ctx := trace.ContextWithSpanContext(context.Background(), remoteParent)
	benchGet(b, ctx, traced, srv.URL)
	benchGet(b, ctx, plain, srv.URL)
	benchpair.Compare(b, func() { benchGet(b, ctx, traced, srv.URL) }, func() { benchGet(b, ctx, plain, srv.URL) })
}

// BenchmarkFloorVersusPlain is BenchmarkGetVersusPlain for sdkFloor: the
// ratio that the default chain cannot go under on this machine.
func BenchmarkFloorVersusPlain(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"city":"Paris","temperature":21}`)
	}))
	defer srv.Close()
	floor, err := httpclient.New(httpclient.Options{Middlewares: []httpclient.Middleware{sdkFloor()}, Timeout: httpclient.NoTimeout})
	if err != nil {
		b.Fatal(err)
	}
	plain, err := httpclient.New(httpclient.Options{Middlewares: []httpclient.Middleware{}, Timeout: httpclient.NoTimeout})
	if err != nil {
		b.Fatal(err)
	}
	defer floor.CloseIdleConnections()
	defer plain.CloseIdleConnections()
	ctx := trace.ContextWithSpanContext(context.Background(), remoteParent)
	benchGet(b, ctx, floor, srv.URL)
	benchGet(b, ctx, plain, srv.URL)
	benchpair.Compare(b, func() { benchGet(b, ctx, floor, srv.URL) }, func() { benchGet(b, ctx, plain, srv.URL) })
}

// BenchmarkTimeoutVersusClientTimeout reports a GET through the default
// chain with Options.Timeout (a deadline on the request's context) against
// the same chain with the same timeout as http.Client.Timeout, which
// net/http enforces with a goroutine per request for a transport it does
// not know.
func BenchmarkTimeoutVersusClientTimeout(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"city":"Paris","temperature":21}`)
	}))
	defer srv.Close()
	chain := []httpclient.Middleware{httpclient.TracingMiddleware(benchTracing()...)}
	ours, err := httpclient.New(httpclient.Options{Middlewares: chain, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	theirs, err := httpclient.New(httpclient.Options{Middlewares: chain, Timeout: httpclient.NoTimeout})
	if err != nil {
		b.Fatal(err)
	}
	theirs.Timeout = 30 * time.Second
	defer ours.CloseIdleConnections()
	defer theirs.CloseIdleConnections()
	ctx := trace.ContextWithSpanContext(context.Background(), remoteParent)
	benchGet(b, ctx, ours, srv.URL)
	benchGet(b, ctx, theirs, srv.URL)
	benchpair.Compare(b, func() { benchGet(b, ctx, ours, srv.URL) }, func() { benchGet(b, ctx, theirs, srv.URL) })
}
