// SPDX-License-Identifier: Apache-2.0

package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/enduser"
	"github.com/plugtrace/plugtrace/internal/spanqueue"
)

// Host is the host's telemetry: a tracer provider whose spans go to the
// configured exporters, and the configured propagator.
type Host struct {
	tp     *sdktrace.TracerProvider
	prop   propagation.TextMapPropagator
	queues []*spanqueue.Queue
	res    *resource.Resource
	// deployment is what the host's resource says about the deployment,
	// for its external plugins to share.
	deployment map[string]string
}

// HostOption configures [NewHost].
type HostOption interface {
	apply(hostConfig) hostConfig
}

type hostConfig struct {
	embedded sdktrace.SpanExporter
	console  io.Writer
	logger   *slog.Logger
	queue    spanqueue.Settings
}

type hostOptionFunc func(hostConfig) hostConfig

func (f hostOptionFunc) apply(c hostConfig) hostConfig { return f(c) }

// WithEmbeddedExporter sets the exporter behind the "embedded" exporter name:
// the host's embedded span store. Without it, a config that names
// "embedded" is an error.
func WithEmbeddedExporter(e sdktrace.SpanExporter) HostOption {
	return hostOptionFunc(func(c hostConfig) hostConfig {
		c.embedded = e
		return c
	})
}

// WithConsoleWriter sets where the "console" exporter writes. Default
// os.Stdout.
func WithConsoleWriter(w io.Writer) HostOption {
	return hostOptionFunc(func(c hostConfig) hostConfig {
		c.console = w
		return c
	})
}

// WithLogger sets the logger for export failures and dropped spans. Default
// slog.Default().
func WithLogger(l *slog.Logger) HostOption {
	return hostOptionFunc(func(c hostConfig) hostConfig {
		c.logger = l
		return c
	})
}

// WithQueue sets the export queue of every exporter: size spans at most
// (default 4096), exported in batches of up to batchSize (default 512) at
// least every interval (default 500ms). Dropped spans are reported at most
// once per reportEvery (default 10s).
func WithQueue(size, batchSize int, interval, reportEvery time.Duration) HostOption {
	return hostOptionFunc(func(c hostConfig) hostConfig {
		c.queue.Size, c.queue.BatchSize = size, batchSize
		c.queue.Interval, c.queue.ReportEvery = interval, reportEvery
		return c
	})
}

// NewHost builds the host's telemetry from cfg, which should come from
// config.Load or have passed Config.Validate. Its exporters do not connect
// at start-up.
func NewHost(ctx context.Context, cfg config.Tracing, opts ...HostOption) (*Host, error) {
	hc := hostConfig{
		console: os.Stdout,
		logger:  slog.Default(),
		queue: spanqueue.Settings{
			Size: 4096, BatchSize: 512, Interval: 500 * time.Millisecond,
			ExportTimeout: 10 * time.Second, ReportEvery: 10 * time.Second,
		},
	}
	for _, o := range opts {
		hc = o.apply(hc)
	}
	if hc.queue.Size <= 0 || hc.queue.BatchSize <= 0 || hc.queue.Interval <= 0 || hc.queue.ReportEvery <= 0 {
		return nil, fmt.Errorf("telemetry: WithQueue(%d, %d, %v, %v): every value must be positive",
			hc.queue.Size, hc.queue.BatchSize, hc.queue.Interval, hc.queue.ReportEvery)
	}

	prop, err := newPropagator(cfg.Propagators)
	if err != nil {
		return nil, err
	}
	res, deployment, err := newResource(ctx, cfg.Resource)
	if err != nil {
		return nil, err
	}
	h := &Host{prop: prop, res: res, deployment: deployment}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	// Without a configured sampler, the SDK's: OTEL_TRACES_SAMPLER and
	// OTEL_TRACES_SAMPLER_ARG, or parentbased_always_on.
	if cfg.Sampler.Type != "" {
		sampler, err := newSampler(cfg.Sampler)
		if err != nil {
			return nil, err
		}
		tpOpts = append(tpOpts, sdktrace.WithSampler(sampler))
	}
	for _, name := range cfg.Exporters {
		exp, err := newExporter(ctx, name, cfg, hc)
		if err != nil {
			_ = h.shutdownQueues(ctx)
			return nil, err
		}
		if exp == nil {
			continue
		}
		if !cfg.Capture.EndUser {
			exp = enduser.Filter(exp)
		}
		q := spanqueue.New(name, exp, hc.queue, hc.logger)
		h.queues = append(h.queues, q)
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(q))
	}
	h.tp = sdktrace.NewTracerProvider(tpOpts...)
	return h, nil
}

