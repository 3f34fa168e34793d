package telemetry

import (
	"fmt"

	"go.opentelemetry.io/contrib/propagators/b3"
	"go.opentelemetry.io/contrib/propagators/jaeger"
	"go.opentelemetry.io/otel/propagation"
)

// NewPropagator returns the composite propagator of the named formats, as
// OTEL_PROPAGATORS names them: tracecontext, baggage, b3 (single header),
// b3multi, jaeger, and none.
func NewPropagator(names []string) (propagation.TextMapPropagator, error) {
	var ps []propagation.TextMapPropagator
	for _, n := range names {
		switch n {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, propagation.Baggage{})
		case "b3":
			ps = append(ps, b3.New(b3.WithInjectEncoding(b3.B3SingleHeader)))
		case "b3multi":
			ps = append(ps, b3.New(b3.WithInjectEncoding(b3.B3MultipleHeader)))
		case "jaeger":
			ps = append(ps, jaeger.Jaeger{})
		case "none":
		default:
			return nil, fmt.Errorf("backend.tracing.propagators: unknown propagator %q (known: tracecontext, baggage, b3, b3multi, jaeger, none)", n)
		}
	}
	return propagation.NewCompositeTextMapPropagator(ps...), nil
}
