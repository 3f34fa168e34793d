// SPDX-License-Identifier: Apache-2.0

// Package httpclient makes the HTTP clients that plugins use to call other
// services, so that each call is a client span in the caller's trace and
// passes the trace context on.
//
//	client, err := httpclient.New(httpclient.Options{
//		Attributes: []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
//	})
//	...
//	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, upstreamURL, nil)
//	resp, err := client.Do(req) // a child of the span in ctx
//
// A host makes one [Provider] per plugin, with the plugin's id among its
// attributes; the plugin makes the clients it needs with [Provider.New], and
// they share the provider's telemetry, timeouts and connection pool.
//
// # Middlewares
//
// A client is a base transport wrapped in [Middleware]s, the first one
// outermost. Unless [Options.Middlewares] says otherwise the chain is
// [DefaultMiddlewares]: a single [TracingMiddleware]. A non-nil list, even an
// empty one, replaces the defaults; append to DefaultMiddlewares to keep
// tracing and add your own.
//
// # Spans
//
// [TracingMiddleware] gives each request one client span, named after its
// method, with the current HTTP semantic conventions and the client's extra
// attributes: http.request.method (_OTHER, with
// http.request.method_original, for a method outside the standard set),
// url.full, server.address, server.port (the scheme's default when the URL
// has none), http.response.status_code and network.protocol.version. Its
// status is ERROR for a transport error (error.type is the error's type) and
// for a 4xx or 5xx response (error.type is the status code). url.full
// carries no user info, and the values of the query parameters that the
// conventions call sensitive (AWSAccessKeyId, Signature, sig,
// X-Goog-Signature) read REDACTED. The trace context goes into the headers
// of a copy of the request; the caller's request is never changed. The span
// ends when the response body has been read to the end, fails or is closed:
// always close it. A response without a body (HEAD, 204, 304) ends it at
// once.
//
// The middleware is a transport of its own rather than otelhttp's, which
// clones every request in full, builds the attributes again for metrics even
// with a no-op meter provider, and needed a second pass to redact url.full
// (BenchmarkGetVersusPlain measures what is left). Its spans have the
// instrumentation scope github.com/plugtrace/plugtrace/httpclient.
//
// # Metrics
//
// The middleware records the client metrics of the conventions with the
// meter provider of [WithMeterProvider] ([Options.MeterProvider]):
// http.client.request.duration, in seconds until the response headers came
// (or the error), and http.client.request.body.size, the declared size of
// the request body (nothing for a body of unknown length). Their attributes
// are http.request.method, server.address, server.port, url.scheme,
// network.protocol.name and .version, http.response.status_code and
// error.type. With a no-op meter provider, or the global one before an SDK
// is installed, a request builds none of this.
//
// # Lifecycle events
//
// The request's lifecycle is recorded as events on the client span, never as
// spans of their own:
//
//	http.dns.start      server.address                 looking up the host
//	http.dns.done       http.dns.addrs, http.dns.error
//	http.connect.start  http.remote                    dialing one address
//	http.connect.done   http.remote, http.connect.error
//	http.tls.start                                     TLS handshake
//	http.tls.done       tls.resumed, tls.protocol.version, http.tls.error
//	http.getconn        http.conn.reused, http.conn.wasidle
//	http.first_byte                                    first byte of the response
//
// On a kept-alive connection only http.getconn and http.first_byte occur. The
// time from the span's start to http.getconn is the wait for a connection,
// including any DNS, connect and TLS events before it. A dial can outlive
// the request that started it, when another connection comes free first; its
// events then land on that request's span, possibly after http.first_byte.
//
// The hooks are written for this package rather than taken from
// otelhttptrace.NewClientTrace, whose attribute keys they share, because
// events are on every request's path and must be cheap: even in its events
// mode otelhttptrace costs more than twice the allocations per request
// (BenchmarkTracingMiddleware). Over the default transport, the DNS and
// connect hooks are installed by its dialer, for the requests that dial,
// instead of for every request. otelhttptrace's sub-spans and request-header
// attributes remain available through [WithClientTrace].
//
// # Defaults
//
// Nil telemetry fields mean the global providers and propagator, looked up
// when the client is made; the package never changes global state. The
// default base transport is a clone of [http.DefaultTransport] with its own
// dial, TLS handshake and response header timeouts and a larger pool of
// kept-alive connections: [DefaultMaxIdleConnsPerHost] per host (net/http
// keeps 2, so concurrent calls to one upstream would keep dialing it), four
// times as many in all, each kept for up to 90 seconds. The client's overall
// timeout defaults to [DefaultTimeout].
package httpclient
