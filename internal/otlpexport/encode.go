// SPDX-License-Identifier: Apache-2.0

package otlpexport

import (
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// The field numbers of the OTLP messages written here
// (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto,
// resource/v1/resource.proto).
const (
	resourceSpansResource   protowire.Number = 1
	resourceSpansScopeSpans protowire.Number = 2
	resourceSpansSchemaURL  protowire.Number = 3

	resourceAttributes protowire.Number = 1

	scopeSpansScope     protowire.Number = 1
	scopeSpansSpans     protowire.Number = 2
	scopeSpansSchemaURL protowire.Number = 3

	scopeName       protowire.Number = 1
	scopeVersion    protowire.Number = 2
	scopeAttributes protowire.Number = 3

	spanTraceID           protowire.Number = 1
	spanSpanID            protowire.Number = 2
	spanTraceState        protowire.Number = 3
	spanParentSpanID      protowire.Number = 4
	spanName              protowire.Number = 5
	spanKind              protowire.Number = 6
	spanStartTime         protowire.Number = 7
	spanEndTime           protowire.Number = 8
	spanAttributes        protowire.Number = 9
	spanDroppedAttributes protowire.Number = 10
	spanEvents            protowire.Number = 11
	spanDroppedEvents     protowire.Number = 12
	spanLinks             protowire.Number = 13
	spanDroppedLinks      protowire.Number = 14
	spanStatus            protowire.Number = 15
	spanFlags             protowire.Number = 16

	eventTime              protowire.Number = 1
	eventName              protowire.Number = 2
	eventAttributes        protowire.Number = 3
	eventDroppedAttributes protowire.Number = 4

	linkTraceID           protowire.Number = 1
	linkSpanID            protowire.Number = 2
	linkAttributes        protowire.Number = 4
	linkDroppedAttributes protowire.Number = 5
	linkFlags             protowire.Number = 6

	statusMessage protowire.Number = 2
	statusCode    protowire.Number = 3

	keyValueKey   protowire.Number = 1
	keyValueValue protowire.Number = 2

	anyString protowire.Number = 1
	anyBool   protowire.Number = 2
	anyInt    protowire.Number = 3
	anyDouble protowire.Number = 4
	anyArray  protowire.Number = 5
	anyKVList protowire.Number = 6
	anyBytes  protowire.Number = 7

	arrayValues  protowire.Number = 1 // ArrayValue.values
	kvlistValues protowire.Number = 1 // KeyValueList.values
)

// The values of the OTLP enums and flags written here.
const (
	statusCodeOK    = 1
	statusCodeError = 2

	flagsHasIsRemote = 0x100 // SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
	flagsIsRemote    = 0x200 // SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK
)

// encoder appends protobuf to b. A message field is written by begin, its
// fields, and end, which fills in the length: begin leaves one byte for
// it, and end moves the message up when its length needs more.
type encoder struct{ b []byte }

func (e *encoder) begin(n protowire.Number) int {
	e.b = protowire.AppendTag(e.b, n, protowire.BytesType)
	e.b = append(e.b, 0)
	return len(e.b)
}

func (e *encoder) end(start int) {
	n := len(e.b) - start
	if n < 0x80 {
		e.b[start-1] = byte(n)
		return
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for range extra {
		e.b = append(e.b, 0)
	}
	copy(e.b[start+extra:], e.b[start:start+n])
	protowire.AppendVarint(e.b[:start-1], uint64(n))
}

func (e *encoder) bytes(n protowire.Number, v []byte) {
	e.b = protowire.AppendTag(e.b, n, protowire.BytesType)
	e.b = protowire.AppendBytes(e.b, v)
}

// string writes a string field; proto3 leaves out an empty one.
func (e *encoder) string(n protowire.Number, v string) {
	if v != "" {
		e.oneofString(n, v)
	}
}

// oneofString writes a string field even when it is empty, as a oneof
// member is.
func (e *encoder) oneofString(n protowire.Number, v string) {
	e.b = protowire.AppendTag(e.b, n, protowire.BytesType)
	e.b = protowire.AppendString(e.b, v)
}

func (e *encoder) varint(n protowire.Number, v uint64) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, n, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, v)
	}
}

func (e *encoder) fixed64(n protowire.Number, v uint64) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, n, protowire.Fixed64Type)
		e.b = protowire.AppendFixed64(e.b, v)
	}
}

func (e *encoder) fixed32(n protowire.Number, v uint32) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, n, protowire.Fixed32Type)
		e.b = protowire.AppendFixed32(e.b, v)
	}
}

