// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/panics"
)

// scopeName is the instrumentation scope of the host's server spans and
// metrics.
const scopeName = "github.com/plugtrace/plugtrace/host"

// serverSpans is the host's outermost handler: it establishes the caller
// (identify), starts the request's server span, turns a panic into a 500
// (recoverPanics), and serves next.
//
// The server span is what otelhttp's handler makes, at less cost: named
// "METHOD route" once the route is known (see spanName), with the request
// attributes of the HTTP semantic conventions (server.address, server.port,
// http.request.method, url.scheme, url.path, network.peer.*,
// client.address, user_agent.original, network.protocol.*) and the
// response's (http.response.status_code, http.request.body.size,
// http.response.body.size), status ERROR for a 5xx or an invalid status.
// A request that the trust rule does not trust starts a new trace whose
// root links to the caller's context. The viewer's requests make no span.
// Attributes are built only for a span that records, and the server
// metrics only for a meter provider that records them.
type serverSpans struct {
	auth    auth.HTTPAuth
	tracer  trace.Tracer
	prop    propagation.TextMapPropagator
	trust   string // backend.tracing.trustIncomingContext
	metrics serverMetrics
	logger  *slog.Logger
	next    http.Handler
}

// requestState is what the host's handlers learn of a request and share
// through its context: who calls (established once, before the server span
// starts: the span's trust in the caller's trace context depends on it),
// and the route that served it, which the router knows late and the span
// name needs.
type requestState struct {
	identity identity
	route    string // "/api/todos/{id}"; empty while not known
}

type stateKey struct{}

func stateOf(r *http.Request) *requestState {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	return st
}

// serverKind is the start option of every server span: a variable, so that
// starting a span does not build it.
var serverKind = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

func (h *serverSpans) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var start time.Time
	measure := h.metrics.enabled(r.Context())
	if measure {
		start = time.Now()
	}
	creds, err := h.auth.Credentials(r)
	st := &requestState{identity: identity{creds, err}}
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	rw := &responseRecorder{ResponseWriter: w, status: http.StatusOK}
	if strings.HasPrefix(r.URL.Path, viewerPath) {
		// The viewer polls; tracing it would fill the store with itself.
		h.serve(rw, r.WithContext(ctx))
		return
	}

	ctx = h.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
	opts := serverKind
	if h.newRoot(st.identity) {
		opts = []trace.SpanStartOption{serverKind[0], trace.WithNewRoot()}
		// The caller's context, if any, becomes a link of the new root.
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && sc.IsRemote() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	ctx, span := h.tracer.Start(ctx, r.Method, opts...)
	defer span.End()
	recording := span.IsRecording()
	if recording {
		span.SetAttributes(requestAttributes(r)...)
	}
	var body *countingBody
	if (recording || measure) && r.Body != nil && r.Body != http.NoBody {
		// net/http checks the type of r.Body once the handler is done.
		orig := r.Body
		body = &countingBody{ReadCloser: orig}
		r.Body = body
		defer func() { r.Body = orig }()
	}
	r2 := r.WithContext(ctx)
	defer func() {
		// So that net/http removes the temporary files of a multipart
		// form parsed on the copy.
		if r2.MultipartForm != nil {
			r.MultipartForm = r2.MultipartForm
		}
	}()
	h.serve(rw, r2)

	if r2.Pattern != "" || st.route != "" {
		span.SetName(spanName("", r2))
	}
	var read int64
	if body != nil {
		read = body.n
	}
	if recording {
		span.SetStatus(serverStatus(rw.status))
		span.SetAttributes(responseAttributes(rw.status, read, rw.written)...)
	}
	if measure {
		h.metrics.record(ctx, time.Since(start), r2, rw.status, read, rw.written)
	}
}

// newRoot reports whether a request from the caller id starts a new trace
// (backend.tracing.trustIncomingContext).
func (h *serverSpans) newRoot(id identity) bool {
	switch h.trust {
	case config.TrustAlways:
		return false
	case config.TrustNever:
		return true
	}
	return id.err != nil || id.creds.IsNone()
}

// serve runs next, and turns a panic in it into a 500 with a JSON error,
// recorded on the server span, and keeps the server serving.
// http.ErrAbortHandler keeps its meaning: it aborts the response.
func (h *serverSpans) serve(w *responseRecorder, r *http.Request) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		// recover returns the value panic was given, never a wrapped
		// error: net/http compares it the same way.
		if v == http.ErrAbortHandler { //nolint:errorlint // see above
			panic(v)
		}
		panics.Record(r, h.logger, v)
		if !w.started {
			httpjson.Error(w, http.StatusInternalServerError, "internal error")
		}
	}()
	h.next.ServeHTTP(w, r)
}

// serverStatus is the span status of a server's answer: 4xx are the
// caller's errors, not the server's.
func serverStatus(code int) (codes.Code, string) {
	switch {
	case code < 100 || code >= 600:
		return codes.Error, "Invalid HTTP status code " + strconv.Itoa(code)
	case code >= 500:
		return codes.Error, ""
	}
	return codes.Unset, ""
}

// responseRecorder notes what the handler answered: whether the response
// has started, its status and how many body bytes it wrote. It keeps
// http.Flusher and the other optional interfaces reachable through Unwrap
// (http.ResponseController).
type responseRecorder struct {
	http.ResponseWriter
	started     bool  // WriteHeader, Write or Flush was called
	wroteHeader bool  // a final status was written
	status      int   // the final status: 200 until one is written
	written     int64 // body bytes
}

var (
	_ http.ResponseWriter             = (*responseRecorder)(nil)
	_ http.Flusher                    = (*responseRecorder)(nil)
	_ interface{ FlushError() error } = (*responseRecorder)(nil)
)

func (w *responseRecorder) WriteHeader(code int) {
	w.started = true
	// Informational statuses come before the final one (101 is final: the
	// connection switches).
	if !w.wroteHeader && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		w.wroteHeader = true
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseRecorder) Write(b []byte) (int, error) {
	w.started = true
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

func (w *responseRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseRecorder) Flush() { _ = w.FlushError() }

// FlushError is Flush, reporting the error of the connection; the
// http.ResponseController of a handler uses it.
func (w *responseRecorder) FlushError() error {
	w.started = true
	w.wroteHeader = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// countingBody counts the bytes the handler read of a request body.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
