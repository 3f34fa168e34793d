// SPDX-License-Identifier: Apache-2.0

package tracingtest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plugtrace/plugtrace/tracing"
)

// Recorder records the spans of the tracing services it hands out. It is safe
// for concurrent use.
type Recorder struct {
	spans    *tracetest.SpanRecorder
	tp       *sdktrace.TracerProvider
	provider *tracing.Provider
}

// Option configures a [Recorder].
type Option interface {
	apply(recorderConfig) recorderConfig
}

type recorderConfig struct {
	cfg  tracing.Config
	opts []tracing.ProviderOption
}

type optionFunc func(recorderConfig) recorderConfig

func (f optionFunc) apply(c recorderConfig) recorderConfig { return f(c) }

// WithConfig sets the tracing configuration, for example to test with
// CaptureEndUser on. The default is the zero Config.
func WithConfig(cfg tracing.Config) Option {
	return optionFunc(func(c recorderConfig) recorderConfig {
		c.cfg = cfg
		return c
	})
}

// WithProviderOptions passes options to [tracing.NewProvider], for example
// [tracing.WithHTTPAuth]. The recorder's own tracer provider always wins over
// a [tracing.WithTracerProvider] given here.
func WithProviderOptions(opts ...tracing.ProviderOption) Option {
	return optionFunc(func(c recorderConfig) recorderConfig {
		c.opts = append(c.opts, opts...)
		return c
	})
}

// NewRecorder returns a Recorder. It panics if the configuration is invalid,
// as befits a test helper; use tracing.Config.Validate to check one first.
func NewRecorder(opts ...Option) *Recorder {
	var c recorderConfig
	for _, o := range opts {
		c = o.apply(c)
	}
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	provider, err := tracing.NewProvider(c.cfg, append(c.opts, tracing.WithTracerProvider(tp))...)
	if err != nil {
		panic("tracingtest: " + err.Error())
	}
	return &Recorder{spans: spans, tp: tp, provider: provider}
}

// Service returns the tracing service of the plugin, failing the test if the
// id is invalid.
func (r *Recorder) Service(tb testing.TB, pluginID string) tracing.Service {
	tb.Helper()
	svc, err := r.provider.ForPlugin(pluginID)
	if err != nil {
		tb.Fatalf("tracingtest: %v", err)
	}
	return svc
}

// Provider returns the tracing provider behind the recorder.
func (r *Recorder) Provider() *tracing.Provider { return r.provider }

// TracerProvider returns the SDK tracer provider that records the spans, for
// code that takes one directly (HTTP clients, middleware).
func (r *Recorder) TracerProvider() *sdktrace.TracerProvider { return r.tp }

// Ended returns the spans that have ended, in the order they ended.
func (r *Recorder) Ended() []sdktrace.ReadOnlySpan { return r.spans.Ended() }

// Started returns the spans that have started, in the order they started.
func (r *Recorder) Started() []sdktrace.ReadOnlySpan {
	started := r.spans.Started()
	out := make([]sdktrace.ReadOnlySpan, len(started))
	for i, s := range started {
		out[i] = s
	}
	return out
}

// Reset forgets every recorded span.
func (r *Recorder) Reset() { r.spans.Reset() }

// Shutdown shuts the tracer provider down; later spans are not recorded.
func (r *Recorder) Shutdown(ctx context.Context) error { return r.tp.Shutdown(ctx) }

// Span returns the one ended span with the given name, failing the test when
// there is none or more than one.
func (r *Recorder) Span(tb testing.TB, name string) sdktrace.ReadOnlySpan {
	tb.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range r.Ended() {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("tracingtest: want one ended span named %q, found %d (ended: %v)", name, len(found), names(r.Ended()))
	}
	return found[0]
}

// Attribute returns the value of the span's attribute with the given key.
func Attribute(span sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	var (
		v  attribute.Value
		ok bool
	)
	// The last value for a key wins, as in the exported span.
	for _, kv := range span.Attributes() {
		if kv.Key == key {
			v, ok = kv.Value, true
		}
	}
	return v, ok
}

// Attributes returns the span's attributes as a map, keyed by attribute key.
func Attributes(span sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(span.Attributes()))
	for _, kv := range span.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}
