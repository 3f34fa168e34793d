package telemetry

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/tracing"
)

// Plugin is an external plugin's telemetry, built from its hand-off.
type Plugin struct {
	tp   trace.TracerProvider
	sdk  *sdktrace.TracerProvider // nil when tracing is off
	prop propagation.TextMapPropagator
}

// NewPlugin builds a plugin's tracer provider from its hand-off: an OTLP
// exporter to the hand-off's endpoint, its sampler and propagators, and a
// resource whose service.name is the plugin id unless the hand-off names
// another, with the runtime's attributes and extra. When tracing is off, the
// tracer provider is a no-op one, and the propagator still carries trace
// context through the plugin.
func NewPlugin(ctx context.Context, h Handoff, extra ...attribute.KeyValue) (*Plugin, error) {
	names := h.Propagators
	if len(names) == 0 {
		names = []string{"tracecontext", "baggage"}
	}
	prop, err := NewPropagator(names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvPropagators, err)
	}
	p := &Plugin{prop: prop, tp: noop.NewTracerProvider()}
	if !h.Enabled {
		return p, nil
	}

	ratio := 1.0
	if h.SamplerArg != "" {
		r, err := strconv.ParseFloat(h.SamplerArg, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("%s: %q is not a ratio in [0, 1]", EnvSamplerArg, h.SamplerArg)
		}
		ratio = r
	}
	sampler, err := newSampler(config.Sampler{Type: h.Sampler, Ratio: ratio})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSampler, err)
	}
	exp, err := newHandoffExporter(ctx, h)
	if err != nil {
		return nil, err
	}
	if !h.CaptureEndUser {
		exp = endUserFilter{exp}
	}
	serviceName := h.ServiceName
	if serviceName == "" {
		serviceName = h.PluginID
	}
	kvs := []attribute.KeyValue{
		semconv.ProcessRuntimeName("go"),
		semconv.ProcessRuntimeVersion(runtime.Version()),
		semconv.ProcessPID(os.Getpid()),
		semconv.TelemetrySDKName("opentelemetry"),
		semconv.TelemetrySDKLanguageGo,
		semconv.TelemetrySDKVersion(sdkVersion()),
	}
	for k, v := range h.Resource {
		kvs = append(kvs, attribute.String(k, v))
	}
	kvs = append(kvs, extra...)
	kvs = append(kvs, semconv.ServiceName(serviceName), tracing.PluginIDKey.String(h.PluginID))
	p.sdk = sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sampler),
		sdktrace.WithResource(resource.NewSchemaless(kvs...)),
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)),
	)
	p.tp = p.sdk
	return p, nil
}

func newHandoffExporter(ctx context.Context, h Handoff) (sdktrace.SpanExporter, error) {
	if h.Endpoint == "" {
		return nil, fmt.Errorf("%s is not set", EnvOTLPEndpoint)
	}
	switch h.Protocol {
	case "grpc", "":
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(h.Endpoint)}
		if len(h.Headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(h.Headers))
		}
		return otlptracegrpc.New(ctx, opts...)
	case "http/protobuf":
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(h.Endpoint)}
		if len(h.Headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(h.Headers))
		}
		return otlptracehttp.New(ctx, opts...)
	}
	return nil, fmt.Errorf("%s: %q is not grpc or http/protobuf", EnvOTLPProtocol, h.Protocol)
}

// TracerProvider returns the plugin's tracer provider (a no-op one when
// tracing is off).
func (p *Plugin) TracerProvider() trace.TracerProvider { return p.tp }

// Propagator returns the plugin's propagator.
func (p *Plugin) Propagator() propagation.TextMapPropagator { return p.prop }

// ForceFlush exports every span the plugin holds.
func (p *Plugin) ForceFlush(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	return p.sdk.ForceFlush(ctx)
}

// Shutdown flushes and stops the exporter.
func (p *Plugin) Shutdown(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	return p.sdk.Shutdown(ctx)
}
