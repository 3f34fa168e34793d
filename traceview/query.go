// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"bytes"
	"time"
)

// Limits of [Query.Limit].
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Query selects traces for [Store.Traces]. The zero value selects the
// [DefaultLimit] most recent traces.
type Query struct {
	// Plugin keeps the traces with at least one span of this plugin (span
	// attribute plugtrace.plugin.id). Empty: any.
	Plugin string
	// Service keeps the traces with at least one span from this service
	// (resource attribute service.name). Empty: any.
	Service string
	// Error, when set, keeps the traces with at least one span whose status
	// is error (true), or the traces with none (false).
	Error *bool
	// MinDuration keeps the traces that last at least this long, from the
	// earliest span start to the latest span end.
	MinDuration time.Duration
	// Limit is the most traces returned: [DefaultLimit] when zero or
	// negative, at most [MaxLimit].
	Limit int
}

func (q Query) limit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

func (q Query) matches(e *traceEntry) bool {
	if q.MinDuration > 0 && e.end-e.start < int64(q.MinDuration) {
		return false
	}
	if q.Error != nil && *q.Error != (e.errors > 0) {
		return false
	}
	if q.Plugin != "" && !e.hasPlugin(q.Plugin) {
		return false
	}
	if q.Service != "" && !e.hasService(q.Service) {
		return false
	}
	return true
}

// TraceSummary is one row of the trace list.
type TraceSummary struct {
	TraceID    string    `json:"traceId"`    // 32 lower-case hex digits
	RootName   string    `json:"rootName"`   // see [Store.Traces]
	StartTime  time.Time `json:"startTime"`  // earliest span start, UTC
	DurationMs float64   `json:"durationMs"` // latest span end - StartTime
	SpanCount  int       `json:"spanCount"`
	ErrorCount int       `json:"errorCount"` // spans with status error
	Plugins    []string  `json:"plugins"`    // sorted plugin ids; never nil
}

// Traces returns the stored traces that match q, newest (latest start)
// first.
//
// A trace's root name is the name of its span without a parent; until that
// span arrives (or when only part of a trace is stored), the name of its
// earliest span.
func (s *Store) Traces(q Query) []TraceSummary {
	limit := q.limit()
	s.mu.RLock()
	defer s.mu.RUnlock()

	// Keep the newest matches in a min-heap of the limit's size. Scanning
	// from the most recently seen trace fills it with likely winners first,
	// so that most older traces fail the single comparison with the top.
	top := make(newestHeap, 0, min(limit, len(s.traces)))
	for i := len(s.order) - 1; i >= s.head; i-- {
		e := s.order[i]
		if len(top) == limit && !newer(e, top[0]) {
			continue
		}
		if !q.matches(e) {
			continue
		}
		if len(top) < limit {
			top.push(e)
		} else {
			top.replaceTop(e)
		}
	}

	out := make([]TraceSummary, len(top))
	for i := len(top) - 1; i >= 0; i-- {
		out[i] = summarize(top.pop())
	}
	return out
}

func summarize(e *traceEntry) TraceSummary {
	plugins := make([]string, len(e.plugins))
	copy(plugins, e.plugins)
	return TraceSummary{
		TraceID:    e.id.String(),
		RootName:   e.rootName(),
		StartTime:  time.Unix(0, e.start).UTC(),
		DurationMs: float64(e.end-e.start) / float64(time.Millisecond),
		SpanCount:  len(e.spans),
		ErrorCount: e.errors,
		Plugins:    plugins,
	}
}

// newer orders traces by start time, then by id so that the order is total.
func newer(a, b *traceEntry) bool {
	if a.start != b.start {
		return a.start > b.start
	}
	return bytes.Compare(a.id[:], b.id[:]) > 0
}

// newestHeap is a min-heap of traces by [newer]: the oldest kept trace is
// at the top, ready to be replaced by a newer one. (container/heap would
// box every element in an interface.)
type newestHeap []*traceEntry

func (h *newestHeap) push(e *traceEntry) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !newer(s[parent], s[i]) {
			break
		}
		s[parent], s[i] = s[i], s[parent]
		i = parent
	}
}

func (h newestHeap) replaceTop(e *traceEntry) {
	h[0] = e
	h.down(0)
}

func (h *newestHeap) pop() *traceEntry {
	s := *h
	e := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = nil
	*h = s[:last]
	h.down(0)
	return e
}

func (h newestHeap) down(i int) {
	for {
		least := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && newer(h[least], h[c]) {
				least = c
			}
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}
