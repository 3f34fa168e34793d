// SPDX-License-Identifier: Apache-2.0

package otlpconv_test

import (
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/plugtrace/plugtrace/internal/otlpconv"
)

// FuzzSpans feeds what a plugin could send to the relay. Whatever the
// bytes, conversion must not panic, must account for every span (kept or
// rejected), must keep only spans and links with valid ids, valid
// attributes within the bound, and the stamped attribute exactly once, and
// must give values it cannot type their JSON form.
func FuzzSpans(f *testing.F) {
	for _, req := range seedRequests() {
		b, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	stamp := attribute.String("plugtrace.plugin.id", "sender")
	f.Fuzz(func(t *testing.T, b []byte) {
		var req collectortrace.ExportTraceServiceRequest
		if proto.Unmarshal(b, &req) != nil {
			return // the gRPC server refuses what does not decode
		}
		var sent []*tracepb.Span
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				sent = append(sent, ss.GetSpans()...)
			}
		}
		spans, rejected := otlpconv.Spans(req.GetResourceSpans(), otlpconv.WithResourceAttributes(stamp), otlpconv.WithSpanAttributes(stamp))
		if len(spans)+rejected != len(sent) || rejected < 0 {
			t.Fatalf("%d spans sent; %d kept and %d rejected", len(sent), len(spans), rejected)
		}
		kept := 0
		for _, in := range sent {
			if len(in.GetTraceId()) == 16 && len(in.GetSpanId()) == 8 && (len(in.GetParentSpanId()) == 0 || len(in.GetParentSpanId()) == 8) &&
				!allZero(in.GetTraceId()) && !allZero(in.GetSpanId()) {
				if s, id := spans[kept], trace.SpanID(in.GetSpanId()); s.Name() != in.GetName() || s.SpanContext().SpanID() != id {
					t.Fatalf("span %d is %q %s, want %q %s", kept, s.Name(), s.SpanContext().SpanID(), in.GetName(), id)
				}
				checkValues(t, in.GetAttributes(), spans[kept].Attributes())
				kept++
			}
		}
		if kept != len(spans) {
			t.Fatalf("kept %d spans, want %d", len(spans), kept)
		}
		for _, s := range spans {
			if !s.SpanContext().IsValid() || (s.Parent().IsValid() && s.Parent().TraceID() != s.SpanContext().TraceID()) {
				t.Fatalf("span context %+v, parent %+v", s.SpanContext(), s.Parent())
			}
			checkAttributes(t, "span", s.Attributes(), 129)
			if n := count(s.Attributes(), stamp.Key); n != 1 || s.Attributes()[len(s.Attributes())-1] != stamp {
				t.Fatalf("the stamped attribute appears %d times in %v, want once, last", n, s.Attributes())
			}
			if v, _ := s.Resource().Set().Value(stamp.Key); v != stamp.Value {
				t.Fatalf("resource %v lacks the stamp", s.Resource())
			}
			scope := s.InstrumentationScope()
			checkAttributes(t, "scope", scope.Attributes.ToSlice(), 128)
			for _, e := range s.Events() {
				checkAttributes(t, "event", e.Attributes, 128)
			}
			for _, l := range s.Links() {
				if !l.SpanContext.IsValid() {
					t.Fatalf("link %+v", l.SpanContext)
				}
				checkAttributes(t, "link", l.Attributes, 128)
			}
			if s.DroppedAttributes() < 0 || s.DroppedEvents() < 0 || s.DroppedLinks() < 0 {
				t.Fatalf("negative dropped counts %d %d %d", s.DroppedAttributes(), s.DroppedEvents(), s.DroppedLinks())
			}
		}
	})
}

func checkAttributes(t *testing.T, what string, kvs []attribute.KeyValue, limit int) {
	t.Helper()
	if len(kvs) > limit {
		t.Fatalf("%s: %d attributes, over the bound %d", what, len(kvs), limit)
	}
	for _, kv := range kvs {
		if !kv.Valid() {
			t.Fatalf("%s: invalid attribute %#v", what, kv)
		}
	}
}

// checkValues checks, when in and out line up one to one, that a map or an
// array of mixed types became valid JSON.
func checkValues(t *testing.T, in []*commonpb.KeyValue, out []attribute.KeyValue) {
	t.Helper()
	if len(out) != len(in)+1 { // some were dropped or replaced: no line-up
		return
	}
	for i, kv := range in {
		if kv.GetKey() == "plugtrace.plugin.id" {
			return
		}
		_, isMap := kv.GetValue().GetValue().(*commonpb.AnyValue_KvlistValue)
		_, isArray := kv.GetValue().GetValue().(*commonpb.AnyValue_ArrayValue)
		if (isMap || isArray && out[i].Value.Type() == attribute.STRING) && !json.Valid([]byte(out[i].Value.AsString())) {
			t.Fatalf("%s became %q, not JSON", kv.GetKey(), out[i].Value.AsString())
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func count(kvs []attribute.KeyValue, key attribute.Key) int {
	n := 0
	for _, kv := range kvs {
		if kv.Key == key {
			n++
		}
	}
	return n
}

// seedRequests are two requests a plugin could send: one using every
// field, and one mixing valid spans with malformed ones.
func seedRequests() []*collectortrace.ExportTraceServiceRequest {
	full := newSpan(func(s *tracepb.Span) {
		s.ParentSpanId, s.TraceState, s.Flags = parentID8, "vendor=a", 0x303
		s.Kind = tracepb.Span_SPAN_KIND_SERVER
		s.Attributes = []*commonpb.KeyValue{
			kv("s", str("v")), kv("b", boolean(true)), kv("i", i64(-1)), kv("d", f64(0.5)),
			kv("ss", array(str("a"))), kv("mixed", array(i64(1), str("x"), bytesValue([]byte{0}))),
			kv("map", kvlist(kv("k", array(f64(1), kvlist())))), kv("bytes", bytesValue([]byte("raw"))),
			kv("plugtrace.plugin.id", str("someone else")),
		}
		s.DroppedAttributesCount, s.DroppedEventsCount, s.DroppedLinksCount = 1, 2, 3
		s.Events = []*tracepb.Span_Event{{Name: "e", TimeUnixNano: 5, Attributes: []*commonpb.KeyValue{kv("k", str("v"))}, DroppedAttributesCount: 1}}
		s.Links = []*tracepb.Span_Link{{TraceId: traceID16, SpanId: spanID8, TraceState: "l=1", Flags: 0x301, Attributes: []*commonpb.KeyValue{kv("k", i64(2))}}}
		s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"}
	})
	return []*collectortrace.ExportTraceServiceRequest{
		{ResourceSpans: []*tracepb.ResourceSpans{{
			Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("weather")), kv("plugtrace.plugin.id", str("todos"))}},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
			ScopeSpans: []*tracepb.ScopeSpans{{
				Scope:     &commonpb.InstrumentationScope{Name: "plugtrace-plugin-weather", Version: "1", Attributes: []*commonpb.KeyValue{kv("a", str("b"))}},
				SchemaUrl: "https://example.com/scope",
				Spans:     []*tracepb.Span{full, newSpan(nil)},
			}},
		}}},
		{ResourceSpans: resourceSpans(
			newSpan(nil),
			newSpan(func(s *tracepb.Span) { s.TraceId = traceID16[:3] }),
			newSpan(func(s *tracepb.Span) { s.SpanId = make([]byte, 8); s.Flags = 0 }),
			newSpan(func(s *tracepb.Span) {
				s.ParentSpanId = make([]byte, 8)
				s.Links = []*tracepb.Span_Link{{TraceId: spanID8}}
			}),
		)},
	}
}
