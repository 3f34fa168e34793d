// SPDX-License-Identifier: Apache-2.0

package otlpconv

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Spans converts OTLP resource spans to read-only spans, in their order.
// It drops the spans whose ids are malformed (see the package doc) and
// returns how many it dropped. It keeps no reference to rss.
func Spans(rss []*tracepb.ResourceSpans, opts ...Option) (spans []sdktrace.ReadOnlySpan, rejected int) {
	var c config
	for _, o := range opts {
		c = o.apply(c)
	}
	n := 0
	for _, rs := range rss {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	if n == 0 {
		return nil, 0
	}
	spans = make([]sdktrace.ReadOnlySpan, 0, n)
	for _, rs := range rss {
		attrs, _ := attributes(rs.GetResource().GetAttributes(), c.resourceAttrs)
		res := resource.NewWithAttributes(rs.GetSchemaUrl(), attrs...)
		for _, ss := range rs.GetScopeSpans() {
			scopeAttrs, _ := attributes(ss.GetScope().GetAttributes(), nil)
			scope := instrumentation.Scope{
				Name:       ss.GetScope().GetName(),
				Version:    ss.GetScope().GetVersion(),
				SchemaURL:  ss.GetSchemaUrl(),
				Attributes: attribute.NewSet(scopeAttrs...),
			}
			for _, s := range ss.GetSpans() {
				sp, ok := span(s, c.spanAttrs)
				if !ok {
					rejected++
					continue
				}
				sp.res, sp.scope = res, scope
				spans = append(spans, sp.snapshot())
			}
		}
	}
	return spans, rejected
}

// spanData is what a ReadOnlySpan holds; snapshot (in snapshot.go) makes
// one of it.
type spanData struct {
	name                                      string
	sc, parent                                trace.SpanContext
	kind                                      trace.SpanKind
	start, end                                time.Time
	attrs                                     []attribute.KeyValue
	events                                    []sdktrace.Event
	links                                     []sdktrace.Link
	status                                    sdktrace.Status
	droppedAttrs, droppedEvents, droppedLinks int
	res                                       *resource.Resource
	scope                                     instrumentation.Scope
}

func span(s *tracepb.Span, set []attribute.KeyValue) (spanData, bool) {
	traceID, ok1 := traceID(s.GetTraceId())
	spanID, ok2 := spanID(s.GetSpanId())
	parentID, ok3 := parentID(s.GetParentSpanId())
	if !ok1 || !ok2 || !ok3 {
		return spanData{}, false
	}
	flags := trace.TraceFlags(s.GetFlags() & uint32(tracepb.SpanFlags_SPAN_FLAGS_TRACE_FLAGS_MASK))
	if s.GetFlags() == 0 {
		flags = trace.FlagsSampled // not set by the sender; see the package doc
	}
	d := spanData{
		name: s.GetName(),
		sc: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: spanID, TraceFlags: flags, TraceState: traceState(s.GetTraceState()),
		}),
		kind:          kind(s.GetKind()),
		start:         unixNano(s.GetStartTimeUnixNano()),
		end:           unixNano(s.GetEndTimeUnixNano()),
		status:        status(s.GetStatus()),
		droppedEvents: clampInt(s.GetDroppedEventsCount()),
		droppedLinks:  clampInt(s.GetDroppedLinksCount()),
	}
	if parentID.IsValid() {
		// OTLP carries only the parent's id; its flags are taken to be the
		// span's, as a parent-based sampler would have made them.
		d.parent = trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: parentID, TraceFlags: flags, Remote: remote(s.GetFlags()),
		})
	}
	var dropped int
	d.attrs, dropped = attributes(s.GetAttributes(), set)
	d.droppedAttrs = sum(clampInt(s.GetDroppedAttributesCount()), dropped)
	if evs := s.GetEvents(); len(evs) > 0 {
		d.events = make([]sdktrace.Event, len(evs))
		for i, e := range evs {
			attrs, dropped := attributes(e.GetAttributes(), nil)
			d.events[i] = sdktrace.Event{
				Name:                  e.GetName(),
				Time:                  unixNano(e.GetTimeUnixNano()),
				Attributes:            attrs,
				DroppedAttributeCount: sum(clampInt(e.GetDroppedAttributesCount()), dropped),
			}
		}
	}
	for _, l := range s.GetLinks() {
		link, ok := link(l)
		if !ok {
			d.droppedLinks = sum(d.droppedLinks, 1)
			continue
		}
		d.links = append(d.links, link)
	}
	return d, true
}

