// SPDX-License-Identifier: Apache-2.0

package otlpconv

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
)

// maxAttributes bounds the attributes of each resource, scope, span, event
// and link, as the host's span store bounds a span's.
const maxAttributes = 128

// attributes converts kvs, leaving out the keys that set replaces and
// appending set. It returns how many of kvs it dropped: those with no key
// or no value, and those past maxAttributes.
func attributes(kvs []*commonpb.KeyValue, set []attribute.KeyValue) ([]attribute.KeyValue, int) {
	if len(kvs) == 0 && len(set) == 0 {
		return nil, 0
	}
	out := make([]attribute.KeyValue, 0, min(len(kvs), maxAttributes)+len(set))
	dropped := 0
	for _, kv := range kvs {
		key := attribute.Key(kv.GetKey())
		if replaced(key, set) {
			continue
		}
		if len(out)+len(set) >= maxAttributes { // the stamped attributes count too
			dropped++
			continue
		}
		v, ok := value(kv.GetValue())
		if !ok || key == "" {
			dropped++
			continue
		}
		out = append(out, attribute.KeyValue{Key: key, Value: v})
	}
	return append(out, set...), dropped
}

func replaced(key attribute.Key, set []attribute.KeyValue) bool {
	for _, kv := range set {
		if kv.Key == key {
			return true
		}
	}
	return false
}

// value converts an OTLP value; ok is false when it holds none.
func value(v *commonpb.AnyValue) (_ attribute.Value, ok bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return attribute.StringValue(x.StringValue), true
	case *commonpb.AnyValue_BoolValue:
		return attribute.BoolValue(x.BoolValue), true
	case *commonpb.AnyValue_IntValue:
		return attribute.Int64Value(x.IntValue), true
	case *commonpb.AnyValue_DoubleValue:
		return attribute.Float64Value(x.DoubleValue), true
	case *commonpb.AnyValue_ArrayValue:
		return arrayValue(v), true
	case *commonpb.AnyValue_BytesValue:
		return attribute.StringValue(base64.StdEncoding.EncodeToString(x.BytesValue)), true
	case *commonpb.AnyValue_KvlistValue:
		return attribute.StringValue(string(appendJSON(nil, v))), true
	}
	return attribute.Value{}, false
}

// arrayValue converts an array whose elements share a scalar type to a
// typed slice, and any other array to its JSON form. An empty array has no
// element type; it becomes an empty string slice.
func arrayValue(v *commonpb.AnyValue) attribute.Value {
	vs := v.GetArrayValue().GetValues()
	if len(vs) == 0 {
		return attribute.StringSliceValue(nil)
	}
	switch vs[0].GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		if s, ok := all[*commonpb.AnyValue_StringValue](vs, (*commonpb.AnyValue).GetStringValue); ok {
			return attribute.StringSliceValue(s)
		}
	case *commonpb.AnyValue_BoolValue:
		if s, ok := all[*commonpb.AnyValue_BoolValue](vs, (*commonpb.AnyValue).GetBoolValue); ok {
			return attribute.BoolSliceValue(s)
		}
	case *commonpb.AnyValue_IntValue:
		if s, ok := all[*commonpb.AnyValue_IntValue](vs, (*commonpb.AnyValue).GetIntValue); ok {
			return attribute.Int64SliceValue(s)
		}
	case *commonpb.AnyValue_DoubleValue:
		if s, ok := all[*commonpb.AnyValue_DoubleValue](vs, (*commonpb.AnyValue).GetDoubleValue); ok {
			return attribute.Float64SliceValue(s)
		}
	}
	return attribute.StringValue(string(appendJSON(nil, v)))
}

// all returns the elements of vs through get, if every one holds a W.
func all[W any, T any](vs []*commonpb.AnyValue, get func(*commonpb.AnyValue) T) ([]T, bool) {
	out := make([]T, len(vs))
	for i, e := range vs {
		if _, ok := any(e.GetValue()).(W); !ok {
			return nil, false
		}
		out[i] = get(e)
	}
	return out, true
}

// appendJSON appends v as JSON: bytes in base64, an empty value as null,
// and floats JSON cannot hold as the strings OTLP/JSON uses for them.
func appendJSON(b []byte, v *commonpb.AnyValue) []byte {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return appendJSONString(b, x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		return strconv.AppendBool(b, x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.AppendInt(b, x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return appendJSONFloat(b, x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x.BytesValue)
		return append(b, '"')
	case *commonpb.AnyValue_ArrayValue:
		b = append(b, '[')
		for i, e := range x.ArrayValue.GetValues() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case *commonpb.AnyValue_KvlistValue:
		b = append(b, '{')
		for i, kv := range x.KvlistValue.GetValues() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, kv.GetKey())
			b = append(b, ':')
			b = appendJSON(b, kv.GetValue())
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

func appendJSONFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendJSONString quotes s. Invalid UTF-8, which protobuf would not have
// decoded into a string anyway, becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
