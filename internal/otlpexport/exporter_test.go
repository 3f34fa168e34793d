// SPDX-License-Identifier: Apache-2.0

package otlpexport_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/plugtrace/plugtrace/internal/otlpexport"
	"github.com/plugtrace/plugtrace/internal/otlptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	resA = resource.NewWithAttributes("https://opentelemetry.io/schemas/1.40.0",
		attribute.String("service.name", "host"), attribute.Int("n", 7))
	resB = resource.NewSchemaless(attribute.String("service.name", "plugin"), attribute.String("plugtrace.plugin.id", "weather"))
)

func spanContext(r *rand.Rand, remote bool) trace.SpanContext {
	var tid trace.TraceID
	var sid trace.SpanID
	for i := range tid {
		tid[i] = byte(r.IntN(256))
	}
	for i := range sid {
		sid[i] = byte(r.IntN(256))
	}
	ts, _ := trace.ParseTraceState("vendor=value,other=x")
	flags := []trace.TraceFlags{trace.FlagsSampled, 0, 0xff}[r.IntN(3)]
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: flags, TraceState: ts, Remote: remote,
	})
}

// value is a random attribute value of any type the API has.
func value(r *rand.Rand, depth int) attribute.Value {
	switch r.IntN(13) {
	case 0:
		return attribute.BoolValue(r.IntN(2) == 0) // false is written too
	case 1:
		return attribute.Int64Value(r.Int64() - r.Int64())
	case 2:
		return attribute.Float64Value(r.NormFloat64())
	case 3:
		return attribute.StringValue(strings.Repeat("é", r.IntN(3)))
	case 4:
		return attribute.BoolSliceValue([]bool{true, false})
	case 5:
		return attribute.Int64SliceValue([]int64{0, -1, 1 << 40})
	case 6:
		return attribute.Float64SliceValue([]float64{0, 1.5})
	case 7:
		return attribute.StringSliceValue([]string{"", "a"})
	case 8:
		return attribute.ByteSliceValue([]byte{0, 1, 2})
	case 9:
		if depth > 0 {
			return attribute.SliceValue(value(r, depth-1), value(r, depth-1))
		}
	case 10:
		if depth > 0 {
			return attribute.MapValue(attribute.KeyValue{Key: "k", Value: value(r, depth-1)}, attribute.KeyValue{Key: "", Value: value(r, depth-1)})
		}
	case 11:
		return attribute.Value{} // EMPTY
	}
	if r.IntN(20) == 0 {
		return attribute.StringValue(strings.Repeat("long value ", r.IntN(2000))) // lengths of one to three bytes
	}
	return attribute.StringValue("v")
}

func attrs(r *rand.Rand, n int) []attribute.KeyValue {
	out := make([]attribute.KeyValue, n)
	for i := range out {
		out[i] = attribute.KeyValue{Key: attribute.Key(fmt.Sprintf("attr.%d", r.IntN(50))), Value: value(r, 2)}
	}
	return out
}