// span writes sd as a Span, as the SDK's OTLP exporters do.
func (e *encoder) span(sd sdktrace.ReadOnlySpan) {
	sc := sd.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	e.bytes(spanTraceID, tid[:])
	e.bytes(spanSpanID, sid[:])
	e.string(spanTraceState, sc.TraceState().String())
	parent := sd.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		e.bytes(spanParentSpanID, psid[:])
	}
	e.string(spanName, sd.Name())
	e.varint(spanKind, uint64(kind(sd.SpanKind())))
	e.fixed64(spanStartTime, unixNano(sd.StartTime().UnixNano()))
	e.fixed64(spanEndTime, unixNano(sd.EndTime().UnixNano()))
	for _, kv := range sd.Attributes() {
		e.keyValue(spanAttributes, kv)
	}
	e.varint(spanDroppedAttributes, count(sd.DroppedAttributes()))
	for _, ev := range sd.Events() {
		m := e.begin(spanEvents)
		e.fixed64(eventTime, unixNano(ev.Time.UnixNano()))
		e.string(eventName, ev.Name)
		for _, kv := range ev.Attributes {
			e.keyValue(eventAttributes, kv)
		}
		e.varint(eventDroppedAttributes, count(ev.DroppedAttributeCount))
		e.end(m)
	}
	e.varint(spanDroppedEvents, count(sd.DroppedEvents()))
	for _, l := range sd.Links() {
		// The SDK's exporters leave out a link's trace state; so does this.
		m := e.begin(spanLinks)
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		e.bytes(linkTraceID, ltid[:])
		e.bytes(linkSpanID, lsid[:])
		for _, kv := range l.Attributes {
			e.keyValue(linkAttributes, kv)
		}
		e.varint(linkDroppedAttributes, count(l.DroppedAttributeCount))
		e.fixed32(linkFlags, flags(l.SpanContext.TraceFlags(), l.SpanContext))
		e.end(m)
	}
	e.varint(spanDroppedLinks, count(sd.DroppedLinks()))
	m := e.begin(spanStatus) // always there, empty when unset
	st := sd.Status()
	e.string(statusMessage, st.Description)
	switch st.Code {
	case codes.Ok:
		e.varint(statusCode, statusCodeOK)
	case codes.Error:
		e.varint(statusCode, statusCodeError)
	}
	e.end(m)
	e.fixed32(spanFlags, flags(sc.TraceFlags(), parent))
}

func (e *encoder) keyValue(n protowire.Number, kv attribute.KeyValue) {
	m := e.begin(n)
	e.string(keyValueKey, string(kv.Key))
	e.anyValue(keyValueValue, kv.Value)
	e.end(m)
}

// anyValue writes v as an AnyValue, as the SDK's OTLP exporters do: an
// empty value as an empty message, a type it does not know as "INVALID".
func (e *encoder) anyValue(n protowire.Number, v attribute.Value) {
	m := e.begin(n)
	switch v.Type() {
	case attribute.EMPTY:
	case attribute.BOOL:
		e.b = protowire.AppendTag(e.b, anyBool, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		e.b = protowire.AppendTag(e.b, anyInt, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(v.AsInt64())) //nolint:gosec // int64 is two's complement on the wire
	case attribute.FLOAT64:
		e.b = protowire.AppendTag(e.b, anyDouble, protowire.Fixed64Type)
		e.b = protowire.AppendFixed64(e.b, math.Float64bits(v.AsFloat64()))
	case attribute.STRING:
		e.oneofString(anyString, v.AsString())
	case attribute.BYTESLICE:
		e.bytes(anyBytes, v.AsByteSlice())
	case attribute.BOOLSLICE:
		a := e.begin(anyArray)
		for _, x := range v.AsBoolSlice() {
			e.anyValue(arrayValues, attribute.BoolValue(x))
		}
		e.end(a)
	case attribute.INT64SLICE:
		a := e.begin(anyArray)
		for _, x := range v.AsInt64Slice() {
			e.anyValue(arrayValues, attribute.Int64Value(x))
		}
		e.end(a)
	case attribute.FLOAT64SLICE:
		a := e.begin(anyArray)
		for _, x := range v.AsFloat64Slice() {
			e.anyValue(arrayValues, attribute.Float64Value(x))
		}
		e.end(a)
	case attribute.STRINGSLICE:
		a := e.begin(anyArray)
		for _, x := range v.AsStringSlice() {
			e.anyValue(arrayValues, attribute.StringValue(x))
		}
		e.end(a)
	case attribute.SLICE:
		a := e.begin(anyArray)
		for _, x := range v.AsSlice() {
			e.anyValue(arrayValues, x)
		}
		e.end(a)
	case attribute.MAP:
		a := e.begin(anyKVList)
		for _, kv := range v.AsMap() {
			e.keyValue(kvlistValues, kv)
		}
		e.end(a)
	default:
		e.oneofString(anyString, "INVALID")
	}
	e.end(m)
}

func kind(k trace.SpanKind) int {
	// The OTLP enum numbers the kinds as the API does, with 0 unspecified.
	if k < trace.SpanKindInternal || k > trace.SpanKindConsumer {
		return 0
	}
	return int(k)
}

func flags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | flagsHasIsRemote
	if parent.IsRemote() {
		f |= flagsIsRemote
	}
	return f
}

func unixNano(n int64) uint64 { return uint64(max(0, n)) } //nolint:gosec // not negative

func count(n int) uint64 { return uint64(min(max(0, n), math.MaxUint32)) } //nolint:gosec // clamped
