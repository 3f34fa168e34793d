// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/plugtrace/plugtrace/tracing"
)

// TestRelayCountsRejectedSpansAndStampsTheSender talks OTLP to the relay
// directly, so that the response, which SDK exporters only log, can be read.
func TestRelayCountsRejectedSpansAndStampsTheSender(t *testing.T) {
	var mu sync.Mutex
	var relayed []sdktrace.ReadOnlySpan
	r, err := newRelay(func(spans []sdktrace.ReadOnlySpan) {
		mu.Lock()
		defer mu.Unlock()
		relayed = append(relayed, spans...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.stop()
	token := r.token("weather")
	conn, err := grpc.NewClient(r.lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := collectortrace.NewTraceServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)

	posing := []*commonpb.KeyValue{{Key: "plugtrace.plugin.id", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "todos"}}}}
	span := func(name string, traceID, spanID []byte) *tracepb.Span {
		return &tracepb.Span{Name: name, TraceId: traceID, SpanId: spanID, Flags: 0x101, Attributes: posing}
	}
	tid, sid := []byte("0123456789abcdef"), []byte("01234567")
	resp, err := client.Export(ctx, &collectortrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: posing},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
			span("kept", tid, sid), span("short trace id", tid[:8], sid), span("zero span id", tid, make([]byte, 8)),
		}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if ps := resp.GetPartialSuccess(); ps.GetRejectedSpans() != 2 || ps.GetErrorMessage() == "" {
		t.Fatalf("partial success %v, want 2 rejected spans and a message", ps)
	}
	mu.Lock()
	got := relayed
	mu.Unlock()
	if len(got) != 1 || got[0].Name() != "kept" {
		t.Fatalf("relayed %d spans, want the one valid span", len(got))
	}
	attrs := got[0].Attributes()
	if len(attrs) != 1 || attrs[0] != tracing.PluginIDKey.String("weather") {
		t.Errorf("span attributes %v, want the sender's plugin id only", attrs)
	}
	if v, _ := got[0].Resource().Set().Value(tracing.PluginIDKey); v.AsString() != "weather" {
		t.Errorf("resource %v, want the sender's plugin id", got[0].Resource())
	}

	resp, err = client.Export(ctx, &collectortrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{span("valid", tid, sid)}}},
	}}})
	if err != nil || resp.GetPartialSuccess() != nil {
		t.Fatalf("all-valid export: %v, partial success %v; want none", err, resp.GetPartialSuccess())
	}
}
