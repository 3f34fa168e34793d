// SPDX-License-Identifier: Apache-2.0

package config

import "slices"

// KnownPropagator reports whether name is a propagator this configuration
// accepts (backend.tracing.propagators, OTEL_PROPAGATORS): tracecontext,
// baggage, b3, b3multi, jaeger or none. contrib's autoprop builds them.
func KnownPropagator(name string) bool { return slices.Contains(propagatorNames, name) }
