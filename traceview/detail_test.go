// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/traceview"
	"github.com/plugtrace/plugtrace/traceview/internal/fixture"
)

func TestTraceReturnsEverySpan(t *testing.T) {
	s := newStore(t, 100)
	stubs := weatherTrace(7, baseTime)
	export(t, s, stubs[spanUpstream], stubs[spanGRPCServer])
	export(t, s, stubs[spanFetch], stubs[spanHTTPServer], stubs[spanGRPCClient])

	d, ok := s.Trace(traceID(7))
	if !ok {
		t.Fatal("Trace() = false for a stored trace")
	}
	if d.TraceID != traceID(7).String() {
		t.Errorf("TraceID = %q, want %q", d.TraceID, traceID(7).String())
	}
	if len(d.Spans) != weatherSpans {
		t.Fatalf("%d spans, want %d", len(d.Spans), weatherSpans)
	}
	// By start time, whatever the arrival order.
	for i, sp := range d.Spans {
		if want := stubs[i].SpanContext.SpanID().String(); sp.SpanID != want {
			t.Errorf("span %d: SpanID %s (%s), want %s (%s)", i, sp.SpanID, sp.Name, want, stubs[i].Name)
		}
	}

	up := d.Spans[spanUpstream]
	if up.TraceID != d.TraceID || up.ParentSpanID != spanID(7, spanFetch).String() {
		t.Errorf("upstream span: TraceID %q, ParentSpanID %q", up.TraceID, up.ParentSpanID)
	}
	if root := d.Spans[spanHTTPServer]; root.ParentSpanID != "" || root.Kind != "server" {
		t.Errorf("root span: ParentSpanID %q (want empty), Kind %q (want server)", root.ParentSpanID, root.Kind)
	}
	if up.Name != "GET" || up.Kind != "client" {
		t.Errorf("upstream span: Name %q Kind %q", up.Name, up.Kind)
	}
	if want := (traceview.Status{Code: "error", Message: "upstream answered 503"}); up.Status != want {
		t.Errorf("Status = %+v, want %+v", up.Status, want)
	}
	if ok := d.Spans[spanFetch].Status; ok.Code != "unset" {
		t.Errorf("fetch span: Status.Code = %q, want unset", ok.Code)
	}
	if !up.StartTime.Equal(baseTime.Add(5*time.Millisecond)) || !up.EndTime.Equal(baseTime.Add(40*time.Millisecond)) {
		t.Errorf("upstream span: %s .. %s", up.StartTime, up.EndTime)
	}
	if up.StartTime.Location() != time.UTC {
		t.Errorf("StartTime in %v, want UTC", up.StartTime.Location())
	}
	if up.Attributes["plugtrace.plugin.id"] != "weather" || up.Attributes["http.response.status_code"] != int64(503) ||
		up.Attributes["retry.backoff_s"] != 0.25 {
		t.Errorf("Attributes = %v", up.Attributes)
	}
	if up.Resource["service.name"] != "weather" || up.Resource["process.pid"] != int64(4242) {
		t.Errorf("Resource = %v", up.Resource)
	}
	if len(up.Events) != 1 || up.Events[0].Name != "exception" ||
		up.Events[0].Attributes["exception.message"] != "upstream answered 503" ||
		!up.Events[0].Time.Equal(baseTime.Add(39*time.Millisecond)) {
		t.Errorf("Events = %+v", up.Events)
	}
	if d.Spans[spanFetch].Scope.Name != "plugtrace-plugin-weather" ||
		d.Spans[spanHTTPServer].Scope.Version != "0.72.0" {
		t.Errorf("Scopes = %+v, %+v", d.Spans[spanFetch].Scope, d.Spans[spanHTTPServer].Scope)
	}
	if d.Spans[spanGRPCClient].Resource["service.name"] != "plugtrace" {
		t.Errorf("host span: Resource = %v", d.Spans[spanGRPCClient].Resource)
	}
}

func TestTraceUnknown(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	if _, ok := s.Trace(traceID(2)); ok {
		t.Error("Trace() of an unknown id = true")
	}
}

