// SPDX-License-Identifier: Apache-2.0

package otlpconv

import (
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// snapshot makes the ReadOnlySpan the host's exporters take.
//
// tracetest.SpanStub.Snapshot is the SDK's only public way to build one:
// ReadOnlySpan has an unexported method, so a type outside the SDK can
// satisfy it only by embedding a nil ReadOnlySpan and trusting the SDK
// never to call that method. tracetest does exactly that, and the SDK's
// maintainers keep it working; doing it here would make it ours to keep.
// Importing a package made for tests into production code is the lesser
// cost, and this file is the only place that does it.
func (d spanData) snapshot() sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStub{
		Name:                 d.name,
		SpanContext:          d.sc,
		Parent:               d.parent,
		SpanKind:             d.kind,
		StartTime:            d.start,
		EndTime:              d.end,
		Attributes:           d.attrs,
		Events:               d.events,
		Links:                d.links,
		Status:               d.status,
		DroppedAttributes:    d.droppedAttrs,
		DroppedEvents:        d.droppedEvents,
		DroppedLinks:         d.droppedLinks,
		Resource:             d.res,
		InstrumentationScope: d.scope,
	}
	// Snapshot falls back to the deprecated library field when the scope
	// has no name, version and schema URL; giving it the same value keeps
	// the scope's attributes in that case too.
	stub.InstrumentationLibrary = d.scope //nolint:staticcheck // SA1019, see above
	return stub.Snapshot()
}
