// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/attribute"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plugtrace/plugtrace/traceview"
)

func TestNewStoreRejectsNonPositiveBound(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := traceview.NewStore(n); err == nil {
			t.Errorf("NewStore(%d) = nil error, want one", n)
		}
	}
}

// The relay delivers a plugin's spans in its own batches, and the host's
// batch processor exports children before parents: the summary must come
// out the same.
func TestStoreSummarizesTraceFromManyBatches(t *testing.T) {
	s := newStore(t, 100)
	spans := weatherTrace(1, baseTime)
	export(t, s, spans[spanUpstream], spans[spanFetch])      // plugin, first batch
	export(t, s, spans[spanGRPCClient])                      // host, child first
	export(t, s, spans[spanGRPCServer])                      // plugin, second batch
	export(t, s, spans[spanHTTPServer], spans[spanUpstream]) // root, and a retried span

	got := s.Traces(traceview.Query{})
	want := []traceview.TraceSummary{{
		TraceID:    traceID(1).String(),
		RootName:   "GET /api/weather/forecast",
		StartTime:  baseTime,
		DurationMs: 48,
		SpanCount:  weatherSpans,
		ErrorCount: 1,
		Plugins:    []string{"weather"},
	}}
	if !summariesEqual(got, want) {
		t.Errorf("Traces() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestRootNameBeforeRootArrives(t *testing.T) {
	s := newStore(t, 100)
	spans := weatherTrace(1, baseTime)
	export(t, s, spans[spanUpstream], spans[spanGRPCServer], spans[spanFetch])
	if got := s.Traces(traceview.Query{})[0].RootName; got != "plugin.v1.HTTP/Serve" {
		t.Errorf("without the root, RootName = %q, want the earliest span's name %q", got, "plugin.v1.HTTP/Serve")
	}
	export(t, s, spans[spanHTTPServer])
	if got := s.Traces(traceview.Query{})[0].RootName; got != "GET /api/weather/forecast" {
		t.Errorf("with the root, RootName = %q, want %q", got, "GET /api/weather/forecast")
	}
}

func TestDuplicateSpansAreIgnored(t *testing.T) {
	for _, size := range []int{3, 100} { // small traces are scanned, large ones indexed
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			s := newStore(t, 1000)
			var stubs []tracetest.SpanStub
			for i := range size {
				stubs = append(stubs, newSpan(1, i, 0, fmt.Sprint("span ", i), baseTime, time.Millisecond))
			}
			export(t, s, stubs...)
			export(t, s, stubs...)
			export(t, s, stubs[size-1])
			d, _ := s.Trace(traceID(1))
			if len(d.Spans) != size {
				t.Errorf("after exporting %d spans twice, the trace has %d spans", size, len(d.Spans))
			}
			if got := s.Traces(traceview.Query{})[0].SpanCount; got != size {
				t.Errorf("SpanCount = %d, want %d", got, size)
			}
		})
	}
}

func TestEvictsOldestTraceWhole(t *testing.T) {
	s := newStore(t, 10)
	// Four traces of three spans, seen in order 0, 1, 2, 3; trace 0 gets a
	// late span but stays the oldest.
	for tr := range 4 {
		export(t, s,
			newSpan(tr, 0, -1, "root", baseTime.Add(time.Duration(tr)*time.Second), 10*time.Millisecond),
			newSpan(tr, 1, 0, "child", baseTime.Add(time.Duration(tr)*time.Second), time.Millisecond))
		if tr == 2 {
			export(t, s, newSpan(0, 2, 0, "late child", baseTime, time.Millisecond))
		}
	}
	export(t, s, newSpan(3, 2, 0, "child 2", baseTime.Add(3*time.Second), time.Millisecond))
	assertTraces(t, s, map[int]int{0: 3, 1: 2, 2: 2, 3: 3}) // 10 spans: at the bound

	// An 11th span evicts trace 0, the first seen, with its late child.
	export(t, s, newSpan(4, 0, -1, "root", baseTime.Add(4*time.Second), time.Millisecond))
	assertTraces(t, s, map[int]int{1: 2, 2: 2, 3: 3, 4: 1})

	// A batch that overflows in its middle: its last span evicts trace 1,
	// and the batch is kept whole.
	export(t, s, newSpan(5, 0, -1, "root", baseTime, time.Millisecond), newSpan(5, 1, 0, "a", baseTime, time.Millisecond),
		newSpan(5, 2, 0, "b", baseTime, time.Millisecond))
	assertTraces(t, s, map[int]int{2: 2, 3: 3, 4: 1, 5: 3})
}

