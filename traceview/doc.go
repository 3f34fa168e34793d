// SPDX-License-Identifier: Apache-2.0

// Package traceview is plugtrace's embedded trace viewer: a bounded
// in-memory span store, a JSON API over it and a web UI, all served from the
// host's own HTTP server with no external dependencies.
//
// A [Store] is an OpenTelemetry span exporter. The host registers it with its
// tracer provider, and the span relay hands it the spans of external plugins,
// so that one trace shows every process it crossed:
//
//	store, err := traceview.NewStore(traceview.DefaultMaxSpans)
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(store))
//	mux.Handle("/traces/", traceview.Handler(store))
//
// The store keeps at most maxSpans spans. When a new span would exceed the
// bound, the trace seen first is evicted whole, not span by span, so the
// traces on show are not cut into pieces by the bound; memory stays
// proportional to it. Spans of one trace may arrive in any order and in many batches; a
// child that arrives before its parent is kept and placed once the parent
// comes.
//
// [Handler] serves, under /traces/:
//
//	GET /traces/                         list of recent traces (HTML)
//	GET /traces/trace/{traceId}          waterfall of one trace (HTML)
//	GET /traces/api/traces               list as JSON, see [Query] for the filters
//	GET /traces/api/traces/{traceId}     one trace as JSON, see [TraceDetail]
//	GET /traces/static/...               the UI's embedded CSS and JavaScript
//
// The UI is plain HTML, CSS and JavaScript in the static directory, embedded
// in the binary; it loads nothing from the network but this API.
package traceview