// fixture returns n spans with every field the SDK has, over two resources
// (and none), three scopes, every kind and status.
func fixture(n int) []sdktrace.ReadOnlySpan {
	r := rand.New(rand.NewPCG(1, 2))
	scopes := []instrumentation.Scope{
		{Name: "github.com/plugtrace/plugtrace/host", Version: "1.0.0", SchemaURL: "https://opentelemetry.io/schemas/1.40.0"},
		{Name: "plugtrace-plugin-weather", Attributes: attribute.NewSet(attribute.String("scope.attr", "x"))},
		{},
	}
	resources := []*resource.Resource{resA, resB, nil}
	start := time.Unix(1_700_000_000, 123)
	spans := make([]sdktrace.ReadOnlySpan, 0, n)
	for i := range n {
		stub := tracetest.SpanStub{
			Name:                 fmt.Sprintf("span %d", i),
			SpanContext:          spanContext(r, false),
			SpanKind:             trace.SpanKind(i % 7), // 6 is out of range
			StartTime:            start.Add(time.Duration(i) * time.Millisecond),
			EndTime:              start.Add(time.Duration(i+1) * time.Millisecond),
			Attributes:           attrs(r, r.IntN(20)),
			DroppedAttributes:    r.IntN(2) * 3,
			DroppedEvents:        r.IntN(2),
			DroppedLinks:         r.IntN(2) * 2,
			Resource:             resources[i%len(resources)],
			InstrumentationScope: scopes[(i/3)%len(scopes)],
		}
		if i%4 != 0 {
			stub.Parent = spanContext(r, i%2 == 0)
		}
		if i%9 == 0 {
			stub.Name = ""
			stub.StartTime = time.Unix(-1, 0)                                       // before 1970: written as 0
			stub.DroppedAttributes = int(min(int64(math.MaxInt), math.MaxUint32+7)) // clamped to uint32 where int is wider
		}
		switch i % 3 {
		case 1:
			stub.Status = sdktrace.Status{Code: codes.Error, Description: "boom"}
		case 2:
			stub.Status = sdktrace.Status{Code: codes.Ok}
		}
		for e := range r.IntN(3) {
			stub.Events = append(stub.Events, sdktrace.Event{
				Name: fmt.Sprintf("event %d", e), Time: start, Attributes: attrs(r, r.IntN(4)), DroppedAttributeCount: e,
			})
		}
		for l := range r.IntN(3) {
			stub.Links = append(stub.Links, sdktrace.Link{
				SpanContext: spanContext(r, l == 1), Attributes: attrs(r, r.IntN(3)), DroppedAttributeCount: l,
			})
		}
		spans = append(spans, stub.Snapshot())
	}
	return spans
}

// sorted returns rss ordered by resource, as the SDK's exporter orders its
// resources at random.
func sorted(rss []*tracepb.ResourceSpans) []*tracepb.ResourceSpans {
	out := append([]*tracepb.ResourceSpans(nil), rss...)
	sort.SliceStable(out, func(i, j int) bool {
		return prototext.Format(out[i].GetResource()) < prototext.Format(out[j].GetResource())
	})
	return out
}

func requireSame(t *testing.T, got, want []*tracepb.ResourceSpans) {
	t.Helper()
	g := &collectortrace.ExportTraceServiceRequest{ResourceSpans: sorted(got)}
	w := &collectortrace.ExportTraceServiceRequest{ResourceSpans: sorted(want)}
	if !proto.Equal(g, w) {
		gt, wt := prototext.Format(g), prototext.Format(w)
		gl, wl := strings.Split(gt, "\n"), strings.Split(wt, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("the request differs from the SDK exporter's at line %d:\ngot:  %s\nwant: %s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("the request differs from the SDK exporter's: %d lines, want %d", len(gl), len(wl))
	}
}

func grpcOpts(rec *otlptest.Receiver) []otlptracegrpc.Option {
	return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(rec.Endpoint()), otlptracegrpc.WithInsecure()}
}

// newExporter returns an exporter to rec over gRPC.
func newExporter(t *testing.T, rec *otlptest.Receiver) *otlpexport.Exporter {
	t.Helper()
	exp, err := otlpexport.New(context.Background(), otlptracegrpc.NewClient(grpcOpts(rec)...))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// exportBoth sends spans through the SDK's exporter to one receiver and
// through ours to another, and returns what each received.
func exportBoth(t *testing.T, spans []sdktrace.ReadOnlySpan) (ours, sdks []*tracepb.ResourceSpans) {
	t.Helper()
	ctx := context.Background()
	recOurs, recSDK := otlptest.NewReceiver(t), otlptest.NewReceiver(t)
	stock, err := otlptracegrpc.New(ctx, grpcOpts(recSDK)...)
	if err != nil {
		t.Fatal(err)
	}
	defer stock.Shutdown(ctx)
	exp := newExporter(t, recOurs)
	defer exp.Shutdown(ctx)
	if err := stock.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	return recOurs.ResourceSpans(), recSDK.ResourceSpans()
}

// What reaches a receiver is what the SDK's exporter sends, field for field:
// every attribute type, nested values, events, links, flags, kinds,
// statuses, scopes and resources, and messages whose lengths take one to
// three bytes.
func TestSameRequestAsTheSDKExporter(t *testing.T) {
	for _, n := range []int{1, 3, 40, 600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ours, sdks := exportBoth(t, fixture(n))
			if len(ours) == 0 {
				t.Fatal("nothing received")
			}
			requireSame(t, ours, sdks)
		})
	}
}

