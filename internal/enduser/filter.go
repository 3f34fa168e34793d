// SPDX-License-Identifier: Apache-2.0

// Package enduser is the last line of the enduser.id rule: while
// capture.endUser is off, no span leaves through plugtrace's exporters with
// an enduser.id attribute (on the span, its events, its links or its
// resource), whoever set it: plugin code through the tracing service (which
// filters already), an instrumentation library's span found with
// trace.SpanFromContext, or another SDK behind the relay. The check runs on
// the export goroutine, off the request path, and copies only the spans
// that carry the attribute.
package enduser

import (
	"context"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plugtrace/plugtrace/tracing"
)

// Filter returns an exporter that drops enduser.id from what it hands to
// exp.
func Filter(exp sdktrace.SpanExporter) sdktrace.SpanExporter { return filter{exp} }

type filter struct{ sdktrace.SpanExporter }

var _ sdktrace.SpanExporter = filter{}

func (f filter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return f.SpanExporter.ExportSpans(ctx, Scrub(spans))
}

// Scrub returns spans without the enduser.id attribute anywhere in
// them. Spans that do not carry it are returned as they are.
func Scrub(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for i, s := range spans {
		if !carriesEndUser(s) {
			if out != nil {
				out = append(out, s)
			}
			continue
		}
		if out == nil {
			out = append(make([]sdktrace.ReadOnlySpan, 0, len(spans)), spans[:i]...)
		}
		out = append(out, scrubbed(s))
	}
	if out == nil {
		return spans
	}
	return out
}

func carriesEndUser(s sdktrace.ReadOnlySpan) bool {
	if tracing.HasEndUser(s.Attributes()) {
		return true
	}
	if _, ok := s.Resource().Set().Value(tracing.EndUserIDKey); ok {
		return true
	}
	for _, e := range s.Events() {
		if tracing.HasEndUser(e.Attributes) {
			return true
		}
	}
	for _, l := range s.Links() {
		if tracing.HasEndUser(l.Attributes) {
			return true
		}
	}
	return false
}

func scrubbed(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Attributes = tracing.WithoutEndUser(stub.Attributes)
	for i := range stub.Events {
		stub.Events[i].Attributes = tracing.WithoutEndUser(stub.Events[i].Attributes)
	}
	for i := range stub.Links {
		stub.Links[i].Attributes = tracing.WithoutEndUser(stub.Links[i].Attributes)
	}
	if stub.Resource != nil {
		stub.Resource = resource.NewWithAttributes(stub.Resource.SchemaURL(), tracing.WithoutEndUser(stub.Resource.Attributes())...)
	}
	return stub.Snapshot()
}
