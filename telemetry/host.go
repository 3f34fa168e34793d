package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/enduser"
)

// Host is the host's telemetry: a tracer provider whose spans go to the
// configured exporters, and the configured propagator.
type Host struct {
	tp     *sdktrace.TracerProvider
	prop   propagation.TextMapPropagator
	queues []*exportQueue
	res    *resource.Resource
}

// HostOption configures [NewHost].
type HostOption interface {
	apply(hostConfig) hostConfig
}

type hostConfig struct {
	embedded sdktrace.SpanExporter
	console  io.Writer
	logger   *slog.Logger
	queue    queueSettings
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
		c.queue.size, c.queue.batchSize = size, batchSize
		c.queue.interval, c.queue.reportEvery = interval, reportEvery
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
		queue: queueSettings{
			size: 4096, batchSize: 512, interval: 500 * time.Millisecond,
			exportTimeout: 10 * time.Second, reportEvery: 10 * time.Second,
		},
	}
	for _, o := range opts {
		hc = o.apply(hc)
	}
	if hc.queue.size <= 0 || hc.queue.batchSize <= 0 || hc.queue.interval <= 0 || hc.queue.reportEvery <= 0 {
		return nil, fmt.Errorf("telemetry: WithQueue(%d, %d, %v, %v): every value must be positive",
			hc.queue.size, hc.queue.batchSize, hc.queue.interval, hc.queue.reportEvery)
	}

	sampler, err := newSampler(cfg.Sampler)
	if err != nil {
		return nil, err
	}
	prop, err := newPropagator(cfg.Propagators)
	if err != nil {
		return nil, err
	}
	res, err := newResource(cfg.Resource)
	if err != nil {
		return nil, err
	}

	h := &Host{prop: prop, res: res}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithSampler(sampler), sdktrace.WithResource(res)}
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
		q := newExportQueue(name, exp, hc.queue, hc.logger)
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

func newResource(attrs map[string]string) (*resource.Resource, error) {
	kvs := []attribute.KeyValue{
		semconv.ServiceName("plugtrace"),
		semconv.ProcessRuntimeName("go"),
		semconv.ProcessRuntimeVersion(runtime.Version()),
		semconv.ProcessPID(os.Getpid()),
	}
	for k, v := range attrs { // later keys win: config over defaults
		kvs = append(kvs, attribute.String(k, v))
	}
	return resource.Merge(resource.NewSchemaless(kvs...), resource.NewSchemaless(
		semconv.TelemetrySDKName("opentelemetry"),
		semconv.TelemetrySDKLanguageGo,
		semconv.TelemetrySDKVersion(sdkVersion()),
	))
}

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
		for _, s := range spans {
			q.OnEnd(s)
		}
	}
}

// Dropped returns how many spans the export queues have dropped since start,
// summed over exporters.
func (h *Host) Dropped() uint64 {
	var n uint64
	for _, q := range h.queues {
		n += q.droppedTotal.Load()
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