func TestAttributeValuesAsJSON(t *testing.T) {
	tests := []struct {
		value attribute.Value
		want  string
	}{
		{attribute.StringValue("héllo \"x\""), `"héllo \"x\""`},
		{attribute.BoolValue(true), `true`},
		{attribute.Int64Value(-42), `-42`},
		{attribute.Int64Value(math.MaxInt64), `9223372036854775807`},
		{attribute.Float64Value(1.5), `1.5`},
		{attribute.Float64Value(math.NaN()), `"NaN"`},
		{attribute.Float64Value(math.Inf(1)), `"Infinity"`},
		{attribute.Float64Value(math.Inf(-1)), `"-Infinity"`},
		{attribute.StringSliceValue([]string{"a", "b"}), `["a","b"]`},
		{attribute.StringSliceValue([]string{}), `[]`},
		{attribute.BoolSliceValue([]bool{true, false}), `[true,false]`},
		{attribute.Int64SliceValue([]int64{1, 2}), `[1,2]`},
		{attribute.Float64SliceValue([]float64{0.5, 2}), `[0.5,2]`},
		{attribute.Float64SliceValue([]float64{1, math.NaN()}), `[1,"NaN"]`},
		{attribute.ByteSliceValue([]byte("hi")), `"aGk="`},
		{attribute.SliceValue(attribute.IntValue(1), attribute.StringValue("x")), `[1,"x"]`},
		{attribute.MapValue(attribute.String("b", "2"), attribute.Int("a", 1)), `{"a":1,"b":"2"}`},
		{attribute.Value{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.value.Type().String()+" "+tt.want, func(t *testing.T) {
			s := newStore(t, 10)
			export(t, s, newSpan(1, 0, -1, "span", baseTime, time.Millisecond, attrs(attribute.KeyValue{Key: "k", Value: tt.value})))
			d, _ := s.Trace(traceID(1))
			got, err := json.Marshal(d.Spans[0].Attributes["k"])
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON of %s = %s, want %s", tt.value.Type(), got, tt.want)
			}
		})
	}
}

func TestSpanKindNames(t *testing.T) {
	kinds := map[trace.SpanKind]string{
		trace.SpanKindUnspecified: "internal", // the OpenTelemetry default
		trace.SpanKindInternal:    "internal",
		trace.SpanKindServer:      "server",
		trace.SpanKindClient:      "client",
		trace.SpanKindProducer:    "producer",
		trace.SpanKindConsumer:    "consumer",
	}
	for k, want := range kinds {
		s := newStore(t, 10)
		export(t, s, newSpan(1, 0, -1, "span", baseTime, time.Millisecond, kind(k)))
		if d, _ := s.Trace(traceID(1)); d.Spans[0].Kind != want {
			t.Errorf("kind %v: %q, want %q", k, d.Spans[0].Kind, want)
		}
	}
}

// Links are bounded like events: the first 128 are kept, with at most 32
// attributes each.
func TestLinksAreBounded(t *testing.T) {
	s := newStore(t, 10)
	var opts []fixture.Option
	for i := range 200 {
		var kv []attribute.KeyValue
		for j := range 50 {
			kv = append(kv, attribute.Int(fmt.Sprint("k", j), j))
		}
		opts = append(opts, link(2, i, kv...))
	}
	export(t, s, newSpan(1, 0, -1, "batch", baseTime, time.Millisecond, opts...))
	d, _ := s.Trace(traceID(1))
	links := d.Spans[0].Links
	if len(links) != 128 {
		t.Fatalf("kept %d links, want 128", len(links))
	}
	if links[0].SpanID != spanID(2, 0).String() || links[127].SpanID != spanID(2, 127).String() {
		t.Errorf("kept the links to %s .. %s, want the first ones", links[0].SpanID, links[127].SpanID)
	}
	for i, l := range links {
		if len(l.Attributes) != 32 || l.TraceID != traceID(2).String() {
			t.Fatalf("link %d: trace %s, %d attributes; want trace %s, 32", i, l.TraceID, len(l.Attributes), traceID(2))
		}
	}
}
