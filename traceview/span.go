// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/tracing"
)

// span is the stored form of a span: what the viewer shows and nothing
// more. The exporter's ReadOnlySpan is not kept, and the attribute values
// stay in their OpenTelemetry form until a trace is asked for: converting
// them at ingest would cost every span, while only the few traces a person
// opens are ever shown.
//
// A span is never modified once stored.
type span struct {
	id, parent trace.SpanID
	start, end int64 // Unix nanoseconds
	name       string
	statusMsg  string
	attrs      []attribute.KeyValue
	events     []event
	links      []link
	res        *resourceInfo
	scope      *scopeInfo
	kind       trace.SpanKind
	status     codes.Code
}

type event struct {
	name  string
	time  int64 // Unix nanoseconds
	attrs []attribute.KeyValue
}

// link is a span's link to another span, often of another trace: the
// caller's context of a request that started a new trace, or the spans a
// batch job consumed.
type link struct {
	traceID trace.TraceID
	spanID  trace.SpanID
	attrs   []attribute.KeyValue
}

// pendingSpan is a span converted outside the store's lock, with what the
// store still has to look up under it.
type pendingSpan struct {
	traceID  trace.TraceID
	span     span
	plugin   string
	resource *resource.Resource
	scope    scopeKey
}

func newPendingSpan(ro sdktrace.ReadOnlySpan) pendingSpan {
	sc := ro.SpanContext()
	st := ro.Status()
	is := ro.InstrumentationScope()
	attrs := limitAttributes(ro.Attributes(), maxAttributes)
	events := ro.Events()
	if len(events) > maxEvents {
		events = events[:maxEvents]
	}
	links := ro.Links()
	if len(links) > maxLinks {
		links = links[:maxLinks]
	}

	// One allocation holds the attributes of the span, of its events and of
	// its links.
	n := len(attrs)
	for i := range events {
		n += min(len(events[i].Attributes), maxEventAttributes)
	}
	for i := range links {
		n += min(len(links[i].Attributes), maxLinkAttributes)
	}
	var buf []attribute.KeyValue
	if n > 0 {
		buf = make([]attribute.KeyValue, 0, n)
	}
	buf = append(buf, attrs...)
	spanAttrs := buf[:len(attrs):len(attrs)]

	var evs []event
	if len(events) > 0 {
		evs = make([]event, len(events))
		for i := range events {
			from := len(buf)
			buf = append(buf, limitAttributes(events[i].Attributes, maxEventAttributes)...)
			evs[i] = event{
				name:  cut(events[i].Name, maxNameBytes),
				time:  unixNano(events[i].Time),
				attrs: buf[from:len(buf):len(buf)],
			}
		}
	}

	var lks []link
	if len(links) > 0 {
		lks = make([]link, len(links))
		for i := range links {
			from := len(buf)
			buf = append(buf, limitAttributes(links[i].Attributes, maxLinkAttributes)...)
			lks[i] = link{
				traceID: links[i].SpanContext.TraceID(),
				spanID:  links[i].SpanContext.SpanID(),
				attrs:   buf[from:len(buf):len(buf)],
			}
		}
	}

	start, end := unixNano(ro.StartTime()), unixNano(ro.EndTime())
	if end < start {
		end = start // not ended, or a clock went backwards
	}
	return pendingSpan{
		traceID: sc.TraceID(),
		span: span{
			id:        sc.SpanID(),
			parent:    ro.Parent().SpanID(),
			start:     start,
			end:       end,
			name:      cut(ro.Name(), maxNameBytes),
			statusMsg: cut(st.Description, maxNameBytes),
			attrs:     spanAttrs,
			events:    evs,
			links:     lks,
			kind:      ro.SpanKind(),
			status:    st.Code,
		},
		plugin:   pluginOf(spanAttrs),
		resource: ro.Resource(),
		scope:    scopeKey{name: is.Name, version: is.Version, schemaURL: is.SchemaURL},
	}
}

// pluginOf returns the plugin a span is attributed to, or "". The last
// value wins, as it does in the SDK.
func pluginOf(attrs []attribute.KeyValue) string {
	for i := len(attrs) - 1; i >= 0; i-- {
		if attrs[i].Key == tracing.PluginIDKey && attrs[i].Value.Type() == attribute.STRING {
			return attrs[i].Value.AsString()
		}
	}
	return ""
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// insertSorted adds v to the sorted set s, unless it is there already.
func insertSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}
