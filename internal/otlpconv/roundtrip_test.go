// SPDX-License-Identifier: Apache-2.0

package otlpconv_test

import (
	"context"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/plugtrace/plugtrace/internal/otlpconv"
)

// TestRoundTrip makes spans with the real SDK, sends them through the real
// OTLP/gRPC exporter to a server that keeps the requests as they arrived,
// converts those back, and compares every field with what the SDK ended.
func TestRoundTrip(t *testing.T) {
	want := sdkSpans(t)
	var rss []*tracepb.ResourceSpans
	for _, req := range exportOverGRPC(t, want) {
		rss = append(rss, req.GetResourceSpans()...)
	}
	got, rejected := otlpconv.Spans(rss)
	if rejected != 0 || len(got) != len(want) {
		t.Fatalf("converted %d spans, rejected %d; want %d, 0", len(got), rejected, len(want))
	}
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range got {
		byID[s.SpanContext().SpanID()] = s
	}
	for _, w := range want {
		t.Run(w.Name(), func(t *testing.T) {
			g, ok := byID[w.SpanContext().SpanID()]
			if !ok {
				t.Fatalf("span %s did not come back", w.SpanContext().SpanID())
			}
			assertSameSpan(t, w, g)
		})
	}
}

// sdkSpans ends spans that between them use every field a ReadOnlySpan
// has, and returns them as the SDK hands them to an exporter.
func sdkSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "weather"), attribute.Int("res.int", 7), attribute.StringSlice("res.list", []string{"a", "b"}))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(rec),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(recordOnly{"unsampled"}),
		sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{
			AttributeValueLengthLimit:   -1,
			AttributeCountLimit:         12,
			EventCountLimit:             3,
			LinkCountLimit:              2,
			AttributePerEventCountLimit: 2,
			AttributePerLinkCountLimit:  2,
		}),
	)
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tracer := tp.Tracer("plugtrace-plugin-weather",
		trace.WithInstrumentationVersion("1.2.3"),
		trace.WithSchemaURL("https://example.com/scope-schema"),
		trace.WithInstrumentationAttributes(attribute.String("scope.attr", "v"), attribute.Bool("scope.flag", true)))
	ts, err := trace.ParseTraceState("vendor=a,other=b")
	if err != nil {
		t.Fatal(err)
	}
	remoteParent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled | trace.FlagsRandom,
		TraceState: ts,
		Remote:     true,
	})
	linkState, _ := trace.ParseTraceState("linked=yes")
	linked := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled, TraceState: linkState, Remote: true,
	})
	localLink := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{7}, SpanID: trace.SpanID{8}})

	start := time.Unix(1_700_000_000, 123_456_789)
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), remoteParent)
	ctx, server := tracer.Start(ctx, "GET /forecast",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(start),
		trace.WithLinks(
			trace.Link{SpanContext: localLink}, // evicted: the SDK keeps the newest links
			trace.Link{SpanContext: localLink},
			trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("link.why", "caller"), attribute.Int("link.n", 1), attribute.Bool("over", true)}},
		),
		trace.WithAttributes(
			attribute.String("str", "v"), attribute.Bool("bool", true), attribute.Int64("int", -42), attribute.Float64("float", 2.5),
			attribute.StringSlice("strs", []string{"x", ""}), attribute.BoolSlice("bools", []bool{true, false}),
			attribute.Int64Slice("ints", []int64{1, -2}), attribute.Float64Slice("floats", []float64{0.5, -1e300}),
		))
	server.AddEvent("evicted") // the SDK keeps the newest events
	server.AddEvent("retry")
	server.AddEvent("third")
	server.AddEvent("cache miss", trace.WithTimestamp(start.Add(time.Microsecond)), trace.WithAttributes(
		attribute.String("key", "paris"), attribute.Int("size", 3), attribute.Bool("over", true)))
	for i := range 6 { // 8 + 6 attributes against a limit of 12
		server.SetAttributes(attribute.Int("extra."+string(rune('a'+i)), i))
	}
	server.SetStatus(codes.Error, "upstream said 503")

	_, client := tracer.Start(ctx, "GET upstream", trace.WithSpanKind(trace.SpanKindClient))
	client.SetStatus(codes.Ok, "")
	client.End()
	for _, k := range []trace.SpanKind{trace.SpanKindProducer, trace.SpanKindConsumer, trace.SpanKindInternal} {
		_, s := tracer.Start(ctx, "kind "+k.String(), trace.WithSpanKind(k))
		s.End()
	}
	server.End(trace.WithTimestamp(start.Add(1500 * time.Millisecond)))

	_, unsampled := tracer.Start(context.Background(), "unsampled") // recorded, not sampled
	unsampled.End()

	spans := rec.Ended()
	if len(spans) != 6 {
		t.Fatalf("the SDK ended %d spans, want 6", len(spans))
	}
	// The comparison means something only if the SDK filled what it is
	// meant to compare.
	for _, s := range spans {
		switch s.Name() {
		case "GET /forecast":
			sc := s.SpanContext()
			if sc.TraceFlags() != trace.FlagsSampled|trace.FlagsRandom || sc.TraceState().Len() != 2 || !s.Parent().IsRemote() ||
				s.DroppedAttributes() == 0 || s.DroppedEvents() == 0 || s.DroppedLinks() == 0 ||
				s.Events()[2].DroppedAttributeCount == 0 || s.Links()[1].DroppedAttributeCount == 0 {
				t.Fatalf("the SDK's server span lacks what the test compares: %+v", tracetest.SpanStubFromReadOnlySpan(s))
			}
		case "unsampled":
			if s.SpanContext().IsSampled() {
				t.Fatal("the SDK sampled the span meant to be recorded only")
			}
		}
	}
	return spans
}

