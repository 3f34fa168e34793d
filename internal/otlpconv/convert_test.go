// SPDX-License-Identifier: Apache-2.0

package otlpconv_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/plugtrace/plugtrace/internal/otlpconv"
)

var (
	traceID16 = []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	spanID8   = []byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	parentID8 = []byte{0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8}
)

// newSpan returns a valid OTLP span, changed by edit.
func newSpan(edit func(*tracepb.Span)) *tracepb.Span {
	s := &tracepb.Span{
		TraceId: traceID16, SpanId: spanID8, Name: "op",
		Flags:             0x101, // sampled; the sender says whether the parent is remote
		StartTimeUnixNano: 1_700_000_000_000_000_000,
		EndTimeUnixNano:   1_700_000_001_000_000_000,
	}
	if edit != nil {
		edit(s)
	}
	return s
}

func resourceSpans(spans ...*tracepb.Span) []*tracepb.ResourceSpans {
	return []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}
}

// one converts a single span and fails unless it was kept.
func one(t *testing.T, s *tracepb.Span) sdktrace.ReadOnlySpan {
	t.Helper()
	spans, rejected := otlpconv.Spans(resourceSpans(s))
	if rejected != 0 || len(spans) != 1 {
		t.Fatalf("kept %d spans, rejected %d; want 1, 0", len(spans), rejected)
	}
	return spans[0]
}

func kv(key string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: key, Value: v}
}
func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}
func i64(n int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
}
func f64(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}
func boolean(b bool) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
}
func array(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}
func kvlist(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
}
func bytesValue(b []byte) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: b}}
}

func TestMalformedIDsAreRejectedAndCounted(t *testing.T) {
	for name, edit := range map[string]func(*tracepb.Span){
		"no trace id":          func(s *tracepb.Span) { s.TraceId = nil },
		"short trace id":       func(s *tracepb.Span) { s.TraceId = traceID16[:15] },
		"long trace id":        func(s *tracepb.Span) { s.TraceId = append(append([]byte{}, traceID16...), 1) },
		"zero trace id":        func(s *tracepb.Span) { s.TraceId = make([]byte, 16) },
		"no span id":           func(s *tracepb.Span) { s.SpanId = nil },
		"short span id":        func(s *tracepb.Span) { s.SpanId = spanID8[:7] },
		"trace-length span id": func(s *tracepb.Span) { s.SpanId = traceID16 },
		"zero span id":         func(s *tracepb.Span) { s.SpanId = make([]byte, 8) },
		"short parent id":      func(s *tracepb.Span) { s.ParentSpanId = parentID8[:4] },
	} {
		t.Run(name, func(t *testing.T) {
			spans, rejected := otlpconv.Spans(resourceSpans(newSpan(nil), newSpan(edit), newSpan(func(s *tracepb.Span) { s.Name = "after" })))
			if rejected != 1 || len(spans) != 2 || spans[0].Name() != "op" || spans[1].Name() != "after" {
				t.Fatalf("kept %d spans, rejected %d; want the two valid ones kept and 1 rejected", len(spans), rejected)
			}
		})
	}
}

func TestParent(t *testing.T) {
	for name, c := range map[string]struct {
		parent []byte
		flags  uint32
		valid  bool
		remote bool
	}{
		"none":                {nil, 0x101, false, false},
		"all zero is a root":  {make([]byte, 8), 0x101, false, false},
		"local":               {parentID8, 0x101, true, false},
		"remote":              {parentID8, 0x301, true, true},
		"remoteness not said": {parentID8, 0x001, true, true},
	} {
		t.Run(name, func(t *testing.T) {
			p := one(t, newSpan(func(s *tracepb.Span) { s.ParentSpanId, s.Flags = c.parent, c.flags })).Parent()
			if p.IsValid() != c.valid || (c.valid && (p.IsRemote() != c.remote || p.SpanID() != trace.SpanID(parentID8) || p.TraceID() != trace.TraceID(traceID16))) {
				t.Fatalf("parent %+v; want valid %v, remote %v", p, c.valid, c.remote)
			}
		})
	}
}

func TestTraceFlags(t *testing.T) {
	for _, c := range []struct {
		flags uint32
		want  trace.TraceFlags
	}{
		{0x101, trace.FlagsSampled},
		{0x100, 0}, // said, and not sampled: not forced
		{0x303, trace.FlagsSampled | trace.FlagsRandom},
		{0xfffffc01, trace.FlagsSampled}, // bits 10-31 are not trace flags
		{0x1ff, 0xff},
		{0, trace.FlagsSampled}, // not said (before OTLP 1.1): an exported span was sampled
	} {
		t.Run(fmt.Sprintf("%#x", c.flags), func(t *testing.T) {
			if got := one(t, newSpan(func(s *tracepb.Span) { s.Flags = c.flags })).SpanContext().TraceFlags(); got != c.want {
				t.Fatalf("trace flags %#x, want %#x", got, c.want)
			}
		})
	}
}

