// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"github.com/plugtrace/plugtrace/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Fairness. Each span counts against its source: the external plugin that
// sent it, which the relay names in the resource attribute
// plugtrace.plugin.id, or the host. A plugin cannot pass its spans off as
// the host's or another plugin's: the relay overwrites that attribute, and
// the host's own resource has none.
//
// A source keeps a queue of its traces, the oldest first: the traces it
// sent spans to, in the order of the first span it sent to each, a trace
// crossing several processes being in the queue of each. The store makes
// room by evicting the trace at the head of the queue of the source with
// the most spans (on a tie, the source whose head is older) and that
// trace's spans stop counting against all its sources.
//
// The trace's spans need not all be that source's: a plugin knows the ids
// of the host's traces it serves, and may add spans to them. Those spans
// count against the plugin and put the trace in its queue, so flooding one
// costs the host that trace at most, never its others: the trace is one of
// the plugin's too. A plugin that keeps adding spans to one trace meets
// the same rule as any trace larger than its share: once that trace is the
// next to go, its new spans are dropped.
//
// Storing a span costs O(log sources) in the heap of sources, and
// evicting a trace O(log sources) for each source it has, on top of its
// spans; the sources are the host and the external plugins.

// source is one sender of spans, with its queue of traces.
type source struct {
	plugin string // the plugin's id; "" for the host
	spans  int    // the stored spans it sent
	// oldest and newest are the ends of its queue, a list of its shares.
	oldest, newest *share
	index          int // in Store.bySize, or -1 while out of it
}

// share is one source's part of a trace, and the trace's place in that
// source's queue.
type share struct {
	trace      *traceEntry
	src        *source
	spans      int
	seq        uint64 // the share's rank among all shares, for ties
	prev, next *share // older and newer, in the source's queue
}

// sourceOf returns the source of a span with resource r. The caller holds
// s.mu.
func (s *Store) sourceOf(r *resource.Resource, c *ingestCache) *source {
	// A cached source whose last span was evicted in this batch has been
	// dropped; look again rather than revive it.
	if c.src != nil && c.srcRes == r && c.src.index >= 0 {
		return c.src
	}
	plugin := ""
	if v, ok := r.Set().Value(tracing.PluginIDKey); ok && v.Type() == attribute.STRING {
		plugin = v.AsString()
	}
	src := s.sources[plugin]
	if src == nil {
		src = &source{plugin: plugin, index: -1}
		s.sources[plugin] = src
	}
	c.srcRes, c.src = r, src
	return src
}

// charge counts one more span of e against src, and puts e at the end of
// src's queue if the span is src's first in it. The caller holds s.mu.
func (s *Store) charge(e *traceEntry, src *source) {
	sh := e.shareOf(src)
	if sh == nil {
		s.seq++
		sh = e.newShare(src, s.seq)
		if src.newest == nil {
			src.oldest = sh
		} else {
			src.newest.next = sh
			sh.prev = src.newest
		}
		src.newest = sh
	}
	sh.spans++
	src.spans++
	if src.index < 0 {
		s.bySize.push(src)
	} else {
		s.bySize.up(src.index)
	}
}

// uncharge removes a share of an evicted trace from its source's queue
// and counts, and drops the source once it has no span left. The caller
// holds s.mu.
func (s *Store) uncharge(sh *share) {
	src := sh.src
	if sh.prev == nil {
		src.oldest = sh.next
	} else {
		sh.prev.next = sh.next
	}
	if sh.next == nil {
		src.newest = sh.prev
	} else {
		sh.next.prev = sh.prev
	}
	sh.prev, sh.next = nil, nil
	src.spans -= sh.spans
	if src.spans == 0 {
		s.bySize.remove(src.index)
		delete(s.sources, src.plugin)
		return
	}
	s.bySize.down(src.index) // fewer spans, and a head no older
}

// sourceHeap is a heap of sources, the one to give up a trace first at
// the top: the most spans, then the oldest head. (container/heap would
// box every element in an interface.)
type sourceHeap []*source

// evictsBefore reports whether a gives up a trace before b.
func evictsBefore(a, b *source) bool {
	if a.spans != b.spans {
		return a.spans > b.spans
	}
	return a.oldest.seq < b.oldest.seq
}

func (h sourceHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *sourceHeap) push(src *source) {
	src.index = len(*h)
	*h = append(*h, src)
	h.up(src.index)
}

// remove takes the source at i out of the heap.
func (h *sourceHeap) remove(i int) {
	old := *h
	last := len(old) - 1
	old[i].index = -1
	if i != last {
		old[i] = old[last]
		old[i].index = i
	}
	old[last] = nil
	*h = old[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
}

func (h sourceHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !evictsBefore(h[i], h[parent]) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h sourceHeap) down(i int) {
	for {
		top := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && evictsBefore(h[c], h[top]) {
				top = c
			}
		}
		if top == i {
			return
		}
		h.swap(i, top)
		i = top
	}
}
