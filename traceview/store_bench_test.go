// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// The benchmarks feed the store spans shaped like the host's: an HTTP
// server span, a few plugin spans with attributes, spread over the host and
// three plugin processes, 5% of traces failing.

var benchPlugins = []string{"todos", "weather", "catalog", "search", "scaffolder"}

var benchResources = []*resource.Resource{
	hostResource,
	resource.NewSchemaless(semconv.ServiceName("weather"), attribute.Int("process.pid", 101)),
	resource.NewSchemaless(semconv.ServiceName("catalog"), attribute.Int("process.pid", 102)),
	resource.NewSchemaless(semconv.ServiceName("search"), attribute.Int("process.pid", 103)),
}

// benchRelayedResources are the same processes as external plugins, whose
// spans the relay stamps with plugtrace.plugin.id: four sources for the
// store's fairness rule instead of one.
var benchRelayedResources = []*resource.Resource{
	hostResource,
	resource.NewSchemaless(semconv.ServiceName("weather"), attribute.Int("process.pid", 101), attribute.String("plugtrace.plugin.id", "weather")),
	resource.NewSchemaless(semconv.ServiceName("catalog"), attribute.Int("process.pid", 102), attribute.String("plugtrace.plugin.id", "catalog")),
	resource.NewSchemaless(semconv.ServiceName("search"), attribute.Int("process.pid", 103), attribute.String("plugtrace.plugin.id", "search")),
}

// benchSpans returns nTraces traces of perTrace spans each, children first
// within a trace as a batch span processor exports them. Trace ids start
// at first.
func benchSpans(first, nTraces, perTrace int) []sdktrace.ReadOnlySpan {
	return benchSpansFrom(first, nTraces, perTrace, benchResources)
}

// benchSpansFrom is [benchSpans] with the plugins' spans spread over
// resources instead of [benchResources].
func benchSpansFrom(first, nTraces, perTrace int, resources []*resource.Resource) []sdktrace.ReadOnlySpan {
	serverAttrs := []attribute.KeyValue{
		attribute.String("http.request.method", "GET"),
		attribute.String("url.path", "/api/todos/"),
		attribute.Int("http.response.status_code", 200),
		attribute.String("server.address", "127.0.0.1"),
		attribute.Int("server.port", 7007),
		attribute.String("user_agent.original", "curl/8.5.0"),
	}
	out := make([]sdktrace.ReadOnlySpan, 0, nTraces*perTrace)
	for tr := first; tr < first+nTraces; tr++ {
		start := baseTime.Add(time.Duration(tr) * time.Millisecond)
		p := tr % len(benchPlugins)
		pluginAttrs := []attribute.KeyValue{
			attribute.String("plugtrace.plugin.id", benchPlugins[p]),
			attribute.String("plugtrace.principal.type", "user"),
			attribute.Int("todo.count", tr%17),
		}
		failing := tr%19 == 0 // 5%, spread over the plugins
		for n := perTrace - 1; n >= 0; n-- {
			var s tracetest.SpanStub
			switch {
			case perTrace == 1:
				s = newSpan(tr, 0, -1, "list todos", start, time.Duration(1+tr%200)*time.Millisecond,
					res(resources[p%len(resources)]), attrs(pluginAttrs...))
			case n == 0:
				s = newSpan(tr, 0, -1, "GET /api/todos/", start, time.Duration(1+tr%200)*time.Millisecond,
					kind(trace.SpanKindServer), attrs(serverAttrs...))
			default:
				s = newSpan(tr, n, n-1, fmt.Sprint("step ", n), start.Add(time.Duration(n)*time.Microsecond), time.Millisecond,
					res(resources[p%len(resources)]), attrs(pluginAttrs...))
			}
			if failing && n == perTrace-1 {
				failed("boom")(&s)
				event("exception", start, attribute.String("exception.message", "boom"))(&s)
			}
			out = append(out, s.Snapshot())
		}
	}
	return out
}

// BenchmarkExportSpans measures ingest into a full store, which evicts as
// it takes spans: the steady state of a long-running host. One op is one
// span; batches have 512 spans, the batch span processor's default.
//
// With relayed=true the plugins' spans come through the relay, so that the
// store makes room among four sources rather than one.
func BenchmarkExportSpans(b *testing.B) {
	for _, relayed := range []bool{false, true} {
		for _, perTrace := range []int{1, 10} {
			b.Run(fmt.Sprintf("relayed=%v/spansPerTrace=%d", relayed, perTrace), func(b *testing.B) {
				benchmarkExportSpans(b, perTrace, relayed)
			})
		}
	}
}

func benchmarkExportSpans(b *testing.B, perTrace int, relayed bool) {
	const maxSpans, batch = 100_000, 512
	resources := benchResources
	if relayed {
		resources = benchRelayedResources
	}
	// Twice the bound, so that a trace id comes round again only long
	// after its trace was evicted.
	pool := benchSpansFrom(0, 2*maxSpans/perTrace, perTrace, resources)
	s := newStore(b, maxSpans)
	for i := 0; i < maxSpans; i += batch { // fill: measure the full store
		if err := s.ExportSpans(context.Background(), pool[i:i+min(batch, maxSpans-i)]); err != nil {
			b.Fatal(err)
		}
	}
	pos := maxSpans
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done, len(pool)-pos)
		if err := s.ExportSpans(ctx, pool[pos:pos+n]); err != nil {
			b.Fatal(err)
		}
		done += n
		if pos += n; pos == len(pool) {
			pos = 0
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "spans/s")
}
