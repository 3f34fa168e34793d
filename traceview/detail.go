// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"slices"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TraceDetail is one trace with all its stored spans.
type TraceDetail struct {
	TraceID string `json:"traceId"`
	Spans   []Span `json:"spans"` // by start time
}

// Span is one span as the viewer shows it. Times are UTC; attribute values
// are JSON-ready: string, bool, int64, float64 (NaN and infinities as the
// strings "NaN", "Infinity", "-Infinity"), byte slices as base64 strings,
// slices and maps of those.
type Span struct {
	TraceID      string         `json:"traceId"`
	SpanID       string         `json:"spanId"`
	ParentSpanID string         `json:"parentSpanId"` // "" for a root span
	Name         string         `json:"name"`
	Kind         string         `json:"kind"` // internal, server, client, producer or consumer
	StartTime    time.Time      `json:"startTime"`
	EndTime      time.Time      `json:"endTime"`
	Status       Status         `json:"status"`
	Attributes   map[string]any `json:"attributes"` // never nil
	Events       []Event        `json:"events"`     // never nil
	Links        []Link         `json:"links"`      // never nil
	Scope        Scope          `json:"scope"`
	// Resource describes the process that emitted the span. Spans of one
	// process share the map: treat it as read-only.
	Resource map[string]any `json:"resource"`
}

// Status is a span's status.
type Status struct {
	Code    string `json:"code"` // unset, ok or error
	Message string `json:"message"`
}

// Event is an event recorded on a span.
type Event struct {
	Name       string         `json:"name"`
	Time       time.Time      `json:"time"`
	Attributes map[string]any `json:"attributes"` // never nil
}

// Link is a span's link to another span, which may belong to another trace
// and need not be in the store.
type Link struct {
	TraceID    string         `json:"traceId"`
	SpanID     string         `json:"spanId"`
	Attributes map[string]any `json:"attributes"` // never nil
}

// Scope is the instrumentation scope (the tracer) that made a span.
type Scope struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	SchemaURL string `json:"schemaUrl"`
}

// Trace returns the stored spans of the trace with the given id, or false
// if none is stored.
func (s *Store) Trace(id trace.TraceID) (TraceDetail, bool) {
	s.mu.RLock()
	e := s.traces[id]
	var spans []span
	if e != nil {
		// Stored spans are never modified and appends go past this length,
		// so the copy of the slice header can be read without the lock.
		spans = e.spans[:len(e.spans):len(e.spans)]
	}
	s.mu.RUnlock()
	if e == nil {
		return TraceDetail{}, false
	}

	traceID := id.String()
	resources := make(map[*resourceInfo]map[string]any)
	out := make([]Span, len(spans))
	for i := range spans {
		sp := &spans[i]
		res, ok := resources[sp.res]
		if !ok {
			res = attributeMap(sp.res.res.Attributes())
			resources[sp.res] = res
		}
		out[i] = Span{
			TraceID:      traceID,
			SpanID:       sp.id.String(),
			ParentSpanID: parentID(sp.parent),
			Name:         sp.name,
			Kind:         kindName(sp.kind),
			StartTime:    utc(sp.start),
			EndTime:      utc(sp.end),
			Status:       Status{Code: statusName(sp.status), Message: sp.statusMsg},
			Attributes:   attributeMap(sp.attrs),
			Events:       events(sp.events),
			Links:        links(sp.links),
			Scope:        Scope{Name: sp.scope.key.name, Version: sp.scope.key.version, SchemaURL: sp.scope.key.schemaURL},
			Resource:     res,
		}
	}
	slices.SortStableFunc(out, func(a, b Span) int { return a.StartTime.Compare(b.StartTime) })
	return TraceDetail{TraceID: traceID, Spans: out}, true
}

func events(evs []event) []Event {
	out := make([]Event, len(evs))
	for i, ev := range evs {
		out[i] = Event{Name: ev.name, Time: utc(ev.time), Attributes: attributeMap(ev.attrs)}
	}
	return out
}

func links(ls []link) []Link {
	out := make([]Link, len(ls))
	for i, l := range ls {
		out[i] = Link{TraceID: l.traceID.String(), SpanID: l.spanID.String(), Attributes: attributeMap(l.attrs)}
	}
	return out
}

func parentID(id trace.SpanID) string {
	if !id.IsValid() {
		return ""
	}
	return id.String()
}

func utc(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// kindName follows the OpenTelemetry rule that an unspecified kind is
// internal.
func kindName(k trace.SpanKind) string {
	switch k {
	case trace.SpanKindServer:
		return "server"
	case trace.SpanKindClient:
		return "client"
	case trace.SpanKindProducer:
		return "producer"
	case trace.SpanKindConsumer:
		return "consumer"
	}
	return "internal"
}

func statusName(c codes.Code) string {
	switch c {
	case codes.Error:
		return "error"
	case codes.Ok:
		return "ok"
	}
	return "unset"
}