// A trace larger than the bound cannot be kept whole; the store stays
// within the bound and keeps its first spans.
func TestTraceLargerThanBound(t *testing.T) {
	s := newStore(t, 5)
	var stubs []tracetest.SpanStub
	for i := range 8 {
		stubs = append(stubs, newSpan(1, i, 0, fmt.Sprint("span ", i), baseTime.Add(time.Duration(i)*time.Millisecond), time.Millisecond))
	}
	export(t, s, stubs...)
	d, ok := s.Trace(traceID(1))
	if !ok || len(d.Spans) != 5 {
		t.Fatalf("Trace() = %d spans, %v; want the bound, 5", len(d.Spans), ok)
	}
	// The first spans stay (the root and the top of the waterfall); the
	// ones past the bound are dropped.
	if first, last := d.Spans[0].Name, d.Spans[4].Name; first != "span 0" || last != "span 4" {
		t.Errorf("kept spans %q..%q, want span 0..span 4", first, last)
	}
	// A newer trace still gets in, evicting the oversized one.
	export(t, s, newSpan(2, 0, 0, "next", baseTime.Add(time.Second), time.Millisecond))
	if _, ok := s.Trace(traceID(2)); !ok {
		t.Fatal("a new trace was refused")
	}
	if _, ok := s.Trace(traceID(1)); ok {
		t.Fatal("the oversized trace should have been evicted whole for the new one")
	}
}

func TestSpanSizeIsBounded(t *testing.T) {
	s := newStore(t, 10)
	stub := newSpan(3, 0, 0, strings.Repeat("n", 5000), baseTime, time.Millisecond)
	for i := range 200 {
		stub.Attributes = append(stub.Attributes, attribute.String(fmt.Sprint("k", i), strings.Repeat("v", 10000)))
	}
	export(t, s, stub)
	d, _ := s.Trace(traceID(3))
	sp := d.Spans[0]
	if len(sp.Attributes) != 128 || len(sp.Name) > 1100 {
		t.Fatalf("kept %d attributes and a name of %d bytes; want 128 and about 1 KiB", len(sp.Attributes), len(sp.Name))
	}
	for k, v := range sp.Attributes {
		if s, _ := v.(string); len(s) > 4200 || !strings.HasSuffix(s, "[cut]") {
			t.Fatalf("attribute %s kept %d bytes", k, len(s))
		}
	}
}