func TestTraceState(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"vendor=a,other=b":        "vendor=a,other=b",
		"not a trace state!":      "",
		strings.Repeat("k=v,", 5): "",
	} {
		s := one(t, newSpan(func(s *tracepb.Span) { s.TraceState = in }))
		if got := s.SpanContext().TraceState().String(); got != want {
			t.Errorf("trace state %q became %q, want %q", in, got, want)
		}
	}
}

func TestValues(t *testing.T) {
	for name, c := range map[string]struct {
		in   *commonpb.AnyValue
		want attribute.Value
	}{
		"string":       {str("v"), attribute.StringValue("v")},
		"bool":         {boolean(true), attribute.BoolValue(true)},
		"int":          {i64(math.MinInt64), attribute.Int64Value(math.MinInt64)},
		"double":       {f64(-0.25), attribute.Float64Value(-0.25)},
		"strings":      {array(str("a"), str("")), attribute.StringSliceValue([]string{"a", ""})},
		"bools":        {array(boolean(false), boolean(true)), attribute.BoolSliceValue([]bool{false, true})},
		"ints":         {array(i64(1), i64(-1)), attribute.Int64SliceValue([]int64{1, -1})},
		"doubles":      {array(f64(1.5), f64(math.Inf(1))), attribute.Float64SliceValue([]float64{1.5, math.Inf(1)})},
		"empty array":  {array(), attribute.StringSliceValue(nil)},
		"bytes":        {bytesValue([]byte{0xff, 0x00, 'a'}), attribute.StringValue("/wBh")},
		"mixed array":  {array(i64(1), str("a\"\n\\"), f64(math.NaN()), &commonpb.AnyValue{}), attribute.StringValue(`[1,"a\"\u000a\\","NaN",null]`)},
		"nested array": {array(array(i64(1)), array()), attribute.StringValue(`[[1],[]]`)},
		"bytes array":  {array(bytesValue([]byte("hi"))), attribute.StringValue(`["aGk="]`)},
		"map": {kvlist(kv("a", i64(1)), kv("b", array(boolean(true), str("x"))), kv("c", kvlist()), kv("d", f64(1e21))),
			attribute.StringValue(`{"a":1,"b":[true,"x"],"c":{},"d":1e+21}`)},
	} {
		t.Run(name, func(t *testing.T) {
			attrs := one(t, newSpan(func(s *tracepb.Span) { s.Attributes = []*commonpb.KeyValue{kv("k", c.in)} })).Attributes()
			if len(attrs) != 1 || attrs[0].Key != "k" || attrs[0].Value.Type() != c.want.Type() || attrs[0].Value.String() != c.want.String() {
				t.Fatalf("attributes %v, want k=%s (%s)", attrs, c.want.String(), c.want.Type())
			}
		})
	}
}

func TestAttributesWithoutKeyOrValueAreDroppedAndCounted(t *testing.T) {
	s := one(t, newSpan(func(s *tracepb.Span) {
		s.Attributes = []*commonpb.KeyValue{kv("kept", str("v")), kv("", str("no key")), kv("no value", nil), kv("empty value", &commonpb.AnyValue{})}
		s.DroppedAttributesCount = 4
	}))
	if attrs := s.Attributes(); len(attrs) != 1 || attrs[0] != attribute.String("kept", "v") || s.DroppedAttributes() != 4+3 {
		t.Fatalf("attributes %v, %d dropped; want kept=v and 7 dropped", attrs, s.DroppedAttributes())
	}
}

