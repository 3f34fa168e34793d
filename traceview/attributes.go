// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"encoding/base64"
	"math"

	"go.opentelemetry.io/otel/attribute"
)

// attributeMap converts attributes to the natural JSON types. When a key
// repeats, the last value wins, as in the SDK.
func attributeMap(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = jsonValue(kv.Value)
	}
	return m
}

// jsonValue returns v as a value encoding/json encodes naturally. It follows
// the OpenTelemetry rules for non-OTLP formats where JSON has no native
// form: byte slices are base64 strings, NaN and infinities are strings.
func jsonValue(v attribute.Value) any {
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.INT64:
		return v.AsInt64()
	case attribute.FLOAT64:
		return jsonFloat(v.AsFloat64())
	case attribute.STRING:
		return v.AsString()
	case attribute.BOOLSLICE:
		return v.AsBoolSlice()
	case attribute.INT64SLICE:
		return v.AsInt64Slice()
	case attribute.FLOAT64SLICE:
		fs := v.AsFloat64Slice()
		if !slicesFinite(fs) {
			out := make([]any, len(fs))
			for i, f := range fs {
				out[i] = jsonFloat(f)
			}
			return out
		}
		return fs
	case attribute.STRINGSLICE:
		return v.AsStringSlice()
	case attribute.BYTESLICE:
		return base64.StdEncoding.EncodeToString(v.AsByteSlice())
	case attribute.SLICE:
		vals := v.AsSlice()
		out := make([]any, len(vals))
		for i, e := range vals {
			out[i] = jsonValue(e)
		}
		return out
	case attribute.MAP:
		return attributeMap(v.AsMap())
	case attribute.EMPTY:
		return nil
	}
	// A type newer than this code: its string form is still readable.
	return v.String()
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

func slicesFinite(fs []float64) bool {
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
