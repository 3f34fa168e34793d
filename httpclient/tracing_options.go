// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"context"
	"net/http/httptrace"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// TracingOption configures a [TracingMiddleware].
type TracingOption interface {
	applyTracing(tracingConfig) tracingConfig
}

type tracingConfig struct {
	tp    trace.TracerProvider
	prop  propagation.TextMapPropagator
	mp    metric.MeterProvider
	attrs []attribute.KeyValue
	// Without WithClientTrace: the lifecycle events.
	clientTrace       func(context.Context) *httptrace.ClientTrace
	customClientTrace bool
}

type tracingOptionFunc func(tracingConfig) tracingConfig

func (f tracingOptionFunc) applyTracing(c tracingConfig) tracingConfig { return f(c) }

// WithTracerProvider sets the tracer provider that makes the client spans.
// Nil, like the default, means the global one, [otel.GetTracerProvider].
func WithTracerProvider(tp trace.TracerProvider) TracingOption {
	return tracingOptionFunc(func(c tracingConfig) tracingConfig {
		c.tp = tp
		return c
	})
}

// WithPropagator sets how the trace context is injected into request
// headers. Nil, like the default, means the global propagator,
// [otel.GetTextMapPropagator].
func WithPropagator(p propagation.TextMapPropagator) TracingOption {
	return tracingOptionFunc(func(c tracingConfig) tracingConfig {
		c.prop = p
		return c
	})
}

// WithMeterProvider sets the meter provider of the client metrics
// (http.client.request.duration, http.client.request.body.size; see the
// package documentation). Nil, like the default, means the global one,
// [otel.GetMeterProvider]; a no-op provider makes them cost nothing.
func WithMeterProvider(mp metric.MeterProvider) TracingOption {
	return tracingOptionFunc(func(c tracingConfig) tracingConfig {
		c.mp = mp
		return c
	})
}

// WithAttributes adds attributes to every client span. Repeated, the
// attributes accumulate. Like the span's other attributes they are set once
// the response or the error has come, in one go, which is cheaper than at
// the start: a sampler does not see them.
func WithAttributes(kv ...attribute.KeyValue) TracingOption {
	kv = append([]attribute.KeyValue(nil), kv...)
	return tracingOptionFunc(func(c tracingConfig) tracingConfig {
		c.attrs = append(c.attrs[:len(c.attrs):len(c.attrs)], kv...)
		return c
	})
}

// WithClientTrace replaces the lifecycle events with the
// [httptrace.ClientTrace] that f returns for each request; the ctx handed to
// f carries the client span. For example, [otelhttptrace.NewClientTrace]
// records sub-spans and request headers, at about twice the cost per request.
// A nil f, or an f that returns nil, leaves requests without hooks.
//
// [otelhttptrace.NewClientTrace]: https://pkg.go.dev/go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace#NewClientTrace
func WithClientTrace(f func(ctx context.Context) *httptrace.ClientTrace) TracingOption {
	return tracingOptionFunc(func(c tracingConfig) tracingConfig {
		c.clientTrace, c.customClientTrace = f, true
		return c
	})
}
