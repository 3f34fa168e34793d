// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// traceEntry is one stored trace: its spans, in arrival order, and the
// summary that list queries read, kept up to date as spans arrive.
type traceEntry struct {
	id    trace.TraceID
	spans []span
	// spanIDs indexes the span ids of a large trace, to find duplicates
	// without a scan; small traces are scanned.
	spanIDs map[trace.SpanID]struct{}

	start, end int64 // earliest start and latest end, Unix nanoseconds
	errors     int   // spans with status error
	root       int   // index of the earliest span without a parent, or -1
	earliest   int   // index of the earliest span
	plugins    []string
	services   []string
	evicted    bool

	pos int // index in Store.order
	// first is the share of the source of the trace's first span; more
	// holds the others', for a trace that crosses processes.
	first share
	more  []*share
}

// indexAt is the span count from which a trace indexes its span ids.
const indexAt = 32

func newTraceEntry(id trace.TraceID, pos int) *traceEntry {
	return &traceEntry{id: id, root: -1, pos: pos}
}

// shareOf returns src's share of the trace, or nil if src sent it no span.
func (e *traceEntry) shareOf(src *source) *share {
	if e.first.src == src {
		return &e.first
	}
	for _, sh := range e.more {
		if sh.src == src {
			return sh
		}
	}
	return nil
}

// newShare returns a new, empty share of the trace for src, which has
// none yet.
func (e *traceEntry) newShare(src *source, seq uint64) *share {
	sh := &e.first
	if e.first.src != nil {
		sh = &share{}
		e.more = append(e.more, sh)
	}
	sh.trace, sh.src, sh.seq = e, src, seq
	return sh
}

func (e *traceEntry) contains(id trace.SpanID) bool {
	if e.spanIDs != nil {
		_, ok := e.spanIDs[id]
		return ok
	}
	for i := range e.spans {
		if e.spans[i].id == id {
			return true
		}
	}
	return false
}

// add appends sp, which the trace does not contain yet, and updates the
// summary.
func (e *traceEntry) add(sp span, plugin string) {
	i := len(e.spans)
	e.spans = append(e.spans, sp)
	if e.spanIDs != nil {
		e.spanIDs[sp.id] = struct{}{}
	} else if len(e.spans) >= indexAt {
		e.spanIDs = make(map[trace.SpanID]struct{}, 2*len(e.spans))
		for j := range e.spans {
			e.spanIDs[e.spans[j].id] = struct{}{}
		}
	}

	if i == 0 {
		e.start, e.end = sp.start, sp.end
	} else {
		e.start = min(e.start, sp.start)
		e.end = max(e.end, sp.end)
		if sp.start < e.spans[e.earliest].start {
			e.earliest = i
		}
	}
	if !sp.parent.IsValid() && (e.root < 0 || sp.start < e.spans[e.root].start) {
		e.root = i
	}
	if sp.status == codes.Error {
		e.errors++
	}
	if plugin != "" {
		e.plugins = insertSorted(e.plugins, plugin)
	}
	if svc := sp.res.service; svc != "" {
		e.services = insertSorted(e.services, svc)
	}
}

// rootName is the name of the span without a parent or, until it arrives,
// of the earliest span.
func (e *traceEntry) rootName() string {
	if e.root >= 0 {
		return e.spans[e.root].name
	}
	if len(e.spans) == 0 {
		return ""
	}
	return e.spans[e.earliest].name
}

func (e *traceEntry) hasPlugin(p string) bool  { return containsString(e.plugins, p) }
func (e *traceEntry) hasService(s string) bool { return containsString(e.services, s) }

// containsString is a linear search: a trace crosses few plugins and
// services, and this beats a binary search at that size.
func containsString(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}