func assertTraces(t *testing.T, s *traceview.Store, want map[int]int) {
	t.Helper()
	got := map[int]int{}
	for tr := range 10 {
		if d, ok := s.Trace(traceID(tr)); ok {
			got[tr] = len(d.Spans)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored traces (trace: spans) = %v, want %v", got, want)
	}
	total := 0
	for _, sum := range s.Traces(traceview.Query{Limit: traceview.MaxLimit}) {
		total += sum.SpanCount
		if sum.SpanCount != want[traceIndex(t, sum.TraceID)] {
			t.Errorf("summary of %s: SpanCount %d, want %d", sum.TraceID, sum.SpanCount, want[traceIndex(t, sum.TraceID)])
		}
	}
	if total > s.MaxSpans() {
		t.Errorf("store holds %d spans, bound %d", total, s.MaxSpans())
	}
}

func traceIndex(t *testing.T, id string) int {
	for tr := range 1000 {
		if traceID(tr).String() == id {
			return tr
		}
	}
	t.Fatalf("unknown trace id %s", id)
	return -1
}

func TestTracesNewestFirstAndLimit(t *testing.T) {
	s := newStore(t, 5000)
	// Seen in an order unrelated to their start times.
	starts := []int{3, 0, 4, 1, 2}
	for tr, sec := range starts {
		export(t, s, newSpan(tr, 0, -1, fmt.Sprint("start ", sec), baseTime.Add(time.Duration(sec)*time.Second), time.Millisecond))
	}
	var names []string
	for _, sum := range s.Traces(traceview.Query{Limit: 3}) {
		names = append(names, sum.RootName)
	}
	if want := []string{"start 4", "start 3", "start 2"}; !slices.Equal(names, want) {
		t.Errorf("Traces(Limit: 3) = %q, want %q", names, want)
	}

	for tr := 5; tr < 1200; tr++ {
		export(t, s, newSpan(tr, 0, -1, "x", baseTime.Add(time.Duration(tr)*time.Second), time.Millisecond))
	}
	if got := len(s.Traces(traceview.Query{})); got != traceview.DefaultLimit {
		t.Errorf("zero Limit returned %d traces, want %d", got, traceview.DefaultLimit)
	}
	if got := len(s.Traces(traceview.Query{Limit: 5000})); got != traceview.MaxLimit {
		t.Errorf("Limit 5000 returned %d traces, want the cap %d", got, traceview.MaxLimit)
	}
}

func TestTracesFilters(t *testing.T) {
	s := newStore(t, 1000)
	ms := time.Millisecond
	// 0: the weather trace: services plugtrace and weather, plugin weather, an error, 48ms.
	export(t, s, weatherTrace(0, baseTime)...)
	// 1: an in-process plugin: service plugtrace, plugin todos, 5ms, no error.
	export(t, s,
		newSpan(1, 0, -1, "GET /api/todos/", baseTime.Add(time.Second), 5*ms),
		newSpan(1, 1, 0, "list todos", baseTime.Add(time.Second), 3*ms, plugin("todos")))
	// 2: a failed POST to todos, 200ms.
	export(t, s,
		newSpan(2, 0, -1, "POST /api/todos/", baseTime.Add(2*time.Second), 200*ms),
		newSpan(2, 1, 0, "create todo", baseTime.Add(2*time.Second), 190*ms, plugin("todos"), failed("missing title")))
	// 3: the host alone, 1ms.
	export(t, s, newSpan(3, 0, -1, "GET /healthz", baseTime.Add(3*time.Second), ms))

	yes, no := true, false
	tests := []struct {
		name string
		q    traceview.Query
		want []int // newest first
	}{
		{"none", traceview.Query{}, []int{3, 2, 1, 0}},
		{"plugin todos", traceview.Query{Plugin: "todos"}, []int{2, 1}},
		{"plugin weather", traceview.Query{Plugin: "weather"}, []int{0}},
		{"unknown plugin", traceview.Query{Plugin: "nope"}, nil},
		{"service weather", traceview.Query{Service: "weather"}, []int{0}},
		{"service plugtrace", traceview.Query{Service: "plugtrace"}, []int{3, 2, 1, 0}},
		{"errors", traceview.Query{Error: &yes}, []int{2, 0}},
		{"no errors", traceview.Query{Error: &no}, []int{3, 1}},
		{"min 48ms, inclusive", traceview.Query{MinDuration: 48 * ms}, []int{2, 0}},
		{"min 49ms", traceview.Query{MinDuration: 49 * ms}, []int{2}},
		{"todos errors", traceview.Query{Plugin: "todos", Error: &yes}, []int{2}},
		{"todos without errors over 4ms", traceview.Query{Plugin: "todos", Error: &no, MinDuration: 4 * ms}, []int{1}},
		{"limit", traceview.Query{Service: "plugtrace", Limit: 2}, []int{3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, sum := range s.Traces(tt.q) {
				got = append(got, traceIndex(t, sum.TraceID))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Traces(%+v) = traces %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// The summaries are copies: changing one does not change the store.
func TestSummariesAreCopies(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(0, baseTime)...)
	s.Traces(traceview.Query{})[0].Plugins[0] = "changed"
	if got := s.Traces(traceview.Query{})[0].Plugins[0]; got != "weather" {
		t.Errorf("after changing a returned summary, Plugins[0] = %q", got)
	}
}

func TestExportHonoursContext(t *testing.T) {
	s := newStore(t, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ExportSpans(ctx, snapshots(weatherTrace(0, baseTime)...)); !errors.Is(err, context.Canceled) {
		t.Errorf("ExportSpans(canceled ctx) = %v, want context.Canceled", err)
	}
	if got := s.Traces(traceview.Query{}); len(got) != 0 {
		t.Errorf("a canceled export stored %d traces", len(got))
	}
}

func TestShutdownKeepsSpansForQueries(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(0, baseTime)...)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	export(t, s, weatherTrace(1, baseTime)...) // ignored, without an error
	if got := len(s.Traces(traceview.Query{})); got != 1 {
		t.Errorf("after Shutdown, %d traces, want the 1 exported before", got)
	}
	if _, ok := s.Trace(traceID(0)); !ok {
		t.Error("after Shutdown, Trace() of a stored trace = false")
	}
}

// Exporters (the host's batch processor, the relay) and readers (the
// viewer) use the store at once. Run with -race.
func TestConcurrentIngestAndQueries(t *testing.T) {
	const (
		writers         = 4
		tracesPerWriter = 150
		maxSpans        = 500
	)
	s := newStore(t, maxSpans)
	ctx, cancel := context.WithCancel(context.Background())
	var readers, wg sync.WaitGroup
	for r := range 3 {
		readers.Go(func() {
			for ctx.Err() == nil {
				for _, sum := range s.Traces(traceview.Query{Plugin: "weather", Limit: 100 * (r + 1)}) {
					id := traceIDFromHex(t, sum.TraceID)
					if d, ok := s.Trace(id); ok && len(d.Spans) != weatherSpans {
						t.Errorf("trace %s has %d spans, want %d: evicted in part?", sum.TraceID, len(d.Spans), weatherSpans)
					}
				}
			}
		})
	}
	for w := range writers {
		wg.Go(func() {
			for i := range tracesPerWriter {
				tr := w*tracesPerWriter + i
				// Each trace in one batch, so that eviction (whole traces)
				// never leaves a partial one.
				if err := s.ExportSpans(context.Background(), snapshots(weatherTrace(tr, baseTime.Add(time.Duration(tr)*time.Millisecond))...)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	cancel()
	readers.Wait()

	all := s.Traces(traceview.Query{Limit: traceview.MaxLimit})
	if want := maxSpans / weatherSpans; len(all) != want {
		t.Errorf("after concurrent ingest, %d traces, want %d (bound %d spans)", len(all), want, maxSpans)
	}
	for _, sum := range all {
		if sum.SpanCount != weatherSpans || sum.ErrorCount != 1 {
			t.Errorf("trace %s: %d spans, %d errors; want %d, 1", sum.TraceID, sum.SpanCount, sum.ErrorCount, weatherSpans)
		}
	}
}

func summariesEqual(a, b []traceview.TraceSummary) bool {
	return slices.EqualFunc(a, b, func(x, y traceview.TraceSummary) bool {
		return x.TraceID == y.TraceID && x.RootName == y.RootName && x.StartTime.Equal(y.StartTime) &&
			x.DurationMs == y.DurationMs && x.SpanCount == y.SpanCount && x.ErrorCount == y.ErrorCount &&
			slices.Equal(x.Plugins, y.Plugins)
	})
}