func newExporter(ctx context.Context, name string, cfg config.Tracing, hc hostConfig) (sdktrace.SpanExporter, error) {
	switch name {
	case config.ExporterNone:
		return nil, nil
	case config.ExporterConsole:
		return newConsoleExporter(hc.console), nil
	case config.ExporterOTLP:
		return newOTLPExporter(ctx, cfg.OTLP)
	case config.ExporterEmbedded:
		if hc.embedded == nil {
			return nil, errors.New("backend.tracing.exporter: embedded: this host has no embedded span store; choose otlp, console or none")
		}
		return hc.embedded, nil
	}
	return nil, fmt.Errorf("backend.tracing.exporter: unknown exporter %q (known: embedded, otlp, console, none)", name)
}

// serviceIdentity lists the resource attributes that name the host's own
// service; its plugins are other services.
var serviceIdentity = []attribute.Key{semconv.ServiceNameKey, semconv.ServiceVersionKey, semconv.ServiceInstanceIDKey, semconv.ServiceNamespaceKey}

// newResource describes the host: the configured attributes, over
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the SDK reads them), over
// service.name "plugtrace" and the process and SDK attributes. deployment
// is the first two without the service identity: what the host's plugins
// share.
func newResource(ctx context.Context, attrs map[string]string) (res *resource.Resource, deployment map[string]string, err error) {
	kvs := make([]attribute.KeyValue, 0, len(attrs))
	for k, v := range attrs {
		kvs = append(kvs, attribute.String(k, v))
	}
	configured, err := resource.New(ctx, resource.WithFromEnv(), resource.WithAttributes(kvs...))
	if err != nil {
		return nil, nil, err
	}
	base, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessPID(),
		resource.WithAttributes(semconv.ServiceName("plugtrace")),
	)
	if err != nil {
		return nil, nil, err
	}
	if res, err = resource.Merge(base, configured); err != nil { // configured wins
		return nil, nil, err
	}
	deployment = map[string]string{}
	for _, kv := range configured.Attributes() {
		if !slices.Contains(serviceIdentity, kv.Key) {
			deployment[string(kv.Key)] = kv.Value.String()
		}
	}
	return res, deployment, nil
}

// DeploymentAttributes returns the attributes of the host's resource that
// describe its deployment (environment, region, …): the configured ones and
// OTEL_RESOURCE_ATTRIBUTES, without the host's service.name, service.version,
// service.namespace and service.instance.id. External plugins share them.
func (h *Host) DeploymentAttributes() map[string]string { return maps.Clone(h.deployment) }

// TracerProvider returns the host's tracer provider.
func (h *Host) TracerProvider() *sdktrace.TracerProvider { return h.tp }

// Propagator returns the configured propagator.
func (h *Host) Propagator() propagation.TextMapPropagator { return h.prop }

// Resource returns the host's resource.
func (h *Host) Resource() *resource.Resource { return h.res }

// Relay hands spans that ended in another process (an external plugin's) to
// the host's exporters, through the same bounded queues as the host's own.
func (h *Host) Relay(spans []sdktrace.ReadOnlySpan) {
	for _, q := range h.queues {
		q.Enqueue(spans)
	}
}

// Dropped returns how many spans the export queues have dropped since start,
// summed over exporters.
func (h *Host) Dropped() uint64 {
	var n uint64
	for _, q := range h.queues {
		n += q.Dropped()
	}
	return n
}

// ForceFlush exports every queued span, within ctx's deadline.
func (h *Host) ForceFlush(ctx context.Context) error { return h.tp.ForceFlush(ctx) }

// Shutdown flushes queued spans and shuts the exporters down, within ctx's
// deadline. Spans that end later are not exported. Every queue is stopped,
// even when the deadline passes while an earlier one is flushing.
func (h *Host) Shutdown(ctx context.Context) error {
	return errors.Join(h.tp.Shutdown(ctx), h.shutdownQueues(ctx))
}

func (h *Host) shutdownQueues(ctx context.Context) error {
	var err error
	for _, q := range h.queues {
		err = errors.Join(err, q.Shutdown(ctx))
	}
	return err
}
