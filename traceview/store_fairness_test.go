// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/traceview"
	"github.com/plugtrace/plugtrace/traceview/internal/fixture"
)

// One plugin cannot evict the rest of the store: these tests flood a store
// of 1000 spans with 20 times as many from one external plugin, and check
// that the traces of the host and of the other plugins stay whole.

const (
	fairBound = 1000
	floodSize = 20 * fairBound
)

// process is a process whose spans reach the store: the host, or an
// external plugin, whose resource the relay stamps with its id. Its
// tracer provider records spans, and flush exports them the way the batch
// span processor and the relay do, in batches of up to 512.
type process struct {
	tracer trace.Tracer
	rec    *tracetest.SpanRecorder
}

func hostProcess() *process { return newProcess(hostResource) }

func pluginProcess(id string) *process {
	return newProcess(resource.NewSchemaless(semconv.ServiceName(id), attribute.String("plugtrace.plugin.id", id)))
}

func newProcess(res *resource.Resource) *process {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(rec))
	return &process{tracer: tp.Tracer("github.com/plugtrace/plugtrace/traceview_test"), rec: rec}
}

func (p *process) flush(t testing.TB, s *traceview.Store) {
	t.Helper()
	spans := p.rec.Ended()
	p.rec.Reset()
	for i := 0; i < len(spans); i += 512 {
		if err := s.ExportSpans(context.Background(), spans[i:min(i+512, len(spans))]); err != nil {
			t.Error(err) // not Fatal: writers run in goroutines of their own
		}
	}
}

// trace records a trace of n spans, a root and its children, under parent
// (a remote span context, or none), and returns its root's context.
func (p *process) trace(parent trace.SpanContext, n int) trace.SpanContext {
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	ctx, root := p.tracer.Start(ctx, "root")
	for i := 1; i < n; i++ {
		_, child := p.tracer.Start(ctx, fmt.Sprint("child ", i))
		child.End()
	}
	root.End()
	return root.SpanContext()
}

// flood records spans in new traces of 5 spans until it has recorded n,
// flushing as it goes.
func (p *process) flood(t testing.TB, s *traceview.Store, n int) {
	t.Helper()
	for i := 0; i < n; i += 5 {
		p.trace(trace.SpanContext{}, 5)
		if i%500 == 0 {
			p.flush(t, s)
		}
	}
	p.flush(t, s)
}

// served is a trace that the host served and handed to a plugin: the
// host's server span, and n spans of the plugin's under it.
func served(t testing.TB, s *traceview.Store, host, plugin *process, n int) trace.TraceID {
	t.Helper()
	sc := plugin.trace(host.trace(trace.SpanContext{}, 1), n)
	host.flush(t, s)
	plugin.flush(t, s)
	return sc.TraceID()
}

