// SPDX-License-Identifier: Apache-2.0

package tracing_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/benchpair"
	"github.com/plugtrace/plugtrace/tracing"
)

// Each benchmark runs plugtrace and the hand-written OpenTelemetry code doing
// the same work (same span kind, same attributes, same error handling) side
// by side, so that `go test -bench` prints the pair in one run.
//
// The SDK has a span processor that does nothing: the numbers measure the
// cost of making spans, not of exporting them.

type discardProcessor struct{}

func (discardProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discardProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discardProcessor) Shutdown(context.Context) error                  { return nil }
func (discardProcessor) ForceFlush(context.Context) error                { return nil }

func benchProvider(b *testing.B, cfg tracing.Config) (tracing.Service, trace.Tracer) {
	b.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(discardProcessor{}))
	p, err := tracing.NewProvider(cfg, tracing.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := p.ForPlugin("todos")
	if err != nil {
		b.Fatal(err)
	}
	return svc, tp.Tracer(tracing.DefaultTracerName("todos"))
}

var (
	errBench    = errors.New("todo not found")
	opAttr      = attribute.String("todo.op", "list")
	countAttr   = attribute.Int("todo.count", 3)
	pluginAttr  = tracing.PluginIDKey.String("todos")
	benchUser   = auth.UserCredentials("user:default/alice")
	benchResult error
)

// The work inside the span, for plugtrace and for raw OTel.
var (
	ok = func(_ context.Context, span tracing.Span) error {
		span.SetAttributes(countAttr)
		return nil
	}
	rawOK = func(_ context.Context, span trace.Span) error {
		span.SetAttributes(countAttr)
		return nil
	}
	fail    = func(context.Context, tracing.Span) error { return errBench }
	rawFail = func(context.Context, trace.Span) error { return errBench }
)

// rawRun is what a plugin author writes by hand with OpenTelemetry to get
// what StartActiveSpan gives: kind, attributes, error recording, one End.
func rawRun(ctx context.Context, tracer trace.Tracer, fn func(context.Context, trace.Span) error, attrs ...attribute.KeyValue) error {
	ctx, span := tracer.Start(ctx, "list todos", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	defer span.End()
	err := fn(ctx, span)
	if err != nil {
		span.RecordError(err)
		span.SetAttributes(semconv.ErrorType(err))
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}

func BenchmarkStartActiveSpan(b *testing.B) {

	b.Run("success/plugtrace", func(b *testing.B) {
		svc, _ := benchProvider(b, tracing.Config{})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok,
				tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr))
		}
	})
	b.Run("success/otel", func(b *testing.B) {
		_, tracer := benchProvider(b, tracing.Config{})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = rawRun(ctx, tracer, rawOK, pluginAttr, opAttr)
		}
	})
	b.Run("error/plugtrace", func(b *testing.B) {
		svc, _ := benchProvider(b, tracing.Config{})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", fail,
				tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr))
		}
	})
	b.Run("error/otel", func(b *testing.B) {
		_, tracer := benchProvider(b, tracing.Config{})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = rawRun(ctx, tracer, rawFail, pluginAttr, opAttr)
		}
	})
	b.Run("credentials/plugtrace", func(b *testing.B) {
		svc, _ := benchProvider(b, tracing.Config{CaptureEndUser: true})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok,
				tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr), tracing.WithCredentials(benchUser))
		}
	})
	b.Run("credentials/otel", func(b *testing.B) {
		_, tracer := benchProvider(b, tracing.Config{})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = rawRun(ctx, tracer, rawOK, pluginAttr,
				tracing.PrincipalTypeKey.String("user"), tracing.EndUserIDKey.String(benchUser.PrincipalID()), opAttr)
		}
	})
}

func BenchmarkStartActiveSpanDisabled(b *testing.B) {
	nothing := func(context.Context, tracing.Span) error { return nil }
	rawNothing := func(context.Context, trace.Span) error { return nil }

	b.Run("plugtrace", func(b *testing.B) {
		svc, _ := benchProvider(b, tracing.Config{DisableByDefault: true})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", nothing)
		}
	})
	b.Run("otel-noop", func(b *testing.B) {
		tracer := noop.NewTracerProvider().Tracer("todos")
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			ctx, span := tracer.Start(ctx, "list todos")
			benchResult = rawNothing(ctx, span)
			span.End()
		}
	})
}

