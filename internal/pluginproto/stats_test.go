// SPDX-License-Identifier: Apache-2.0

package pluginproto_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
	nooptrace "go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// seen is a plugin that reports the span context each call ran in.
type seen struct {
	pluginv2.UnimplementedPluginServer
	got chan trace.SpanContext
}

func (s *seen) CallResource(stream pluginv2.Plugin_CallResourceServer) error {
	s.got <- trace.SpanContextFromContext(stream.Context())
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
	}
	return stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Head{Head: &pluginv2.ResponseHead{Status: 204, End: true}}})
}

// connect serves seen with the server stats handler and returns a client
// with the client stats handler, both untraced.
func connect(t *testing.T) (pluginv2.PluginClient, *seen) {
	t.Helper()
	prop := propagation.TraceContext{}
	tp := nooptrace.NewTracerProvider()
	s := &seen{got: make(chan trace.SpanContext, 1)}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.StatsHandler(pluginproto.ServerStats(tp, prop, false)))
	pluginv2.RegisterPluginServer(gs, s)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(pluginproto.ClientStats(tp, prop, false)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pluginv2.NewPluginClient(conn), s
}

func call(t *testing.T, ctx context.Context, c pluginv2.PluginClient) {
	t.Helper()
	stream, err := c.CallResource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Head{Head: &pluginv2.RequestHead{Method: "GET", Path: "/", End: true}}}); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	for {
		if _, err := stream.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return
		}
	}
}

var caller = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID: [16]byte{1, 2, 3}, SpanID: [8]byte{4, 5, 6}, TraceFlags: trace.FlagsSampled, Remote: true,
})

// TestUntracedCallsCarryTheTraceContext checks that without spans to
// record, a call still carries its trace context from the host to the
// plugin.
func TestUntracedCallsCarryTheTraceContext(t *testing.T) {
	c, s := connect(t)
	call(t, trace.ContextWithRemoteSpanContext(context.Background(), caller), c)
	got := <-s.got
	if got.TraceID() != caller.TraceID() || got.SpanID() != caller.SpanID() || !got.IsSampled() || !got.IsRemote() {
		t.Fatalf("the plugin's call ran in %v, want the caller's %v, remote", got, caller)
	}
}

// TestUntracedCallsRecordMetrics checks that otelgrpc still records its
// metrics, without spans, when a meter provider records them.
func TestUntracedCallsRecordMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	defer otel.SetMeterProvider(noop.NewMeterProvider())
	c, s := connect(t)
	call(t, trace.ContextWithRemoteSpanContext(context.Background(), caller), c)
	if got := <-s.got; got.TraceID() != caller.TraceID() {
		t.Fatalf("the plugin's call ran in trace %v, want %v", got.TraceID(), caller.TraceID())
	}
	names := map[string]bool{}
	// The server records its side once it has answered, maybe after the
	// client has its answer.
	await.True(t, 5*time.Second, func() bool {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				names[m.Name] = true
			}
		}
		return names["rpc.client.call.duration"] && names["rpc.server.call.duration"]
	}, "metrics %v, want otelgrpc's call durations of both sides", await.Value(&names))
}
