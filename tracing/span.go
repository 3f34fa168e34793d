// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span is the span handed to the function run by [Service.StartActiveSpan].
// It deliberately has no End: the service ends it when the function returns.
// Its methods are safe for concurrent use.
type Span interface {
	// SetAttributes sets attributes; a later value for a key replaces an
	// earlier one.
	SetAttributes(kv ...attribute.KeyValue)
	// SetAttribute sets one attribute from a Go value: a bool, an integer, a
	// float, a string, a slice of those, or an [attribute.Value]. A value of
	// any other type is dropped and reported to [otel.Handle].
	SetAttribute(key string, value any)
	// SetStatus sets the span's status. The service sets ERROR itself when
	// the function fails; on success the status stays UNSET unless set here.
	SetStatus(code codes.Code, description string)
	// AddEvent records a named event at the current time.
	AddEvent(name string, attrs ...attribute.KeyValue)
	// SpanContext returns the span's identity; it is invalid for a span that
	// records nothing.
	SpanContext() trace.SpanContext
}

// recordingSpan is the Span of a traced plugin. It holds the context's
// view of the span, so that the two are one allocation.
type recordingSpan struct {
	view ctxSpan
}

// spanKindOptions are the start options of each span kind, made once: the
// variadic options of Tracer.Start escape, and would be an allocation per
// span otherwise. The SDK's default kind, internal, takes none.
var spanKindOptions = func() [trace.SpanKindConsumer + 1][]trace.SpanStartOption {
	var opts [trace.SpanKindConsumer + 1][]trace.SpanStartOption
	for k := range opts {
		if trace.SpanKind(k) != trace.SpanKindInternal {
			opts[k] = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKind(k))}
		}
	}
	return opts
}()

func kindOptions(k trace.SpanKind) []trace.SpanStartOption {
	if k >= 0 && int(k) < len(spanKindOptions) {
		return spanKindOptions[k]
	}
	return []trace.SpanStartOption{trace.WithSpanKind(k)}
}

var _ Span = (*recordingSpan)(nil)

func (s *recordingSpan) SetAttributes(kv ...attribute.KeyValue) { s.view.SetAttributes(kv...) }

func (s *recordingSpan) SetAttribute(key string, value any) {
	kv, err := keyValue(key, value)
	if err != nil {
		otel.Handle(err)
		return
	}
	s.view.SetAttributes(kv)
}

func (s *recordingSpan) SetStatus(code codes.Code, description string) {
	s.view.SetStatus(code, description)
}

func (s *recordingSpan) AddEvent(name string, attrs ...attribute.KeyValue) {
	if len(attrs) == 0 {
		s.view.Span.AddEvent(name)
		return
	}
	if s.view.dropEndUser {
		attrs = WithoutEndUser(attrs)
	}
	s.view.Span.AddEvent(name, trace.WithAttributes(attrs...))
}

func (s *recordingSpan) SpanContext() trace.SpanContext { return s.view.SpanContext() }

// nopSpan is the Span of a plugin whose tracing is off. It is zero-sized, so
// handing it out allocates nothing.
type nopSpan struct{}

var _ Span = nopSpan{}

func (nopSpan) SetAttributes(...attribute.KeyValue)    {}
func (nopSpan) SetAttribute(string, any)               {}
func (nopSpan) SetStatus(codes.Code, string)           {}
func (nopSpan) AddEvent(string, ...attribute.KeyValue) {}
func (nopSpan) SpanContext() trace.SpanContext         { return trace.SpanContext{} }

// keyValue converts a Go value to an attribute.
func keyValue(key string, value any) (attribute.KeyValue, error) {
	k := attribute.Key(key)
	switch v := value.(type) {
	case bool:
		return k.Bool(v), nil
	case string:
		return k.String(v), nil
	case int:
		return k.Int(v), nil
	case int8:
		return k.Int64(int64(v)), nil
	case int16:
		return k.Int64(int64(v)), nil
	case int32:
		return k.Int64(int64(v)), nil
	case int64:
		return k.Int64(v), nil
	case float32:
		return k.Float64(float64(v)), nil
	case float64:
		return k.Float64(v), nil
	case []bool:
		return k.BoolSlice(v), nil
	case []string:
		return k.StringSlice(v), nil
	case []int:
		return k.IntSlice(v), nil
	case []int8:
		return k.Int64Slice(widen(v)), nil
	case []int16:
		return k.Int64Slice(widen(v)), nil
	case []int32:
		return k.Int64Slice(widen(v)), nil
	case []int64:
		return k.Int64Slice(v), nil
	case []float32:
		f := make([]float64, len(v))
		for i, x := range v {
			f[i] = float64(x)
		}
		return k.Float64Slice(f), nil
	case []float64:
		return k.Float64Slice(v), nil
	case attribute.Value:
		return attribute.KeyValue{Key: k, Value: v}, nil
	}
	return attribute.KeyValue{}, fmt.Errorf(
		"plugtrace: attribute %q dropped: value of type %T is not supported; use a bool, an integer, a float, a string or a slice of those",
		key, value)
}

func widen[T int8 | int16 | int32](v []T) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