func TestNothingToExport(t *testing.T) {
	ctx := context.Background()
	rec := otlptest.NewReceiver(t)
	exp := newExporter(t, rec)
	defer exp.Shutdown(ctx)
	if err := exp.ExportSpans(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(ctx, []sdktrace.ReadOnlySpan{nil}); err != nil {
		t.Fatal(err)
	}
	if n := rec.Requests(); n != 0 {
		t.Fatalf("%d requests for no spans, want none", n)
	}
}

// The same bytes go through the SDK's HTTP client, to a real OTLP/HTTP
// endpoint, as protobuf whatever the options say.
func TestHTTPClient(t *testing.T) {
	var mu sync.Mutex
	var got []*tracepb.ResourceSpans
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, fmt.Sprintf("bad request %s %v", r.URL.Path, err), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, req.GetResourceSpans()...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	ctx := context.Background()
	// Asked for JSON, NewHTTP's client still sends protobuf (the server
	// refuses anything else).
	exp, err := otlpexport.NewHTTP(ctx, otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"),
		otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
	if err != nil {
		t.Fatal(err)
	}
	spans := fixture(50)
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	_, sdks := exportBoth(t, spans)
	mu.Lock()
	defer mu.Unlock()
	requireSame(t, got, sdks)
}

// A refused export is the client's error, worded as the SDK's exporter
// words it; an export after Shutdown fails.
func TestErrorsAndShutdown(t *testing.T) {
	ctx := context.Background()
	rec := otlptest.NewReceiver(t)
	exp := newExporter(t, rec)
	rec.Refuse(grpccodes.InvalidArgument) // not retried
	err := exp.ExportSpans(ctx, fixture(2))
	if err == nil || !strings.HasPrefix(err.Error(), "traces export: ") || !strings.Contains(err.Error(), "refused by test") {
		t.Fatalf("err = %v, want the client's error after \"traces export: \"", err)
	}
	rec.Refuse(grpccodes.OK)
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := exp.ExportSpans(ctx, fixture(2)); err == nil || !strings.Contains(err.Error(), "shut down") {
		t.Fatalf("export after Shutdown: err = %v, want one saying the exporter is shut down", err)
	}
}

// Exports from many goroutines at once each arrive whole: the buffers they
// encode into are not shared.
func TestConcurrentExports(t *testing.T) {
	ctx := context.Background()
	rec := otlptest.NewReceiver(t)
	exp := newExporter(t, rec)
	defer exp.Shutdown(ctx)
	spans := fixture(30)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if err := exp.ExportSpans(ctx, spans); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	_, sdks := exportBoth(t, spans)
	want := sorted(sdks)
	got := rec.ResourceSpans()
	if len(got) != 40*len(want) {
		t.Fatalf("received %d resource spans, want %d", len(got), 40*len(want))
	}
	for i := 0; i < len(got); i += len(want) {
		requireSame(t, got[i:i+len(want)], want)
	}
}

// NewFromEnv picks the protocol as autoexport does, and its client reads
// the endpoint from the environment.
func TestNewFromEnv(t *testing.T) {
	ctx := context.Background()
	t.Run("grpc", func(t *testing.T) {
		rec := otlptest.NewReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf") // the traces variable wins
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+rec.Endpoint())
		exp, err := otlpexport.NewFromEnv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := exp.ExportSpans(ctx, fixture(3)); err != nil {
			t.Fatal(err)
		}
		if err := exp.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if n := rec.SpanCount(); n != 3 {
			t.Fatalf("the receiver has %d spans, want 3", n)
		}
	})
	t.Run("http/protobuf by default", func(t *testing.T) {
		paths := make(chan string, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			paths <- r.Method + " " + r.URL.Path
			w.Header().Set("Content-Type", "application/x-protobuf")
		}))
		defer srv.Close()
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "")
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
		exp, err := otlpexport.NewFromEnv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := exp.ExportSpans(ctx, fixture(1)); err != nil {
			t.Fatal(err)
		}
		if err := exp.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if got := <-paths; got != "POST /v1/traces" {
			t.Fatalf("the exporter sent %s, want POST /v1/traces", got)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")
		_, err := otlpexport.NewFromEnv(ctx)
		if err == nil || !strings.Contains(err.Error(), `"http/json"`) || !strings.Contains(err.Error(), "grpc or http/protobuf") {
			t.Fatalf("err = %v, want one naming the value and the choices", err)
		}
	})
}

