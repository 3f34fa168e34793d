// SPDX-License-Identifier: Apache-2.0

package otlpexport

import (
	"math"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// tag is the tag of a field: its number and wire type, in one byte for
// the field numbers below 16.
type tag byte

// The wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// The tags of the fields of the OTLP messages written here
// (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto,
// resource/v1/resource.proto). Span.flags, field 16, takes two bytes,
// spanFlagsTag0 and spanFlagsTag1.
const (
	resourceSpansResource   tag = 1<<3 | wireBytes
	resourceSpansScopeSpans tag = 2<<3 | wireBytes
	resourceSpansSchemaURL  tag = 3<<3 | wireBytes

	resourceAttributes tag = 1<<3 | wireBytes

	scopeSpansScope     tag = 1<<3 | wireBytes
	scopeSpansSpans     tag = 2<<3 | wireBytes
	scopeSpansSchemaURL tag = 3<<3 | wireBytes

	scopeName       tag = 1<<3 | wireBytes
	scopeVersion    tag = 2<<3 | wireBytes
	scopeAttributes tag = 3<<3 | wireBytes

	spanTraceID           tag = 1<<3 | wireBytes
	spanSpanID            tag = 2<<3 | wireBytes
	spanTraceState        tag = 3<<3 | wireBytes
	spanParentSpanID      tag = 4<<3 | wireBytes
	spanName              tag = 5<<3 | wireBytes
	spanKind              tag = 6<<3 | wireVarint
	spanStartTime         tag = 7<<3 | wireFixed64
	spanEndTime           tag = 8<<3 | wireFixed64
	spanAttributes        tag = 9<<3 | wireBytes
	spanDroppedAttributes tag = 10<<3 | wireVarint
	spanEvents            tag = 11<<3 | wireBytes
	spanDroppedEvents     tag = 12<<3 | wireVarint
	spanLinks             tag = 13<<3 | wireBytes
	spanDroppedLinks      tag = 14<<3 | wireVarint
	spanStatus            tag = 15<<3 | wireBytes

	eventTime              tag = 1<<3 | wireFixed64
	eventName              tag = 2<<3 | wireBytes
	eventAttributes        tag = 3<<3 | wireBytes
	eventDroppedAttributes tag = 4<<3 | wireVarint

	linkTraceID           tag = 1<<3 | wireBytes
	linkSpanID            tag = 2<<3 | wireBytes
	linkAttributes        tag = 4<<3 | wireBytes
	linkDroppedAttributes tag = 5<<3 | wireVarint
	linkFlags             tag = 6<<3 | wireFixed32

	statusMessage tag = 2<<3 | wireBytes
	statusCode    tag = 3<<3 | wireVarint

	keyValueKey   tag = 1<<3 | wireBytes
	keyValueValue tag = 2<<3 | wireBytes

	anyString tag = 1<<3 | wireBytes
	anyBool   tag = 2<<3 | wireVarint
	anyInt    tag = 3<<3 | wireVarint
	anyDouble tag = 4<<3 | wireFixed64
	anyArray  tag = 5<<3 | wireBytes
	anyKVList tag = 6<<3 | wireBytes
	anyBytes  tag = 7<<3 | wireBytes

	arrayValues  tag = 1<<3 | wireBytes // ArrayValue.values
	kvlistValues tag = 1<<3 | wireBytes // KeyValueList.values
)

// The values of the OTLP enums and flags written here.
const (
	statusCodeOK    = 1
	statusCodeError = 2

	spanFlagsTag0, spanFlagsTag1 = 0x85, 0x01 // 16<<3 | wireFixed32, as a varint

	flagsHasIsRemote = 0x100 // SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
	flagsIsRemote    = 0x200 // SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK
)

// encoder appends protobuf to b. A message field is written by begin, its
// fields, and end, which fills in the length: begin leaves one byte for
// it, and end moves the message up when its length needs more. The
// helpers take the tags as bytes (protowire.AppendTag computes a varint
// each time; it was a tenth of the encoder's time).
type encoder struct{ b []byte }

func (e *encoder) begin(t tag) int {
	e.b = append(e.b, byte(t), 0)
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

// length appends n as a varint, the common one-byte case inline.
func (e *encoder) length(n int) {
	if n < 0x80 {
		e.b = append(e.b, byte(n))
		return
	}
	e.b = protowire.AppendVarint(e.b, uint64(n))
}

func (e *encoder) bytes(t tag, v []byte) {
	e.b = append(e.b, byte(t))
	e.length(len(v))
	e.b = append(e.b, v...)
}

// string writes a string field; proto3 leaves out an empty one.
func (e *encoder) string(t tag, v string) {
	if v != "" {
		e.oneofString(t, v)
	}
}

// oneofString writes a string field even when it is empty, as a oneof
// member is. Protobuf strings are UTF-8: a string that is not has its
// invalid bytes replaced by U+FFFD. (The SDK's exporter fails the whole
// batch for one such string, and receivers built on protobuf-go refuse the
// whole request; a replaced character loses less.)
func (e *encoder) oneofString(t tag, v string) {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	e.b = append(e.b, byte(t))
	e.length(len(v))
	e.b = append(e.b, v...)
}

func (e *encoder) varint(t tag, v uint64) {
	if v != 0 {
		e.b = append(e.b, byte(t))
		e.b = protowire.AppendVarint(e.b, v)
	}
}

func (e *encoder) fixed64(t tag, v uint64) {
	if v != 0 {
		e.b = append(e.b, byte(t))
		e.b = protowire.AppendFixed64(e.b, v)
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
		e.b = append(e.b, byte(linkFlags))
		e.b = protowire.AppendFixed32(e.b, flags(l.SpanContext.TraceFlags(), l.SpanContext)) // never 0
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
	e.b = append(e.b, spanFlagsTag0, spanFlagsTag1)
	e.b = protowire.AppendFixed32(e.b, flags(sc.TraceFlags(), parent)) // never 0
}

func (e *encoder) keyValue(t tag, kv attribute.KeyValue) {
	m := e.begin(t)
	e.string(keyValueKey, string(kv.Key))
	e.anyValue(keyValueValue, kv.Value)
	e.end(m)
}

// anyValue writes v as an AnyValue, as the SDK's OTLP exporters do: an
// empty value as an empty message, a type it does not know as "INVALID".
func (e *encoder) anyValue(t tag, v attribute.Value) {
	m := e.begin(t)
	switch v.Type() {
	case attribute.EMPTY:
	case attribute.BOOL:
		e.b = append(e.b, byte(anyBool), 0)
		if v.AsBool() {
			e.b[len(e.b)-1] = 1
		}
	case attribute.INT64:
		e.b = append(e.b, byte(anyInt))
		e.b = protowire.AppendVarint(e.b, uint64(v.AsInt64())) //nolint:gosec // int64 is two's complement on the wire
	case attribute.FLOAT64:
		e.b = append(e.b, byte(anyDouble))
		e.b = protowire.AppendFixed64(e.b, math.Float64bits(v.AsFloat64()))
	case attribute.STRING:
		e.oneofString(anyString, v.AsString())
	case attribute.BYTESLICE:
		e.bytes(anyBytes, v.AsByteSlice())
	case attribute.BOOLSLICE:
		array(e, v.AsBoolSlice(), attribute.BoolValue)
	case attribute.INT64SLICE:
		array(e, v.AsInt64Slice(), attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		array(e, v.AsFloat64Slice(), attribute.Float64Value)
	case attribute.STRINGSLICE:
		array(e, v.AsStringSlice(), attribute.StringValue)
	case attribute.SLICE:
		array(e, v.AsSlice(), func(x attribute.Value) attribute.Value { return x })
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

// array writes xs as an ArrayValue field of an AnyValue.
func array[T any](e *encoder, xs []T, value func(T) attribute.Value) {
	a := e.begin(anyArray)
	for _, x := range xs {
		e.anyValue(arrayValues, value(x))
	}
	e.end(a)
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

// count is a dropped count as OTLP's uint32, clamped.
func count(n int) uint64 {
	if n <= 0 {
		return 0
	}
	return min(uint64(n), math.MaxUint32)
}
