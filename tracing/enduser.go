// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// While Config.CaptureEndUser is off, no enduser.id may leave a plugin through
// plugtrace, whoever sets it. The Span API filters its own calls; the types
// here close the other doors: the span active in the context handed to fn
// (reachable with trace.SpanFromContext) and the tracer from Service.Tracer.

// ctxSpan is a trace.Span that drops enduser.id when dropEndUser is set.
type ctxSpan struct {
	trace.Span
	dropEndUser bool
}

var _ trace.Span = (*ctxSpan)(nil)

func (s *ctxSpan) SetAttributes(kv ...attribute.KeyValue) {
	if s.dropEndUser {
		kv = WithoutEndUser(kv)
	}
	s.Span.SetAttributes(kv...)
}

func (s *ctxSpan) AddEvent(name string, opts ...trace.EventOption) {
	if s.dropEndUser {
		opts = eventOptionsWithoutEndUser(opts)
	}
	s.Span.AddEvent(name, opts...)
}

func (s *ctxSpan) RecordError(err error, opts ...trace.EventOption) {
	if s.dropEndUser {
		opts = eventOptionsWithoutEndUser(opts)
	}
	s.Span.RecordError(err, opts...)
}

// endUserFilteringTracer starts spans without enduser.id and hands out
// spans that refuse it later.
type endUserFilteringTracer struct {
	embedded.Tracer
	tracer trace.Tracer
}

var _ trace.Tracer = endUserFilteringTracer{}

func (t endUserFilteringTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	opts = startOptionsWithoutEndUser(opts)
	ctx, span := t.tracer.Start(ctx, name, opts...)
	if !span.IsRecording() {
		return ctx, span
	}
	wrapped := &ctxSpan{Span: span, dropEndUser: true}
	return trace.ContextWithSpan(ctx, wrapped), wrapped
}

// HasEndUser reports whether kv holds an enduser.id attribute.
func HasEndUser(kv []attribute.KeyValue) bool {
	for _, a := range kv {
		if a.Key == EndUserIDKey {
			return true
		}
	}
	return false
}

// WithoutEndUser returns kv without enduser.id attributes; it copies only
// when it must. Hosts use it to hold the capture.endUser rule for spans
// that did not come through a Service.
func WithoutEndUser(kv []attribute.KeyValue) []attribute.KeyValue {
	if !HasEndUser(kv) {
		return kv
	}
	out := make([]attribute.KeyValue, 0, len(kv)-1)
	for _, a := range kv {
		if a.Key != EndUserIDKey {
			out = append(out, a)
		}
	}
	return out
}

func eventOptionsWithoutEndUser(opts []trace.EventOption) []trace.EventOption {
	if len(opts) == 0 {
		return opts
	}
	cfg := trace.NewEventConfig(opts...)
	if !HasEndUser(cfg.Attributes()) {
		return opts
	}
	out := []trace.EventOption{trace.WithAttributes(WithoutEndUser(cfg.Attributes())...)}
	if !cfg.Timestamp().IsZero() {
		out = append(out, trace.WithTimestamp(cfg.Timestamp()))
	}
	if cfg.StackTrace() {
		out = append(out, trace.WithStackTrace(true))
	}
	return out
}

func startOptionsWithoutEndUser(opts []trace.SpanStartOption) []trace.SpanStartOption {
	if len(opts) == 0 {
		return opts
	}
	cfg := trace.NewSpanStartConfig(opts...)
	if !HasEndUser(cfg.Attributes()) {
		return opts
	}
	out := []trace.SpanStartOption{
		trace.WithAttributes(WithoutEndUser(cfg.Attributes())...),
		trace.WithSpanKind(cfg.SpanKind()),
		trace.WithLinks(cfg.Links()...),
	}
	if !cfg.Timestamp().IsZero() {
		out = append(out, trace.WithTimestamp(cfg.Timestamp()))
	}
	if cfg.NewRoot() {
		out = append(out, trace.WithNewRoot())
	}
	return out
}