// assertWhole checks that each trace is stored with its spans.
func assertWhole(t *testing.T, s *traceview.Store, what string, ids []trace.TraceID, spans int) {
	t.Helper()
	lost := 0
	for _, id := range ids {
		if d, ok := s.Trace(id); !ok || len(d.Spans) != spans {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d %s traces lost or cut, want all %d kept with their %d spans", lost, len(ids), what, len(ids), spans)
	}
}

// storedSpans returns the number of spans in s, and of those from the
// service, and checks that s is full: the flood is no more than it may be.
func storedSpans(t *testing.T, s *traceview.Store, service string) (all, of int) {
	t.Helper()
	for _, sum := range s.Traces(traceview.Query{Limit: traceview.MaxLimit}) {
		all += sum.SpanCount
	}
	for _, sum := range s.Traces(traceview.Query{Service: service, Limit: traceview.MaxLimit}) {
		of += sum.SpanCount
	}
	// Evicting a trace of up to 5 spans to make room for one leaves up to
	// 4 free.
	if all > fairBound || all < fairBound-4 {
		t.Errorf("store holds %d spans, want it full: %d, less at most 4", all, fairBound)
	}
	return all, of
}

func TestFloodingPluginKeepsHostTraces(t *testing.T) {
	s := newStore(t, fairBound)
	host, flood := hostProcess(), pluginProcess("flood")
	var ids []trace.TraceID
	for range 50 {
		ids = append(ids, host.trace(trace.SpanContext{}, 3).TraceID())
	}
	host.flush(t, s)

	flood.flood(t, s, floodSize)
	assertWhole(t, s, "host", ids, 3)
	if all, flooded := storedSpans(t, s, "flood"); flooded != all-150 {
		t.Errorf("store holds %d spans, %d of them the flood's; want all but the host's 150", all, flooded)
	}

	// The host still gets its new traces in, at the flood's expense.
	for range 50 {
		ids = append(ids, host.trace(trace.SpanContext{}, 3).TraceID())
		host.flush(t, s)
	}
	assertWhole(t, s, "host", ids, 3)
	storedSpans(t, s, "flood")
}

// A quiet plugin's traces, which the host served, survive another plugin's
// flood, before it and during it.
func TestFloodingPluginKeepsOtherPluginsTraces(t *testing.T) {
	s := newStore(t, fairBound)
	host, quiet, flood := hostProcess(), pluginProcess("quiet"), pluginProcess("flood")
	var quietIDs, hostIDs []trace.TraceID
	for range 20 {
		quietIDs = append(quietIDs, served(t, s, host, quiet, 2))
		hostIDs = append(hostIDs, host.trace(trace.SpanContext{}, 2).TraceID())
	}
	host.flush(t, s)
	for range 20 {
		flood.flood(t, s, floodSize/20)
		quietIDs = append(quietIDs, served(t, s, host, quiet, 2))
	}
	assertWhole(t, s, "quiet plugin", quietIDs, 3)
	assertWhole(t, s, "host", hostIDs, 2)
	if all, flooded := storedSpans(t, s, "flood"); flooded != all-40*3-20*2 {
		t.Errorf("store holds %d spans, %d of them the flood's; want all but the 160 of the others", all, flooded)
	}
}

// A plugin knows the trace ids of the requests it serves, and can add
// spans to them. Those spans count against it: flooding the one trace it
// served costs the host no other trace.
func TestPluginFloodingHostTrace(t *testing.T) {
	s := newStore(t, fairBound)
	host, quiet, flood := hostProcess(), pluginProcess("quiet"), pluginProcess("flood")
	var hostIDs, quietIDs []trace.TraceID
	for range 50 {
		hostIDs = append(hostIDs, host.trace(trace.SpanContext{}, 3).TraceID())
		quietIDs = append(quietIDs, served(t, s, host, quiet, 1))
	}
	host.flush(t, s)
	target := host.trace(trace.SpanContext{}, 2)
	host.flush(t, s)

	// The host hands the request to flood, which answers with 20,000 spans.
	ctx, span := flood.tracer.Start(trace.ContextWithRemoteSpanContext(context.Background(), target), "serve")
	for i := range floodSize {
		_, child := flood.tracer.Start(ctx, "junk")
		child.End()
		if i%512 == 0 {
			flood.flush(t, s)
		}
	}
	span.End()
	flood.flush(t, s)

	assertWhole(t, s, "host", hostIDs, 3)
	assertWhole(t, s, "quiet plugin", quietIDs, 2)
	// The flooded trace keeps its first spans, the host's among them.
	d, ok := s.Trace(target.TraceID())
	if !ok {
		t.Fatal("the flooded trace was evicted")
	}
	if got := d.Spans[0].Name; got != "root" || len(d.Spans) != fairBound-50*5 {
		t.Errorf("flooded trace: %d spans, the first %q; want %d, the host's root first", len(d.Spans), got, fairBound-50*5)
	}
}

// A plugin that served many of the host's traces and then floods gives up
// those traces, which are its own too, before its new ones; the host's
// traces that it took no part in stay whole.
func TestFloodingPluginLosesTheTracesItServed(t *testing.T) {
	s := newStore(t, fairBound)
	host, flood := hostProcess(), pluginProcess("flood")
	var hostIDs, servedIDs []trace.TraceID
	for range 50 {
		hostIDs = append(hostIDs, host.trace(trace.SpanContext{}, 3).TraceID())
		servedIDs = append(servedIDs, served(t, s, host, flood, 2))
	}
	host.flush(t, s)
	flood.flood(t, s, floodSize)

	assertWhole(t, s, "host", hostIDs, 3)
	for _, id := range servedIDs {
		if _, ok := s.Trace(id); ok {
			t.Errorf("trace %s, served by the flooding plugin, is still stored; want its 20,000 newer spans to have evicted it", id)
		}
	}
	storedSpans(t, s, "flood")
}

// Two plugins that flood share the store: each keeps about half.
func TestFloodingPluginsShareTheStore(t *testing.T) {
	s := newStore(t, fairBound)
	a, b := pluginProcess("a"), pluginProcess("b")
	for range 20 {
		a.flood(t, s, floodSize/20)
		b.flood(t, s, floodSize/40)
	}
	all, ofA := storedSpans(t, s, "a")
	_, ofB := storedSpans(t, s, "b")
	if ofA+ofB != all || ofA < fairBound/2-10 || ofB < fairBound/2-10 {
		t.Errorf("a holds %d spans and b %d of %d; want half each, give or take two traces", ofA, ofB, all)
	}
}

// With a single source the store evicts the traces seen first, as it
// always did; an external plugin alone is such a source, like the host.
func TestSingleSourceEvictsOldestFirst(t *testing.T) {
	for _, src := range []*process{hostProcess(), pluginProcess("solo")} {
		s := newStore(t, fairBound)
		var ids []trace.TraceID
		for range 2 * fairBound / 4 {
			ids = append(ids, src.trace(trace.SpanContext{}, 4).TraceID())
		}
		src.flush(t, s)
		for i, id := range ids {
			_, ok := s.Trace(id)
			if want := i >= len(ids)/2; ok != want {
				t.Fatalf("trace %d of %d stored = %v, want only the newest half", i, len(ids), ok)
			}
		}
	}
}

// Exporters of the host and of plugins, one of them flooding, and readers
// use the store at once. Run with -race.
func TestConcurrentFlood(t *testing.T) {
	s := newStore(t, fairBound)
	host, quiet := hostProcess(), pluginProcess("quiet")
	ctx, cancel := context.WithCancel(context.Background())
	var readers, writers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for ctx.Err() == nil {
				for _, sum := range s.Traces(traceview.Query{Limit: traceview.MaxLimit}) {
					s.Trace(traceIDFromHex(t, sum.TraceID))
				}
			}
		})
	}
	for range 4 {
		writers.Go(func() { pluginProcess("flood").flood(t, s, floodSize/4) })
	}
	var hostIDs, quietIDs []trace.TraceID
	writers.Go(func() {
		for range 30 {
			hostIDs = append(hostIDs, host.trace(trace.SpanContext{}, 3).TraceID())
			host.flush(t, s)
			quietIDs = append(quietIDs, served(t, s, host, quiet, 2))
		}
	})
	writers.Wait()
	cancel()
	readers.Wait()

	assertWhole(t, s, "host", hostIDs, 3)
	assertWhole(t, s, "quiet plugin", quietIDs, 3)
	storedSpans(t, s, "flood")
}

// When sources hold as many spans each, the one whose oldest trace is
// older gives it up: the oldest trace of all goes first, as with one
// source.
func TestTieEvictsOldestTrace(t *testing.T) {
	plugin := res(resource.NewSchemaless(semconv.ServiceName("p"), attribute.String("plugtrace.plugin.id", "p")))
	for _, first := range []string{"host", "plugin"} {
		t.Run(first+" first", func(t *testing.T) {
			s := newStore(t, 4)
			// Traces 0 and 2 go to the source that comes first, 1 and 3 to
			// the other: two spans each.
			for tr := range 4 {
				var opts []fixture.Option
				if (tr%2 == 0) == (first == "plugin") {
					opts = append(opts, plugin)
				}
				export(t, s, newSpan(tr, 0, -1, "root", baseTime, time.Millisecond, opts...))
			}
			export(t, s, newSpan(4, 0, -1, "root", baseTime, time.Millisecond))
			assertTraces(t, s, map[int]int{1: 1, 2: 1, 3: 1, 4: 1})
		})
	}
}
