// SPDX-License-Identifier: Apache-2.0

package host

import (
	"net/http"

	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// setRoute records the route of r, "/api/todos/{id}", for the server
// span's name, and puts it on the server span as http.route.
func setRoute(r *http.Request, pattern string) {
	if st := stateOf(r); st != nil {
		st.route = pattern
	}
	trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(pattern))
}

// routeOf returns the route that served r: the plugin's, once known, or
// the path of the host's own pattern; "" while no route is known.
func routeOf(r *http.Request) string {
	pattern := r.Pattern
	if st := stateOf(r); st != nil && st.route != "" {
		pattern = st.route
	}
	if pattern == "" {
		return ""
	}
	return routePath(pattern)
}

// spanName names a server span "METHOD route", or "METHOD" while the route
// is not known (the semantic conventions' rule for low cardinality).
func spanName(_ string, r *http.Request) string {
	if route := routeOf(r); route != "" {
		return r.Method + " " + route
	}
	return r.Method
}
