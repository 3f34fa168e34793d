// SPDX-License-Identifier: Apache-2.0

package host

import (
	"fmt"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/httpjson"
)

// Who may call what: every route below /api/ needs a caller, unless the
// route is open. A route is opened by its in-process plugin
// (Env.AllowAnonymous) or by the operator (backend.auth.publicRoutes).
// Invalid credentials are never anonymous: they answer 401 on open routes
// too.

// openRoutes is a set of ServeMux patterns open to anonymous callers. The
// zero value opens nothing.
type openRoutes struct {
	mux *http.ServeMux // nil: no pattern
}

// add opens pattern. An invalid pattern, or one that conflicts with an
// earlier one, is an error (http.ServeMux panics on both; the recover turns
// the panic into the error).
func (o *openRoutes) add(pattern string) (err error) {
	if o.mux == nil {
		o.mux = http.NewServeMux()
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	o.mux.Handle(pattern, http.NotFoundHandler())
	return nil
}

// match reports whether r is to an open route.
func (o *openRoutes) match(r *http.Request) bool {
	if o.mux == nil {
		return false
	}
	_, pattern := o.mux.Handler(r)
	return pattern != ""
}

// identity is the caller of a request, established once, before the
// server span starts (see serverSpans): the span's trust in the caller's
// trace context depends on it (see trustIncomingContext).
type identity struct {
	creds auth.Credentials
	err   error // invalid credentials
}

// identityOf returns the caller of r; a request the host's handler did not
// see is anonymous.
func identityOf(r *http.Request) identity {
	if st := stateOf(r); st != nil {
		return st.identity
	}
	return identity{creds: auth.NoneCredentials()}
}

// authorize lets a request through to next with its caller's credentials
// in the context, or answers 401 before any plugin code runs: for invalid
// credentials, and for an anonymous caller of a route that open does not
// report open. The log gets the reason; the caller a short message.
func authorize(logger *slog.Logger, open func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := identityOf(r)
		switch {
		case id.err != nil:
			trace.SpanFromContext(r.Context()).AddEvent("authentication failed")
			logger.InfoContext(r.Context(), "request refused: invalid credentials", "path", r.URL.Path, "error", id.err)
			unauthorized(w, "invalid credentials")
			return
		case id.creds.IsNone() && (open == nil || !open(r)):
			unauthorized(w, "this route needs credentials: send an Authorization: Bearer header")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.ContextWithCredentials(r.Context(), id.creds)))
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="plugtrace"`)
	httpjson.Error(w, http.StatusUnauthorized, msg)
}