// recordOnly records, without sampling, the spans of one name, and samples
// the rest as parent-based would.
type recordOnly struct{ name string }

var _ sdktrace.Sampler = recordOnly{}

func (r recordOnly) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	d := sdktrace.RecordAndSample
	if p.Name == r.name {
		d = sdktrace.RecordOnly
	}
	return sdktrace.SamplingResult{Decision: d, Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
}

func (recordOnly) Description() string { return "recordOnly" }

// exportOverGRPC sends spans with the OTLP/gRPC exporter and returns the
// requests as the server decoded them.
func exportOverGRPC(t *testing.T, spans []sdktrace.ReadOnlySpan) []*collectortrace.ExportTraceServiceRequest {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	keep := &keeper{}
	collectortrace.RegisterTraceServiceServer(srv, keep)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(lis.Addr().String()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return keep.requests()
}

type keeper struct {
	collectortrace.UnimplementedTraceServiceServer
	mu   sync.Mutex
	reqs []*collectortrace.ExportTraceServiceRequest
}

var _ collectortrace.TraceServiceServer = (*keeper)(nil)

func (k *keeper) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reqs = append(k.reqs, proto.Clone(req).(*collectortrace.ExportTraceServiceRequest))
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func (k *keeper) requests() []*collectortrace.ExportTraceServiceRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reqs
}

// assertSameSpan compares every field OTLP carries. The parent's flags and
// trace state and the child count are not on the wire, nor (from the Go
// exporter, as of v1.47) a link's trace state: TestLinks covers that.
func assertSameSpan(t *testing.T, want, got sdktrace.ReadOnlySpan) {
	t.Helper()
	if got.Name() != want.Name() {
		t.Errorf("name %q, want %q", got.Name(), want.Name())
	}
	if !got.SpanContext().Equal(want.SpanContext()) {
		t.Errorf("span context %+v, want %+v", got.SpanContext(), want.SpanContext())
	}
	if g, w := got.Parent(), want.Parent(); g.TraceID() != w.TraceID() || g.SpanID() != w.SpanID() || g.IsRemote() != w.IsRemote() || g.IsValid() != w.IsValid() {
		t.Errorf("parent %+v, want %+v", g, w)
	}
	if got.SpanKind() != want.SpanKind() {
		t.Errorf("kind %v, want %v", got.SpanKind(), want.SpanKind())
	}
	if !got.StartTime().Equal(want.StartTime()) || !got.EndTime().Equal(want.EndTime()) {
		t.Errorf("times %v..%v, want %v..%v", got.StartTime(), got.EndTime(), want.StartTime(), want.EndTime())
	}
	assertSameAttributes(t, "span", got.Attributes(), want.Attributes())
	if got.Status() != want.Status() {
		t.Errorf("status %+v, want %+v", got.Status(), want.Status())
	}
	if got.DroppedAttributes() != want.DroppedAttributes() || got.DroppedEvents() != want.DroppedEvents() || got.DroppedLinks() != want.DroppedLinks() {
		t.Errorf("dropped attributes, events, links %d %d %d, want %d %d %d", got.DroppedAttributes(), got.DroppedEvents(), got.DroppedLinks(),
			want.DroppedAttributes(), want.DroppedEvents(), want.DroppedLinks())
	}
	if got.ChildSpanCount() != 0 {
		t.Errorf("child span count %d: OTLP does not carry it", got.ChildSpanCount())
	}
	ge, we := got.Events(), want.Events()
	if len(ge) != len(we) {
		t.Fatalf("%d events, want %d", len(ge), len(we))
	}
	for i := range we {
		if ge[i].Name != we[i].Name || !ge[i].Time.Equal(we[i].Time) || ge[i].DroppedAttributeCount != we[i].DroppedAttributeCount {
			t.Errorf("event %d: %q at %v dropped %d, want %q at %v dropped %d", i, ge[i].Name, ge[i].Time, ge[i].DroppedAttributeCount,
				we[i].Name, we[i].Time, we[i].DroppedAttributeCount)
		}
		assertSameAttributes(t, "event "+we[i].Name, ge[i].Attributes, we[i].Attributes)
	}
	gl, wl := got.Links(), want.Links()
	if len(gl) != len(wl) {
		t.Fatalf("%d links, want %d", len(gl), len(wl))
	}
	for i := range wl {
		w := wl[i].SpanContext.WithTraceState(trace.TraceState{})
		if !gl[i].SpanContext.Equal(w) || gl[i].DroppedAttributeCount != wl[i].DroppedAttributeCount {
			t.Errorf("link %d: %+v dropped %d, want %+v dropped %d", i, gl[i].SpanContext, gl[i].DroppedAttributeCount,
				wl[i].SpanContext, wl[i].DroppedAttributeCount)
		}
		assertSameAttributes(t, "link", gl[i].Attributes, wl[i].Attributes)
	}
	if !got.Resource().Equal(want.Resource()) || got.Resource().SchemaURL() != want.Resource().SchemaURL() {
		t.Errorf("resource %v (%s), want %v (%s)", got.Resource(), got.Resource().SchemaURL(), want.Resource(), want.Resource().SchemaURL())
	}
	gs, ws := got.InstrumentationScope(), want.InstrumentationScope()
	if gs.Name != ws.Name || gs.Version != ws.Version || gs.SchemaURL != ws.SchemaURL || !gs.Attributes.Equals(&ws.Attributes) {
		t.Errorf("scope %+v, want %+v", gs, ws)
	}
}

func assertSameAttributes(t *testing.T, what string, got, want []attribute.KeyValue) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s attributes %v, want %v", what, got, want)
	}
}
