// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
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
// past it. Relayed, each process is also a plugin of its own, the worst
// case for the table of sources.
func TestStoreStaysBounded(t *testing.T) {
	for _, relayed := range []bool{false, true} {
		t.Run(fmt.Sprintf("relayed=%v", relayed), func(t *testing.T) { testStoreStaysBounded(t, relayed) })
	}
}

func testStoreStaysBounded(t *testing.T, relayed bool) {
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
		resAttrs := []attribute.KeyValue{attribute.String("service.name", fmt.Sprint("svc", i))}
		if relayed {
			resAttrs = append(resAttrs, attribute.String("plugtrace.plugin.id", fmt.Sprint("p", i)))
		}
		stub := tracetest.SpanStub{
			Name:                 "span",
			SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
			StartTime:            time.Unix(int64(i), 0),
			EndTime:              time.Unix(int64(i), 1),
			Attributes:           []attribute.KeyValue{attribute.String("plugtrace.plugin.id", fmt.Sprint("p", i))},
			Resource:             resource.NewSchemaless(resAttrs...),
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
		{"sources", len(s.sources), maxSpans},
	}
	for _, c := range checks {
		if c.n > c.max {
			t.Errorf("%s = %d, want at most %d", c.what, c.n, c.max)
		}
	}
	if spans != s.spanCount {
		t.Errorf("spanCount = %d, but the traces hold %d spans", s.spanCount, spans)
	}
	checkBookkeeping(t, s)
}

// The store's books (the scan order of the queries, the sources' queues
// and counts, the heap of sources) agree with the traces it holds, after
// every batch of a random mix of sources, trace sizes, late and repeated
// spans, and spans added to evicted traces.
func TestStoreBookkeeping(t *testing.T) {
	const maxSpans = 60
	s, err := NewStore(maxSpans)
	if err != nil {
		t.Fatal(err)
	}
	resources := []*resource.Resource{
		resource.NewSchemaless(attribute.String("service.name", "plugtrace")),
		resource.NewSchemaless(attribute.String("service.name", "a"), attribute.String("plugtrace.plugin.id", "a")),
		resource.NewSchemaless(attribute.String("service.name", "b"), attribute.String("plugtrace.plugin.id", "b")),
		resource.NewSchemaless(attribute.String("service.name", "flood"), attribute.String("plugtrace.plugin.id", "flood")),
		nil, // the host's, as a span stub without one
	}
	rng := rand.New(rand.NewPCG(1, 2))
	nextSpan := uint64(0)
	for range 1000 {
		var batch []sdktrace.ReadOnlySpan
		for range 1 + rng.IntN(20) {
			var tid trace.TraceID
			// Traces come back, so that spans are added to live traces,
			// to evicted ones, and repeated.
			binary.BigEndian.PutUint64(tid[8:], 1+rng.Uint64N(200))
			var sid trace.SpanID
			nextSpan++
			binary.BigEndian.PutUint64(sid[:], nextSpan)
			if rng.IntN(10) == 0 {
				binary.BigEndian.PutUint64(sid[:], 1+rng.Uint64N(nextSpan)) // maybe a repeat
			}
			r := resources[rng.IntN(len(resources))]
			if rng.IntN(2) == 0 {
				r = resources[3] // flood sends half the spans
			}
			stub := tracetest.SpanStub{
				Name:        "span",
				SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
				Resource:    r,
			}
			batch = append(batch, stub.Snapshot())
		}
		if err := s.ExportSpans(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		s.mu.RLock()
		ok := checkBookkeeping(t, s)
		s.mu.RUnlock()
		if !ok {
			return
		}
	}
}

// checkBookkeeping reports whether the store's books agree with its
// traces. The caller holds s.mu.
func checkBookkeeping(t *testing.T, s *Store) bool {
	t.Helper()
	fail := func(format string, args ...any) bool {
		t.Helper()
		t.Errorf(format, args...)
		return false
	}
	if s.spanCount > s.maxSpans {
		return fail("spanCount %d over the bound %d", s.spanCount, s.maxSpans)
	}
	// The scan order holds each trace once, at its pos.
	if n := len(s.order) - s.head; n != len(s.traces) {
		return fail("order holds %d traces, the store %d", n, len(s.traces))
	}
	for i, e := range s.order {
		switch {
		case i < s.head && e != nil:
			return fail("order[%d], before head %d, is not cleared", i, s.head)
		case i < s.head:
		case e == nil || e.evicted || s.traces[e.id] != e:
			return fail("order[%d] is not a stored trace", i)
		case e.pos != i:
			return fail("order[%d].pos = %d", i, e.pos)
		}
	}
	// Each trace's shares add up to its spans, each counted against the
	// source its resource names.
	perSource := map[*source]int{}
	spans := 0
	for _, e := range s.traces {
		spans += len(e.spans)
		want := map[string]int{}
		for i := range e.spans {
			v, _ := e.spans[i].res.res.Set().Value("plugtrace.plugin.id")
			want[v.AsString()]++
		}
		got := map[string]int{}
		for _, sh := range append([]*share{&e.first}, e.more...) {
			if sh.trace != e || sh.spans <= 0 || s.sources[sh.src.plugin] != sh.src {
				return fail("trace %s: share of %q: trace %p (want %p), %d spans, source stored %v",
					e.id, sh.src.plugin, sh.trace, e, sh.spans, s.sources[sh.src.plugin] == sh.src)
			}
			got[sh.src.plugin] += sh.spans
			perSource[sh.src]++
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fail("trace %s: shares %v, want the spans' sources %v", e.id, got, want)
		}
	}
	if spans != s.spanCount {
		return fail("spanCount = %d, the traces hold %d", s.spanCount, spans)
	}
	// Each source's queue holds its shares, oldest first, and its count
	// is theirs.
	total := 0
	for plugin, src := range s.sources {
		if src.plugin != plugin || src.index < 0 || src.index >= len(s.bySize) || s.bySize[src.index] != src {
			return fail("source %q: stored as %q, heap index %d", src.plugin, plugin, src.index)
		}
		n, sum := 0, 0
		var prev *share
		for sh := src.oldest; sh != nil; sh = sh.next {
			if sh.src != src || sh.prev != prev || sh.trace.evicted || (prev != nil && prev.seq >= sh.seq) {
				return fail("source %q: queue broken at share %d", plugin, n)
			}
			n++
			sum += sh.spans
			prev = sh
		}
		if src.newest != prev || n != perSource[src] || sum != src.spans || src.spans <= 0 {
			return fail("source %q: queue of %d shares and %d spans, counted %d spans; %d traces have a share",
				plugin, n, sum, src.spans, perSource[src])
		}
		total += src.spans
	}
	if total != s.spanCount {
		return fail("the sources count %d spans, the store %d", total, s.spanCount)
	}
	// The heap holds the sources, the one to give up a trace first on top.
	if len(s.bySize) != len(s.sources) {
		return fail("heap of %d sources, %d stored", len(s.bySize), len(s.sources))
	}
	for i := 1; i < len(s.bySize); i++ {
		if evictsBefore(s.bySize[i], s.bySize[(i-1)/2]) {
			return fail("heap out of order at %d", i)
		}
	}
	return true
}