// BenchmarkStartActiveSpanVersusOTel reports, for each path, plugtrace's
// ns/op, the raw OpenTelemetry code's, and their ratio, measured in
// alternating rounds (see internal/benchpair). The allocation counts come
// from the benchmarks above.
func BenchmarkStartActiveSpanVersusOTel(b *testing.B) {
	ctx := context.Background()

	// The lightest work, against the least a hand-written span does:
	// start with one attribute, set one inside, end. plugtrace adds the
	// plugin id, ends the span on every exit and checks for an error.
	b.Run("light", func(b *testing.B) {
		svc, tracer := benchProvider(b, tracing.Config{})
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok, tracing.WithAttributes(opAttr))
		}, func() {
			_, span := tracer.Start(ctx, "list todos", trace.WithAttributes(opAttr))
			span.SetAttributes(countAttr)
			span.End()
		})
	})

	// The same light work, against the hand-written code that makes the
	// same span: the plugin id too.
	b.Run("light-same-span", func(b *testing.B) {
		svc, tracer := benchProvider(b, tracing.Config{})
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok, tracing.WithAttributes(opAttr))
		}, func() {
			_, span := tracer.Start(ctx, "list todos", trace.WithAttributes(pluginAttr, opAttr))
			span.SetAttributes(countAttr)
			span.End()
		})
	})

	// What the plugin id alone costs the SDK, in hand-written code: light's
	// hand-written span with it against the same without it. This share of
	// light's ratio is the attribute, not the service.
	b.Run("plugin-id-attribute", func(b *testing.B) {
		_, tracer := benchProvider(b, tracing.Config{})
		benchpair.Compare(b, func() {
			_, span := tracer.Start(ctx, "list todos", trace.WithAttributes(pluginAttr, opAttr))
			span.SetAttributes(countAttr)
			span.End()
		}, func() {
			_, span := tracer.Start(ctx, "list todos", trace.WithAttributes(opAttr))
			span.SetAttributes(countAttr)
			span.End()
		})
	})

	b.Run("success", func(b *testing.B) {
		svc, tracer := benchProvider(b, tracing.Config{})
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok, tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr))
		}, func() {
			benchResult = rawRun(ctx, tracer, rawOK, pluginAttr, opAttr)
		})
	})
	b.Run("success-capture-on", func(b *testing.B) {
		svc, tracer := benchProvider(b, tracing.Config{CaptureEndUser: true})
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok, tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr))
		}, func() {
			benchResult = rawRun(ctx, tracer, rawOK, pluginAttr, opAttr)
		})
	})
	b.Run("error", func(b *testing.B) {
		svc, tracer := benchProvider(b, tracing.Config{})
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", fail, tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr))
		}, func() {
			benchResult = rawRun(ctx, tracer, rawFail, pluginAttr, opAttr)
		})
	})
	b.Run("credentials", func(b *testing.B) {
		svc, tracer := benchProvider(b, tracing.Config{CaptureEndUser: true})
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", ok,
				tracing.WithKind(trace.SpanKindServer), tracing.WithAttributes(opAttr), tracing.WithCredentials(benchUser))
		}, func() {
			benchResult = rawRun(ctx, tracer, rawOK, pluginAttr,
				tracing.PrincipalTypeKey.String("user"), tracing.EndUserIDKey.String(benchUser.PrincipalID()), opAttr)
		})
	})
	b.Run("disabled", func(b *testing.B) {
		svc, _ := benchProvider(b, tracing.Config{DisableByDefault: true})
		noopTracer := noop.NewTracerProvider().Tracer("todos")
		nothing := func(context.Context, tracing.Span) error { return nil }
		rawNothing := func(context.Context, trace.Span) error { return nil }
		benchpair.Compare(b, func() {
			benchResult = svc.StartActiveSpan(ctx, "list todos", nothing)
		}, func() {
			ctx, span := noopTracer.Start(ctx, "list todos")
			benchResult = rawNothing(ctx, span)
			span.End()
		})
	})
}
