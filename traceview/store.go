// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// DefaultMaxSpans is the bound of the store when the host's configuration
// does not set backend.tracing.embedded.maxSpans.
const DefaultMaxSpans = 100_000

// MaxStoreSpans is the largest store NewStore makes: about 10 GB of
// memory at typical span sizes, beyond which a misconfigured bound would
// let the store take the host down.
const MaxStoreSpans = 10_000_000

var _ sdktrace.SpanExporter = (*Store)(nil)

// Store keeps the most recent spans in memory for the viewer. It is an
// OpenTelemetry span exporter: register it with a tracer provider and hand
// it the spans relayed from external plugins.
//
// The store shares its bound among the sources of its spans, so that one
// plugin cannot evict the rest. A span's source is the external plugin
// named by its resource attribute plugtrace.plugin.id, which the relay sets
// on every span it relays, or else the host (whose in-process plugins are
// part of it). To make room, the store evicts the oldest trace of the
// source that holds the most spans. A trace counts as one of each source
// that sent spans to it, and each of its spans counts against the source
// that sent it. So a plugin that floods the store evicts only traces it
// sent spans to, while a trace that only the host, or only another
// plugin, sent spans to is evicted only while its source holds as many
// spans as any other: with n sources, each keeps the traces that are its
// alone while it holds fewer than maxSpans/n spans, whatever the others
// send.
//
// A Store is safe for concurrent use: spans may be exported from several
// goroutines while others query.
type Store struct {
	maxSpans int

	mu sync.RWMutex
	// traces holds every stored trace. order holds the same traces, from
	// order[head], for queries to scan: by when they were first seen, the
	// newest at the end, except that evicting a trace other than
	// order[head] moves order[head] into its slot, and no other trace.
	traces    map[trace.TraceID]*traceEntry
	order     []*traceEntry
	head      int
	spanCount int
	// sources holds the sources of the stored spans by plugin id, the
	// host's under ""; bySize holds them as a heap, the next to give up a
	// trace at the top. seq numbers the shares, in the order they start.
	sources   map[string]*source
	bySize    sourceHeap
	seq       uint64
	resources map[attribute.Distinct]*resourceInfo
	scopes    map[scopeKey]*scopeInfo
	stopped   bool
}

// NewStore returns an empty store that keeps at most maxSpans spans. When a
// span would exceed the bound, the store evicts whole traces until it fits:
// the oldest traces of the source that holds the most spans, as [Store]
// explains. With one source, such as a host without external plugins, the
// traces seen first go first. A trace keeps its place in that order while
// it receives spans. When the trace to evict is the one the span belongs
// to, the span is dropped instead: a trace keeps its first spans, and a
// single trace with more spans than the bound keeps its first maxSpans.
// maxSpans must be positive; [DefaultMaxSpans] is the host's default.
func NewStore(maxSpans int) (*Store, error) {
	if maxSpans <= 0 || maxSpans > MaxStoreSpans {
		return nil, fmt.Errorf("traceview: maxSpans must be between 1 and %d, got %d", MaxStoreSpans, maxSpans)
	}
	return &Store{
		maxSpans:  maxSpans,
		traces:    make(map[trace.TraceID]*traceEntry),
		sources:   make(map[string]*source),
		resources: make(map[attribute.Distinct]*resourceInfo),
		scopes:    make(map[scopeKey]*scopeInfo),
	}, nil
}

// MaxSpans returns the bound the store was created with.
func (s *Store) MaxSpans() int { return s.maxSpans }

// ExportSpans stores spans. Spans of one trace may come in any order, in
// several batches and from several processes; a span already stored (same
// trace and span id) is ignored, so a retried batch does no harm.
//
// It returns ctx's error if ctx is already done, and does nothing after
// [Store.Shutdown].
func (s *Store) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(spans) == 0 {
		return nil
	}
	// Copy what the viewer needs before taking the lock, so that queries and
	// other exporters wait only for the cheap part.
	bp := pendingPool.Get().(*[]pendingSpan)
	batch := (*bp)[:0]
	for _, ro := range spans {
		batch = append(batch, newPendingSpan(ro))
	}

	s.mu.Lock()
	if !s.stopped {
		var c ingestCache
		for i := range batch {
			s.insert(&batch[i], &c)
		}
	}
	s.mu.Unlock()

	clear(batch) // drop the references to the spans' data
	*bp = batch[:0]
	pendingPool.Put(bp)
	return nil
}

// pendingPool recycles the scratch space of ExportSpans: a batch of
// converted spans is a few hundred bytes per span, dropped at once.
var pendingPool = sync.Pool{New: func() any { return new([]pendingSpan) }}

// Shutdown stops the store from accepting spans. The spans it holds stay
// available to queries, so the viewer keeps working while the host's
// tracer provider shuts down.
func (s *Store) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	return ctx.Err()
}

// ingestCache remembers the last trace, resource, scope and source of a
// batch: consecutive spans usually share them, which saves map lookups.
type ingestCache struct {
	entry    *traceEntry
	resource *resource.Resource
	res      *resourceInfo
	scopeKey scopeKey
	scope    *scopeInfo
	srcRes   *resource.Resource
	src      *source
}

// insert adds one span and evicts traces until the bound holds. The caller
// holds s.mu.
func (s *Store) insert(p *pendingSpan, c *ingestCache) {
	e := c.entry
	if e == nil || e.evicted || e.id != p.traceID {
		e = s.traces[p.traceID] // nil for a new trace
		c.entry = e
	}
	if e != nil && e.contains(p.span.id) {
		return
	}
	// Make room first. When the trace to evict is this span's own, it is
	// the next to go: the store keeps its first spans, and drops this one
	// rather than give up another trace for it.
	for s.spanCount >= s.maxSpans {
		victim := s.bySize[0].oldest.trace
		if victim == e {
			return
		}
		s.evict(victim)
	}
	if e == nil {
		e = newTraceEntry(p.traceID, len(s.order))
		s.traces[p.traceID] = e
		s.order = append(s.order, e)
		c.entry = e
	}
	p.span.res = s.acquireResource(p.resource, c)
	p.span.scope = s.acquireScope(p.scope, c)
	e.add(p.span, p.plugin)
	s.spanCount++
	s.charge(e, s.sourceOf(p.resource, c))
}

// evict removes a trace with all its spans. The caller holds s.mu.
func (s *Store) evict(e *traceEntry) {
	s.unlist(e)
	delete(s.traces, e.id)
	s.spanCount -= len(e.spans)
	s.uncharge(&e.first)
	for _, sh := range e.more {
		s.uncharge(sh)
	}
	for i := range e.spans {
		s.releaseResource(e.spans[i].res)
		s.releaseScope(e.spans[i].scope)
	}
	// Spans are never modified once stored, so a query that copied the
	// slice header before the eviction still reads valid data.
	e.evicted = true
}

// unlist removes e from s.order. The caller holds s.mu.
func (s *Store) unlist(e *traceEntry) {
	if e.pos != s.head {
		// Fill the hole with the trace seen first, so that the newest
		// traces, which queries look at first, stay in order.
		oldest := s.order[s.head]
		s.order[e.pos] = oldest
		oldest.pos = e.pos
	}
	s.order[s.head] = nil
	s.head++
	if s.head >= 1024 && s.head*2 >= len(s.order) {
		// Move the live part to the front so that the slice does not grow
		// without bound. A move copies no more entries than were evicted
		// since the last one, so its cost per trace is constant.
		n := copy(s.order, s.order[s.head:])
		clear(s.order[n:])
		s.order = s.order[:n]
		s.head = 0
		for i, moved := range s.order {
			moved.pos = i
		}
	}
}
