// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/traceview/internal/fixture"
)

// The fixtures live in package fixture, which the browser tests (a module of
// their own, in browsertest/) share; these short names keep the tables of
// this package's tests readable.
var (
	hostResource = fixture.HostResource
	baseTime     = fixture.BaseTime

	traceID      = fixture.TraceID
	spanID       = fixture.SpanID
	kind         = fixture.Kind
	res          = fixture.Resource
	attrs        = fixture.Attrs
	plugin       = fixture.Plugin
	failed       = fixture.Failed
	event        = fixture.Event
	link         = fixture.Link
	newSpan      = fixture.NewSpan
	snapshots    = fixture.Snapshots
	weatherTrace = fixture.WeatherTrace
	linkedTrace  = fixture.LinkedTrace
	serve        = fixture.Serve
	newStore     = fixture.NewStore
	export       = fixture.Export
)

// Span indexes of [fixture.WeatherTrace].
const (
	spanHTTPServer = fixture.SpanHTTPServer
	spanGRPCClient = fixture.SpanGRPCClient
	spanGRPCServer = fixture.SpanGRPCServer
	spanFetch      = fixture.SpanFetch
	spanUpstream   = fixture.SpanUpstream
	weatherSpans   = fixture.WeatherSpans

	spanLinkedRoot  = fixture.SpanLinkedRoot
	spanLinkedRetry = fixture.SpanLinkedRetry
)

func traceIDFromHex(t testing.TB, s string) trace.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(s)
	if err != nil {
		t.Error(err)
	}
	return id
}
