package traceview_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/traceview"
)

// The processes of the fixtures: the host, and the external plugin weather.
var (
	hostResource = resource.NewSchemaless(
		semconv.ServiceName("plugtrace"),
		semconv.ServiceVersion("0.1.0"),
		attribute.String("host.name", "dev-box"),
	)
	weatherResource = resource.NewSchemaless(
		semconv.ServiceName("weather"),
		attribute.Int("process.pid", 4242),
	)
	baseTime = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)
)

// traceID returns a distinct, valid trace id for n.
func traceID(n int) trace.TraceID {
	var id trace.TraceID
	binary.BigEndian.PutUint64(id[:8], 0x0af7651916cd43dd)
	binary.BigEndian.PutUint64(id[8:], uint64(n)+1)
	return id
}

// spanID returns a distinct, valid span id for the span n of trace t.
func spanID(t, n int) trace.SpanID {
	var id trace.SpanID
	binary.BigEndian.PutUint64(id[:], uint64(t)<<20|uint64(n)+1)
	return id
}

// spanOpt changes a span stub.
type spanOpt func(*tracetest.SpanStub)

func kind(k trace.SpanKind) spanOpt { return func(s *tracetest.SpanStub) { s.SpanKind = k } }
func res(r *resource.Resource) spanOpt {
	return func(s *tracetest.SpanStub) { s.Resource = r }
}
func attrs(kv ...attribute.KeyValue) spanOpt {
	return func(s *tracetest.SpanStub) { s.Attributes = append(s.Attributes, kv...) }
}
func plugin(id string) spanOpt { return attrs(attribute.String("plugtrace.plugin.id", id)) }
func failed(msg string) spanOpt {
	return func(s *tracetest.SpanStub) { s.Status = sdktrace.Status{Code: codes.Error, Description: msg} }
}
func event(name string, at time.Time, kv ...attribute.KeyValue) spanOpt {
	return func(s *tracetest.SpanStub) {
		s.Events = append(s.Events, sdktrace.Event{Name: name, Time: at, Attributes: kv})
	}
}
func scope(name, version string) spanOpt {
	return func(s *tracetest.SpanStub) {
		s.InstrumentationScope = instrumentation.Scope{Name: name, Version: version, SchemaURL: semconv.SchemaURL}
	}
}

// newSpan returns span n of trace t, a child of span parent (-1: a root),
// starting at start and lasting d. Defaults: internal, host resource.
func newSpan(t, n, parent int, name string, start time.Time, d time.Duration, opts ...spanOpt) tracetest.SpanStub {
	s := tracetest.SpanStub{
		Name: name,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID(t), SpanID: spanID(t, n), TraceFlags: trace.FlagsSampled,
		}),
		SpanKind:             trace.SpanKindInternal,
		StartTime:            start,
		EndTime:              start.Add(d),
		Resource:             hostResource,
		InstrumentationScope: instrumentation.Scope{Name: "github.com/plugtrace/plugtrace/host"},
	}
	if parent >= 0 {
		s.Parent = trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID(t), SpanID: spanID(t, parent), TraceFlags: trace.FlagsSampled,
		})
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func snapshots(stubs ...tracetest.SpanStub) []sdktrace.ReadOnlySpan {
	out := make([]sdktrace.ReadOnlySpan, len(stubs))
	for i, s := range stubs {
		out[i] = s.Snapshot()
	}
	return out
}

// Span indexes of [weatherTrace].
const (
	spanHTTPServer = iota
	spanGRPCClient
	spanGRPCServer
	spanFetch
	spanUpstream
	weatherSpans
)

// weatherTrace is one request to the external plugin weather, across two
// processes, the way the host and the relay deliver it:
//
//	GET /api/weather/forecast        host, server
//	└ plugin.v1.HTTP/Serve           host, client (gRPC to the plugin)
//	  └ plugin.v1.HTTP/Serve         weather, server
//	    └ fetch forecast             weather, internal, plugin weather
//	      └ GET                      weather, client, status error
func weatherTrace(t int, start time.Time) []tracetest.SpanStub {
	ms := time.Millisecond
	return []tracetest.SpanStub{
		spanHTTPServer: newSpan(t, spanHTTPServer, -1, "GET /api/weather/forecast", start, 48*ms,
			kind(trace.SpanKindServer), scope("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "0.72.0"),
			attrs(attribute.String("http.request.method", "GET"), attribute.String("url.path", "/api/weather/forecast"),
				attribute.Int("http.response.status_code", 502))),
		spanGRPCClient: newSpan(t, spanGRPCClient, spanHTTPServer, "plugin.v1.HTTP/Serve", start.Add(2*ms), 44*ms,
			kind(trace.SpanKindClient), attrs(attribute.String("rpc.system", "grpc"))),
		spanGRPCServer: newSpan(t, spanGRPCServer, spanGRPCClient, "plugin.v1.HTTP/Serve", start.Add(3*ms), 41*ms,
			kind(trace.SpanKindServer), res(weatherResource), attrs(attribute.String("rpc.system", "grpc"))),
		spanFetch: newSpan(t, spanFetch, spanGRPCServer, "fetch forecast", start.Add(4*ms), 38*ms,
			res(weatherResource), scope("plugtrace-plugin-weather", ""), plugin("weather"),
			attrs(attribute.String("weather.city", "Paris"), attribute.StringSlice("weather.days", []string{"mon", "tue"}))),
		spanUpstream: newSpan(t, spanUpstream, spanFetch, "GET", start.Add(5*ms), 35*ms,
			kind(trace.SpanKindClient), res(weatherResource), plugin("weather"), failed("upstream answered 503"),
			attrs(attribute.Int("http.response.status_code", 503), attribute.Float64("retry.backoff_s", 0.25)),
			event("exception", start.Add(39*ms), attribute.String("exception.type", "*httpclient.StatusError"),
				attribute.String("exception.message", "upstream answered 503"))),
	}
}

func newStore(t testing.TB, maxSpans int) *traceview.Store {
	t.Helper()
	s, err := traceview.NewStore(maxSpans)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func export(t testing.TB, s *traceview.Store, stubs ...tracetest.SpanStub) {
	t.Helper()
	if err := s.ExportSpans(context.Background(), snapshots(stubs...)); err != nil {
		t.Fatal(err)
	}
}

func traceIDFromHex(t testing.TB, s string) trace.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(s)
	if err != nil {
		t.Error(err)
	}
	return id
}