// Shutdown ends within its deadline while an export retries against a
// collector that keeps refusing, and ends that export too.
func TestShutdownEndsARetryingExport(t *testing.T) {
	rec := otlptest.NewReceiver(t)
	rec.Refuse(grpccodes.Unavailable) // retried, for up to a minute
	exp := newExporter(t, rec)
	exported := make(chan error, 1)
	go func() { exported <- exp.ExportSpans(context.Background(), fixture(2)) }()
	for deadline := time.Now().Add(10 * time.Second); rec.Requests() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the export never reached the receiver")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- exp.Shutdown(ctx) }()
	for _, c := range []struct {
		what string
		ch   chan error
	}{{"Shutdown", stopped}, {"the export", exported}} {
		select {
		case err := <-c.ch:
			if err == nil {
				t.Errorf("%s returned no error, want the deadline's or the refusal's", c.what)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not return after Shutdown's deadline", c.what)
		}
	}
}

// recordingClient keeps, marshalled, the messages an exporter hands its
// client: the bytes each exporter would send.
type recordingClient struct{ got [][]byte }

var _ otlptrace.Client = (*recordingClient)(nil)

func (*recordingClient) Start(context.Context) error { return nil }
func (*recordingClient) Stop(context.Context) error  { return nil }

func (c *recordingClient) UploadTraces(_ context.Context, rss []*tracepb.ResourceSpans) error {
	for _, rs := range rss {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rs)
		if err != nil {
			return err
		}
		c.got = append(c.got, b)
	}
	return nil
}

// The bytes are the SDK exporter's, byte for byte, resource by resource:
// no field written twice, none in another form.
func TestSameBytesAsTheSDKExporter(t *testing.T) {
	ctx := context.Background()
	var ours, sdks recordingClient
	exp, err := otlpexport.New(ctx, &ours)
	if err != nil {
		t.Fatal(err)
	}
	stock, err := otlptrace.New(ctx, &sdks)
	if err != nil {
		t.Fatal(err)
	}
	spans := fixture(300)
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := stock.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	for _, got := range [][][]byte{ours.got, sdks.got} {
		sort.Slice(got, func(i, j int) bool { return bytes.Compare(got[i], got[j]) < 0 })
	}
	if len(ours.got) != len(sdks.got) || len(ours.got) != 3 {
		t.Fatalf("%d resource groups, the SDK exporter %d, want 3", len(ours.got), len(sdks.got))
	}
	for i := range ours.got {
		if !bytes.Equal(ours.got[i], sdks.got[i]) {
			t.Fatalf("resource group %d: %d bytes differ from the SDK exporter's %d", i, len(ours.got[i]), len(sdks.got[i]))
		}
	}
}

// A string that is not UTF-8 reaches the receiver with U+FFFD for its
// invalid bytes, and the rest of the batch with it.
func TestInvalidUTF8IsReplaced(t *testing.T) {
	ctx := context.Background()
	rec := otlptest.NewReceiver(t)
	exp := newExporter(t, rec)
	defer exp.Shutdown(ctx)
	bad := tracetest.SpanStub{
		Name:        "bad\xff",
		SpanContext: spanContext(rand.New(rand.NewPCG(3, 4)), false),
		Attributes:  []attribute.KeyValue{attribute.String("k\xc3", "v\xc3")},
		Resource:    resA,
	}.Snapshot()
	if err := exp.ExportSpans(ctx, append(fixture(5), bad)); err != nil {
		t.Fatal(err)
	}
	spans := rec.Spans()
	if len(spans) != 6 {
		t.Fatalf("%d spans arrived, want 6", len(spans))
	}
	got := otlptest.ByName(spans, "bad\uFFFD")
	if len(got) != 1 || got[0].Attributes["k\uFFFD"] != "v\uFFFD" {
		t.Fatalf("the span arrived as %v", otlptest.Names(spans))
	}
}
