// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"log/slog"
	"net/http"

	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/panics"
)

// route carries the matched route of a request from the router, which knows
// it late, to the server span's name formatter, which runs both before and
// after the handler.
type route struct{ pattern string }

type routeKey struct{}

// withRoute puts an empty route holder into the request's context. It wraps
// otelhttp, so that the formatter sees the holder the router filled in.
func withRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routeKey{}, &route{})))
	})
}

// setRoute records the route of r, "/api/todos/{id}", and puts it on the
// server span as http.route.
func setRoute(r *http.Request, pattern string) {
	if rt, ok := r.Context().Value(routeKey{}).(*route); ok {
		rt.pattern = pattern
	}
	trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(pattern))
}

// spanName names a server span "METHOD route", or "METHOD" while the route
// is not known (the semantic conventions' rule for low cardinality).
func spanName(_ string, r *http.Request) string {
	pattern := r.Pattern
	if rt, ok := r.Context().Value(routeKey{}).(*route); ok && rt.pattern != "" {
		pattern = rt.pattern
	}
	if pattern == "" {
		return r.Method
	}
	return r.Method + " " + routePath(pattern)
}

// recoverPanics turns a panic in a handler into a 500 with a JSON error,
// records it on the server span, and keeps the server serving.
// http.ErrAbortHandler keeps its meaning: it aborts the response.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w}
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
			panics.Record(r, logger, v)
			if !rw.wroteHeader {
				httpjson.Error(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// statusWriter notes whether the response has started. It keeps
// http.Flusher and the other optional interfaces reachable through Unwrap
// (http.ResponseController).
type statusWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

var (
	_ http.ResponseWriter = (*statusWriter)(nil)
	_ http.Flusher        = (*statusWriter)(nil)
)

func (w *statusWriter) WriteHeader(code int) {
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	w.wroteHeader = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}