func TestAttributeLimit(t *testing.T) {
	many := make([]*commonpb.KeyValue, 200)
	for i := range many {
		many[i] = kv(fmt.Sprintf("k%03d", i), i64(int64(i)))
	}
	spans, _ := otlpconv.Spans([]*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: many},
		ScopeSpans: []*tracepb.ScopeSpans{{
			Scope: &commonpb.InstrumentationScope{Name: "s", Attributes: many},
			Spans: []*tracepb.Span{newSpan(func(s *tracepb.Span) {
				s.Attributes, s.DroppedAttributesCount = many, 1
				s.Events = []*tracepb.Span_Event{{Name: "e", Attributes: many}}
				s.Links = []*tracepb.Span_Link{{TraceId: traceID16, SpanId: parentID8, Attributes: many, DroppedAttributesCount: 2}}
			})},
		}},
	}}, otlpconv.WithSpanAttributes(attribute.String("stamped", "yes")))
	s := spans[0]
	if n, last := len(s.Attributes()), s.Attributes()[len(s.Attributes())-1]; n != 128 || last.Key != "stamped" || s.Attributes()[126].Key != "k126" || s.DroppedAttributes() != 1+73 {
		t.Errorf("span: %d attributes ending %v, %d dropped; want the first 127 and the stamped one, 74 dropped", n, last, s.DroppedAttributes())
	}
	if e := s.Events()[0]; len(e.Attributes) != 128 || e.DroppedAttributeCount != 72 {
		t.Errorf("event: %d attributes, %d dropped; want 128, 72", len(e.Attributes), e.DroppedAttributeCount)
	}
	if l := s.Links()[0]; len(l.Attributes) != 128 || l.DroppedAttributeCount != 2+72 {
		t.Errorf("link: %d attributes, %d dropped; want 128, 74", len(l.Attributes), l.DroppedAttributeCount)
	}
	if n := s.Resource().Len(); n != 128 {
		t.Errorf("resource: %d attributes, want 128", n)
	}
	if scope := s.InstrumentationScope(); scope.Attributes.Len() != 128 {
		t.Errorf("scope: %d attributes, want 128", scope.Attributes.Len())
	}
}

func TestStampedAttributesReplaceTheSenders(t *testing.T) {
	id := attribute.String("plugtrace.plugin.id", "weather")
	spans, _ := otlpconv.Spans([]*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("plugtrace.plugin.id", str("todos")), kv("service.name", str("weather"))}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{newSpan(func(s *tracepb.Span) {
			s.Attributes = []*commonpb.KeyValue{kv("plugtrace.plugin.id", str("todos")), kv("kept", str("v")), kv("plugtrace.plugin.id", str("auth"))}
		})}}},
	}}, otlpconv.WithResourceAttributes(id), otlpconv.WithSpanAttributes(id))
	s := spans[0]
	if attrs := s.Attributes(); len(attrs) != 2 || attrs[0] != attribute.String("kept", "v") || attrs[1] != id || s.DroppedAttributes() != 0 {
		t.Errorf("span attributes %v; want kept=v and the sender's id once", attrs)
	}
	if v, _ := s.Resource().Set().Value("plugtrace.plugin.id"); v.AsString() != "weather" || s.Resource().Len() != 2 {
		t.Errorf("resource %v; want the sender's id and service.name", s.Resource())
	}
}

func TestKindStatusAndTimes(t *testing.T) {
	s := one(t, newSpan(func(s *tracepb.Span) {
		s.Kind = tracepb.Span_SPAN_KIND_PRODUCER
		s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"}
		s.StartTimeUnixNano, s.EndTimeUnixNano = 1, math.MaxUint64
	}))
	if s.SpanKind() != trace.SpanKindProducer || s.Status() != (sdktrace.Status{Code: codes.Error, Description: "boom"}) ||
		!s.StartTime().Equal(time.Unix(0, 1)) || !s.EndTime().Equal(time.Unix(0, math.MaxInt64)) {
		t.Errorf("kind %v status %+v times %v..%v", s.SpanKind(), s.Status(), s.StartTime(), s.EndTime())
	}
	s = one(t, newSpan(func(s *tracepb.Span) {
		s.Kind = 42
		s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK, Message: "ignored, as the SDK ignores it"}
	}))
	if s.SpanKind() != trace.SpanKindUnspecified || s.Status() != (sdktrace.Status{Code: codes.Ok}) {
		t.Errorf("unknown kind became %v, ok status with a message %+v", s.SpanKind(), s.Status())
	}
	if s = one(t, newSpan(func(s *tracepb.Span) { s.Status = &tracepb.Status{Code: 7, Message: "m"} })); s.Status() != (sdktrace.Status{}) {
		t.Errorf("unknown status code became %+v, want unset", s.Status())
	}
}

func TestEvents(t *testing.T) {
	s := one(t, newSpan(func(s *tracepb.Span) {
		s.Events = []*tracepb.Span_Event{
			{Name: "exception", TimeUnixNano: 1_700_000_000_500_000_001, Attributes: []*commonpb.KeyValue{kv("exception.type", str("E"))}, DroppedAttributesCount: 3},
			{Name: "bare"},
		}
		s.DroppedEventsCount = 9
	}))
	ev := s.Events()
	if len(ev) != 2 || ev[0].Name != "exception" || !ev[0].Time.Equal(time.Unix(1_700_000_000, 500_000_001)) ||
		len(ev[0].Attributes) != 1 || ev[0].Attributes[0] != attribute.String("exception.type", "E") || ev[0].DroppedAttributeCount != 3 ||
		ev[1].Name != "bare" || len(ev[1].Attributes) != 0 || s.DroppedEvents() != 9 {
		t.Fatalf("events %+v, %d dropped", ev, s.DroppedEvents())
	}
}

