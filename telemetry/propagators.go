// SPDX-License-Identifier: Apache-2.0

package telemetry

import (
	"fmt"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"

	"github.com/plugtrace/plugtrace/config"
)

// newPropagator returns the composite propagator of the named formats, as
// OTEL_PROPAGATORS names them; contrib's autoprop builds them. With no
// names, it is what OTEL_PROPAGATORS says, or tracecontext and baggage.
func newPropagator(names []string) (propagation.TextMapPropagator, error) {
	if len(names) == 0 {
		return autoprop.NewTextMapPropagator(), nil
	}
	for _, n := range names {
		if !config.KnownPropagator(n) {
			return nil, fmt.Errorf("backend.tracing.propagators: unknown propagator %q (known: tracecontext, baggage, b3, b3multi, jaeger, none)", n)
		}
	}
	return autoprop.TextMapPropagator(names...)
}
