// SPDX-License-Identifier: Apache-2.0

// Package panics records a handler's panic where plugtrace turns it into a
// 500: on the request's span (exception event with a stack trace, status
// ERROR) and in the log, with the trace id. The host and the plugin SDK
// both use it.
package panics

import (
	"fmt"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Record records v, the value a handler serving r panicked with.
func Record(r *http.Request, logger *slog.Logger, v any) {
	err, ok := v.(error)
	if !ok {
		err = fmt.Errorf("panic: %v", v)
	}
	span := trace.SpanFromContext(r.Context())
	span.RecordError(err, trace.WithStackTrace(true))
	span.SetStatus(codes.Error, err.Error())
	logger.ErrorContext(r.Context(), "handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
}
