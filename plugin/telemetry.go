// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/plugtrace/plugtrace/internal/enduser"
	"github.com/plugtrace/plugtrace/internal/handoff"
	"github.com/plugtrace/plugtrace/internal/otlpexport"
	"github.com/plugtrace/plugtrace/internal/spanqueue"
	"github.com/plugtrace/plugtrace/tracing"
)

// telemetry is the plugin's OpenTelemetry SDK. The SDK and contrib read the
// hand-off's standard variables themselves: the exporter and its endpoint,
// protocol and headers (autoexport, OTEL_EXPORTER_OTLP_TRACES_*), the sampler
// (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), the propagators (autoprop,
// OTEL_PROPAGATORS) and the resource (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES). Only the PLUGTRACE_* variables are read here.
type telemetry struct {
	tp     trace.TracerProvider
	sdk    *sdktrace.TracerProvider // nil when tracing is off
	prop   propagation.TextMapPropagator
	fields []string // the headers prop sets, canonical
}

// queueSettings are those of the plugin's export queue: the SDK batch
// span processor's defaults, but a shorter delay than its 5s: a plugin's
// spans should reach the host's viewer about when the host's own do.
var queueSettings = spanqueue.Settings{
	Size: 2048, BatchSize: 512, Interval: time.Second,
	ExportTimeout: 30 * time.Second, ReportEvery: 10 * time.Second,
}

// newTelemetry sets up the SDK for the plugin ho names; logger reports
// failed exports and dropped spans. When tracing is off,
// the tracer provider is a no-op one and the propagator still carries trace
// context through the plugin. extra attributes go on the resource, below
// what the host's hand-off says.
func newTelemetry(ctx context.Context, ho handoff.Plugin, logger *slog.Logger, extra ...attribute.KeyValue) (*telemetry, error) {
	t := &telemetry{prop: autoprop.NewTextMapPropagator(), tp: noop.NewTracerProvider()}
	for _, f := range t.prop.Fields() {
		t.fields = append(t.fields, http.CanonicalHeaderKey(f))
	}
	if !ho.Enabled {
		return t, nil
	}
	exp, err := newSpanExporter(ctx)
	if err != nil {
		return nil, fmt.Errorf("span exporter (OTEL_TRACES_EXPORTER, %s, %s): %w", handoff.EnvOTLPProtocol, handoff.EnvOTLPEndpoint, err)
	}
	if !ho.CaptureEndUser {
		exp = enduser.Filter(exp)
	}
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessPID(),
		resource.WithAttributes(semconv.ServiceName(ho.ID)),
		resource.WithAttributes(extra...),
		resource.WithFromEnv(), // the host's hand-off wins over the plugin's defaults
		resource.WithAttributes(tracing.PluginIDKey.String(ho.ID)),
	)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("resource (%s, %s): %w", handoff.EnvServiceName, handoff.EnvResource, err)
	}
	t.sdk = sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSpanProcessor(spanqueue.New("otlp", exp, queueSettings, logger)),
	)
	t.tp = t.sdk
	return t, nil
}

// newSpanExporter is autoexport's exporter for OTEL_TRACES_EXPORTER, with
// plugtrace's OTLP encoder for otlp, autoexport's default and what the
// host hands a traced plugin (see internal/otlpexport for why).
func newSpanExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	switch os.Getenv(handoff.EnvExporter) {
	case "", "otlp":
		return otlpexport.NewFromEnv(ctx)
	}
	return autoexport.NewSpanExporter(ctx)
}

// ForceFlush exports every span the plugin holds.
func (t *telemetry) ForceFlush(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.ForceFlush(ctx)
}

// Shutdown flushes and stops the exporter.
func (t *telemetry) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}
