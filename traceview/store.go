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
// A Store is safe for concurrent use: spans may be exported from several
// goroutines while others query.
type Store struct {
	maxSpans int

	mu sync.RWMutex
	// traces holds every stored trace; order holds the same traces in the
	// order they were first seen, the oldest at order[head].
	traces    map[trace.TraceID]*traceEntry
	order     []*traceEntry
	head      int
	spanCount int
	resources map[attribute.Distinct]*resourceInfo
	scopes    map[scopeKey]*scopeInfo
	stopped   bool
}

// NewStore returns an empty store that keeps at most maxSpans spans. When a
// span would exceed the bound, the traces seen first are evicted whole until
// it fits; a trace that keeps receiving spans keeps its place in that order.
// A single trace with more spans than the bound cannot be kept whole: the
// store then holds its first maxSpans spans. maxSpans must be positive;
// [DefaultMaxSpans] is the host's default.
func NewStore(maxSpans int) (*Store, error) {
	if maxSpans <= 0 || maxSpans > MaxStoreSpans {
		return nil, fmt.Errorf("traceview: maxSpans must be between 1 and %d, got %d", MaxStoreSpans, maxSpans)
	}
	return &Store{
		maxSpans:  maxSpans,
		traces:    make(map[trace.TraceID]*traceEntry),
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

// ingestCache remembers the last trace, resource and scope of a batch:
// consecutive spans usually share them, which saves map lookups.
type ingestCache struct {
	entry    *traceEntry
	resource *resource.Resource
	res      *resourceInfo
	scopeKey scopeKey
	scope    *scopeInfo
}

// insert adds one span and evicts old traces until the bound holds. The
// caller holds s.mu.
func (s *Store) insert(p *pendingSpan, c *ingestCache) {
	e := c.entry
	if e == nil || e.evicted || e.id != p.traceID {
		e = s.traces[p.traceID]
		if e == nil {
			e = newTraceEntry(p.traceID)
			s.traces[p.traceID] = e
			s.order = append(s.order, e)
		}
		c.entry = e
	}
	if e.contains(p.span.id) {
		return
	}
	// Make room first, oldest traces first. When the oldest trace left is
	// this span's own, the store holds nothing older to give up: a trace
	// larger than the bound keeps its first spans, and this one is dropped.
	for s.spanCount >= s.maxSpans {
		if s.order[s.head] == e {
			if len(e.spans) == 0 { // a new trace that cannot fit at all
				s.dropEmpty(e)
			}
			return
		}
		s.evictOldest()
	}
	p.span.res = s.acquireResource(p.resource, c)
	p.span.scope = s.acquireScope(p.scope, c)
	e.add(p.span, p.plugin)
	s.spanCount++
}

// dropEmpty forgets a trace entry that got no span. The caller holds s.mu.
func (s *Store) dropEmpty(e *traceEntry) {
	delete(s.traces, e.id)
	e.evicted = true
	if n := len(s.order); n > s.head && s.order[n-1] == e {
		s.order[n-1] = nil
		s.order = s.order[:n-1]
	}
}

// evictOldest removes the trace seen first, with all its spans. The caller
// holds s.mu.
func (s *Store) evictOldest() {
	e := s.order[s.head]
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
	}
	delete(s.traces, e.id)
	s.spanCount -= len(e.spans)
	for i := range e.spans {
		s.releaseResource(e.spans[i].res)
		s.releaseScope(e.spans[i].scope)
	}
	// Spans are never modified once stored, so a query that copied the
	// slice header before the eviction still reads valid data.
	e.evicted = true
}
