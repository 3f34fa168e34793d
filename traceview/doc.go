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
// bound, whole traces are evicted, not span by span, so the traces on show
// are not cut into pieces by the bound; memory stays proportional to it.
// The trace evicted is the oldest of the source holding the most spans (the
// host, or one external plugin, named by the resource attribute
// plugtrace.plugin.id), so one plugin that floods spans evicts its own
// traces, not the host's or other plugins' (see [Store]). Spans of one
// trace may arrive in any order and in many batches; a child that arrives
// before its parent is kept and placed once the parent comes.
//
// [Handler] serves, under /traces/:
//
//	GET /traces/                         list of recent traces (HTML)
//	GET /traces/trace/{traceId}          waterfall of one trace (HTML)
//	GET /traces/api/traces               list as JSON, see [Query] for the filters
//	GET /traces/api/traces/{traceId}     one trace as JSON, see [TraceDetail]
//	GET /traces/static/...               the UI's embedded CSS and JavaScript
//
// With [WithViewers] it serves as well:
//
//	GET  /traces/login                   the sign-in form (HTML)
//	POST /traces/login                   sign in with a token: the session cookie
//	POST /traces/logout                  sign out
//
// The UI is plain HTML, CSS and JavaScript in the static directory, embedded
// in the binary; it loads nothing from the network but this API.
//
// # Access
//
// Span data names users, hosts and URLs, so a host does not serve it to
// just anyone. Handler's options say who may read it; without any, the
// viewer is open, for embedders that guard it themselves:
//
//	traceview.Handler(store,
//	    traceview.WithAuthenticator(bearer), // the host's auth.HTTPAuth
//	    traceview.WithViewers("user:default/alice", "external:ops-dashboard"))
//
// The options:
//
//   - [WithViewers] lets in only the listed principals (user entity refs
//     or service subjects; [AnyCaller], "*", for any authenticated caller).
//     No credentials: 401, as JSON from the API, a redirect to the sign-in
//     page from a page. Not listed: 403. Invalid credentials: 401, never
//     anonymous.
//   - [WithLocalAccess] lets in anonymous callers, but answers only requests
//     whose Host header is localhost or a loopback address (403 otherwise,
//     whoever asks), so that DNS rebinding cannot make the viewer a page
//     of another site.
//   - [WithAuthenticator] establishes the callers' credentials from the
//     Authorization header, or from the session cookie.
//
// A browser signs in once at /traces/login with a token; the token is kept
// in the cookie [SessionCookie], HttpOnly, SameSite=Strict, for /traces/
// only, and Secure over TLS. The JSON API takes that cookie or an
// Authorization: Bearer header. See [Handler] for the details.
package traceview