func link(l *tracepb.Span_Link) (sdktrace.Link, bool) {
	traceID, ok1 := traceID(l.GetTraceId())
	spanID, ok2 := spanID(l.GetSpanId())
	if !ok1 || !ok2 {
		return sdktrace.Link{}, false
	}
	attrs, dropped := attributes(l.GetAttributes(), nil)
	return sdktrace.Link{
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID:    traceID,
			SpanID:     spanID,
			TraceFlags: trace.TraceFlags(l.GetFlags() & uint32(tracepb.SpanFlags_SPAN_FLAGS_TRACE_FLAGS_MASK)),
			TraceState: traceState(l.GetTraceState()),
			Remote:     remote(l.GetFlags()),
		}),
		Attributes:            attrs,
		DroppedAttributeCount: sum(clampInt(l.GetDroppedAttributesCount()), dropped),
	}, true
}

func traceID(b []byte) (trace.TraceID, bool) {
	var id trace.TraceID
	if len(b) != len(id) {
		return id, false
	}
	copy(id[:], b)
	return id, id.IsValid()
}

func spanID(b []byte) (trace.SpanID, bool) {
	var id trace.SpanID
	if len(b) != len(id) {
		return id, false
	}
	copy(id[:], b)
	return id, id.IsValid()
}

// parentID returns the zero id for a root span, which OTLP marks with no
// parent id or (some producers) an all-zero one.
func parentID(b []byte) (trace.SpanID, bool) {
	if len(b) == 0 {
		return trace.SpanID{}, true
	}
	id, valid := spanID(b)
	return id, valid || len(b) == len(id)
}

// remote reads flag bits 8 and 9. When the sender does not say, the span
// context is taken as remote: it came from another process.
func remote(flags uint32) bool {
	if flags&uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK) == 0 {
		return true
	}
	return flags&uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) != 0
}

func traceState(s string) trace.TraceState {
	ts, err := trace.ParseTraceState(s)
	if err != nil {
		return trace.TraceState{}
	}
	return ts
}

func kind(k tracepb.Span_SpanKind) trace.SpanKind {
	// The OTLP enum and the Go one share their numbering.
	if k < tracepb.Span_SPAN_KIND_UNSPECIFIED || k > tracepb.Span_SPAN_KIND_CONSUMER {
		return trace.SpanKindUnspecified
	}
	return trace.SpanKind(k)
}

func status(s *tracepb.Status) sdktrace.Status {
	switch s.GetCode() {
	case tracepb.Status_STATUS_CODE_ERROR:
		return sdktrace.Status{Code: codes.Error, Description: s.GetMessage()}
	case tracepb.Status_STATUS_CODE_OK:
		return sdktrace.Status{Code: codes.Ok}
	}
	return sdktrace.Status{Code: codes.Unset}
}

// unixNano converts an OTLP time, saturating the far future that int64
// nanoseconds cannot hold.
func unixNano(ns uint64) time.Time {
	return time.Unix(0, int64(min(ns, math.MaxInt64)))
}

func clampInt(n uint32) int { return int(min(uint64(n), math.MaxInt32)) }

// sum adds dropped counts, which the SDK keeps as int; the wire's uint32
// counts are clamped so that adding them cannot overflow on any platform.
func sum(a, b int) int {
	if a > math.MaxInt32-b {
		return math.MaxInt32
	}
	return a + b
}