func TestLinks(t *testing.T) {
	s := one(t, newSpan(func(s *tracepb.Span) {
		s.Links = []*tracepb.Span_Link{
			{TraceId: traceID16, SpanId: parentID8, TraceState: "vendor=x", Flags: 0x301, Attributes: []*commonpb.KeyValue{kv("why", str("batch"))}, DroppedAttributesCount: 2},
			{TraceId: traceID16[:8], SpanId: parentID8},                             // malformed: dropped
			{TraceId: traceID16, SpanId: make([]byte, 8)},                           // malformed: dropped
			{TraceId: traceID16, SpanId: spanID8, Flags: 0x100, TraceState: "=bad"}, // local, unsampled
		}
		s.DroppedLinksCount = 5
	}))
	ls := s.Links()
	if len(ls) != 2 || s.DroppedLinks() != 5+2 {
		t.Fatalf("%d links, %d dropped; want 2, 7", len(ls), s.DroppedLinks())
	}
	sc := ls[0].SpanContext
	if sc.TraceID() != trace.TraceID(traceID16) || sc.SpanID() != trace.SpanID(parentID8) || !sc.IsSampled() || !sc.IsRemote() ||
		sc.TraceState().String() != "vendor=x" || len(ls[0].Attributes) != 1 || ls[0].Attributes[0] != attribute.String("why", "batch") || ls[0].DroppedAttributeCount != 2 {
		t.Errorf("link %+v", ls[0])
	}
	if sc := ls[1].SpanContext; sc.IsSampled() || sc.IsRemote() || sc.TraceState().Len() != 0 {
		t.Errorf("link %+v, want local, unsampled, no trace state", ls[1])
	}
}

func TestResourceAndScope(t *testing.T) {
	spans, _ := otlpconv.Spans([]*tracepb.ResourceSpans{{
		Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("weather"))}},
		SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
		ScopeSpans: []*tracepb.ScopeSpans{
			{
				Scope:     &commonpb.InstrumentationScope{Name: "lib", Version: "1.0", Attributes: []*commonpb.KeyValue{kv("a", str("b"))}},
				SchemaUrl: "https://example.com/scope",
				Spans:     []*tracepb.Span{newSpan(nil)},
			},
			{ // nothing but attributes: the SDK's snapshot must not lose them
				Scope: &commonpb.InstrumentationScope{Attributes: []*commonpb.KeyValue{kv("only", str("attrs"))}},
				Spans: []*tracepb.Span{newSpan(nil)},
			},
		},
	}})
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	if r := spans[0].Resource(); r.SchemaURL() != "https://opentelemetry.io/schemas/1.26.0" || r.String() != "service.name=weather" {
		t.Errorf("resource %v (%s)", r, r.SchemaURL())
	}
	if sc := spans[0].InstrumentationScope(); sc.Name != "lib" || sc.Version != "1.0" || sc.SchemaURL != "https://example.com/scope" || sc.Attributes.Encoded(attribute.DefaultEncoder()) != "a=b" {
		t.Errorf("scope %+v", sc)
	}
	if sc := spans[1].InstrumentationScope(); sc.Name != "" || sc.Attributes.Encoded(attribute.DefaultEncoder()) != "only=attrs" {
		t.Errorf("scope %+v, want no name and only=attrs", sc)
	}
}

func TestNothingToConvert(t *testing.T) {
	for name, rss := range map[string][]*tracepb.ResourceSpans{
		"nil":         nil,
		"nil entries": {nil, {ScopeSpans: []*tracepb.ScopeSpans{nil, {Spans: nil}}}},
	} {
		if spans, rejected := otlpconv.Spans(rss); len(spans) != 0 || rejected != 0 {
			t.Errorf("%s: %d spans, %d rejected", name, len(spans), rejected)
		}
	}
}

func BenchmarkSpans(b *testing.B) {
	spans := make([]*tracepb.Span, 100)
	for i := range spans {
		spans[i] = newSpan(func(s *tracepb.Span) {
			s.ParentSpanId = parentID8
			s.Attributes = []*commonpb.KeyValue{kv("http.route", str("/forecast")), kv("http.status_code", i64(200)), kv("ok", boolean(true))}
			s.Events = []*tracepb.Span_Event{{Name: "e", Attributes: []*commonpb.KeyValue{kv("k", str("v"))}}}
		})
	}
	rss := resourceSpans(spans...)
	rss[0].Resource = &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("weather"))}}
	id := otlpconv.WithResourceAttributes(attribute.String("plugtrace.plugin.id", "weather"))
	b.ReportAllocs()
	for b.Loop() {
		if out, _ := otlpconv.Spans(rss, id); len(out) != len(spans) {
			b.Fatal(len(out))
		}
	}
}
