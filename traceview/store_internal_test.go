// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Memory stays proportional to the bound: after far more spans than the
// bound, each from its own process and tracer (the worst case for the
// shared resource and scope tables), nothing the store keeps has grown
// past it.
func TestStoreStaysBounded(t *testing.T) {
	const maxSpans = 100
	s, err := NewStore(maxSpans)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 * maxSpans {
		var tid trace.TraceID
		binary.BigEndian.PutUint64(tid[8:], uint64(i/3+1)) // traces of three spans
		var sid trace.SpanID
		binary.BigEndian.PutUint64(sid[:], uint64(i+1))
		stub := tracetest.SpanStub{
			Name:                 "span",
			SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
			StartTime:            time.Unix(int64(i), 0),
			EndTime:              time.Unix(int64(i), 1),
			Attributes:           []attribute.KeyValue{attribute.String("plugtrace.plugin.id", fmt.Sprint("p", i))},
			Resource:             resource.NewSchemaless(attribute.String("service.name", fmt.Sprint("svc", i))),
			InstrumentationScope: instrumentation.Scope{Name: fmt.Sprint("scope", i)},
		}
		if err := s.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{stub.Snapshot()}); err != nil {
			t.Fatal(err)
		}
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	spans := 0
	for _, e := range s.traces {
		spans += len(e.spans)
	}
	checks := []struct {
		what string
		n    int
		max  int
	}{
		{"span count", s.spanCount, maxSpans},
		{"spans in traces", spans, maxSpans},
		{"traces", len(s.traces), maxSpans},
		{"eviction queue", len(s.order) - s.head, len(s.traces)},
		{"eviction queue capacity", cap(s.order), 2*maxSpans + 2048},
		{"resources", len(s.resources), maxSpans},
		{"scopes", len(s.scopes), maxSpans},
	}
	for _, c := range checks {
		if c.n > c.max {
			t.Errorf("%s = %d, want at most %d", c.what, c.n, c.max)
		}
	}
	if spans != s.spanCount {
		t.Errorf("spanCount = %d, but the traces hold %d spans", s.spanCount, spans)
	}
}
