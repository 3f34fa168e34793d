// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// Per-span limits of what the store keeps. The store is bounded by its
// span count; these bound each span, so that memory stays proportional to
// the bound whatever a plugin (or another SDK behind the relay) sends.
const (
	maxAttributes      = 128      // per span
	maxEvents          = 128      // per span; the first ones are kept
	maxEventAttributes = 32       // per event
	maxLinks           = 128      // per span; the first ones are kept
	maxLinkAttributes  = 32       // per link
	maxValueBytes      = 4 << 10  // per string value; longer ones are cut
	maxNameBytes       = 1 << 10  // span and event names, status messages
	truncatedSuffix    = "…[cut]" // marks a cut value
)

// limitAttributes returns kvs with at most n attributes and no string longer
// than maxValueBytes. It copies only when it must change something.
func limitAttributes(kvs []attribute.KeyValue, n int) []attribute.KeyValue {
	if len(kvs) > n {
		kvs = kvs[:n]
	}
	var out []attribute.KeyValue
	for i, kv := range kvs {
		v, changed := limitValue(kv.Value)
		if !changed {
			if out != nil {
				out = append(out, kv)
			}
			continue
		}
		if out == nil {
			out = append(make([]attribute.KeyValue, 0, len(kvs)), kvs[:i]...)
		}
		out = append(out, attribute.KeyValue{Key: kv.Key, Value: v})
	}
	if out == nil {
		return kvs
	}
	return out
}

func limitValue(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s := v.AsString(); len(s) > maxValueBytes {
			return attribute.StringValue(cut(s, maxValueBytes)), true
		}
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice()
		changed := false
		total := 0
		for i, s := range ss {
			total += len(s)
			if total > maxValueBytes {
				ss = append(ss[:i:i], truncatedSuffix)
				changed = true
				break
			}
		}
		if changed {
			return attribute.StringSliceValue(ss), true
		}
	}
	return v, false
}

// cut shortens s to at most n bytes (plus the suffix), on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + truncatedSuffix
}
