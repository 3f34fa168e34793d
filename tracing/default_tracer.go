// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

type tracerHolder struct{ t trace.Tracer }

var defaultTracer atomic.Pointer[tracerHolder]

// DefaultTracer returns the tracer of the current external plugin, as set up
// by the plugin SDK's Manage. Until then, or when tracing is off for the
// plugin, it is a no-op tracer, so callers never check for nil.
func DefaultTracer() trace.Tracer {
	if h := defaultTracer.Load(); h != nil {
		return h.t
	}
	return noop.Tracer{}
}

// SetDefaultTracer sets the tracer that [DefaultTracer] returns; nil restores
// the no-op tracer. The plugin SDK calls it at start-up; applications rarely
// need to.
func SetDefaultTracer(t trace.Tracer) {
	if t == nil {
		defaultTracer.Store(nil)
		return
	}
	defaultTracer.Store(&tracerHolder{t})
}
