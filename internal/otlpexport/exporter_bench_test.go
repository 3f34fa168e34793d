// SPDX-License-Identifier: Apache-2.0

package otlpexport_test

import (
	"context"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"

	"github.com/plugtrace/plugtrace/internal/benchpair"
	"github.com/plugtrace/plugtrace/internal/otlpexport"
)

// serverSpans returns n spans like the host's server spans: 14 attributes
// and a status, one resource, one scope.
func serverSpans(n int) []sdktrace.ReadOnlySpan {
	scope := instrumentation.Scope{Name: "github.com/plugtrace/plugtrace/host", Version: "0.1.0"}
	start := time.Now()
	spans := make([]sdktrace.ReadOnlySpan, n)
	for i := range spans {
		spans[i] = tracetest.SpanStub{
			Name:        "GET /api/todos/",
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, byte(i)}, SpanID: trace.SpanID{2, byte(i)}, TraceFlags: trace.FlagsSampled}),
			SpanKind:    trace.SpanKindServer,
			StartTime:   start,
			EndTime:     start.Add(time.Millisecond),
			Attributes: []attribute.KeyValue{
				attribute.String("server.address", "127.0.0.1"), attribute.String("http.request.method", "GET"),
				attribute.String("url.scheme", "http"), attribute.Int("server.port", 8080),
				attribute.String("network.peer.address", "127.0.0.1"), attribute.Int("network.peer.port", 51234),
				attribute.String("user_agent.original", "Go-http-client/1.1"), attribute.String("client.address", "127.0.0.1"),
				attribute.String("url.path", "/api/todos/"), attribute.String("network.protocol.version", "1.1"),
				attribute.String("http.route", "/api/todos/"), attribute.Int("http.response.body.size", 120),
				attribute.Int("http.response.status_code", 200), attribute.String("plugtrace.plugin.id", "todos"),
			},
			Status:               sdktrace.Status{Code: codes.Unset},
			Resource:             resA,
			InstrumentationScope: scope,
		}.Snapshot()
	}
	return spans
}

// rawCodec takes a message as bytes, undecoded.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// rawReceiver serves the OTLP trace service's Export without decoding the
// requests, and answers an empty response: a receiver that costs the
// benchmark's process next to nothing, so that ns/op is the exporter's.
func rawReceiver(b *testing.B) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodecV2(rawCodec{}))
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "opentelemetry.proto.collector.trace.v1.TraceService",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Export", Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var in []byte
			if err := dec(&in); err != nil {
				return nil, err
			}
			out := []byte{}
			return &out, nil
		}}},
	}, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// BenchmarkExportVersusSDK exports a batch of 512 server spans over
// OTLP/gRPC to a receiver that does not decode them, through this
// package's exporter and through the SDK's, in alternating rounds; ns/op
// is per batch.
func BenchmarkExportVersusSDK(b *testing.B) {
	ctx := context.Background()
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(rawReceiver(b)), otlptracegrpc.WithInsecure()}
	ours, err := otlpexport.New(ctx, otlptracegrpc.NewClient(opts...))
	if err != nil {
		b.Fatal(err)
	}
	defer ours.Shutdown(ctx)
	stock, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer stock.Shutdown(ctx)
	spans := serverSpans(512)
	export := func(e sdktrace.SpanExporter) func() {
		return func() {
			if err := e.ExportSpans(ctx, spans); err != nil {
				b.Fatal(err)
			}
		}
	}
	benchpair.Compare(b, export(ours), export(stock))
}

// BenchmarkExport is each exporter's cost and allocations per batch of 512
// spans, to the receiver of BenchmarkExportVersusSDK.
func BenchmarkExport(b *testing.B) {
	ctx := context.Background()
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(rawReceiver(b)), otlptracegrpc.WithInsecure()}
	for _, bc := range []struct {
		name string
		new  func() (sdktrace.SpanExporter, error)
	}{
		{"ours", func() (sdktrace.SpanExporter, error) { return otlpexport.New(ctx, otlptracegrpc.NewClient(opts...)) }},
		{"sdk", func() (sdktrace.SpanExporter, error) { return otlptracegrpc.New(ctx, opts...) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			exp, err := bc.new()
			if err != nil {
				b.Fatal(err)
			}
			defer exp.Shutdown(ctx)
			spans := serverSpans(512)
			b.ReportAllocs()
			for b.Loop() {
				if err := exp.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sinkClient is an OTLP client that sends nothing: BenchmarkEncode
// measures the encoder alone.
type sinkClient struct{}

func (sinkClient) Start(context.Context) error                                  { return nil }
func (sinkClient) Stop(context.Context) error                                   { return nil }
func (sinkClient) UploadTraces(context.Context, []*tracepb.ResourceSpans) error { return nil }

// BenchmarkEncode is the encoder's cost per batch of 512 server spans,
// without a transport.
func BenchmarkEncode(b *testing.B) {
	exp, err := otlpexport.New(context.Background(), sinkClient{})
	if err != nil {
		b.Fatal(err)
	}
	spans := serverSpans(512)
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.ExportSpans(context.Background(), spans); err != nil {
			b.Fatal(err)
		}
	}
}
