// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net/http"
	"strings"

	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// sensitiveParams are the query parameters, with their "=", whose values
// the HTTP semantic conventions say url.full should not show (matched
// case-sensitively).
var sensitiveParams = []string{"AWSAccessKeyId=", "Signature=", "sig=", "X-Goog-Signature="}

// queryRedactor sits between otelhttp's transport and the next round
// tripper. otelhttp already leaves user info out of url.full; when the query
// carries a signature or access key, queryRedactor overwrites url.full with
// the value redacted. Other requests pass through untouched.
type queryRedactor struct{ next http.RoundTripper }

var _ http.RoundTripper = queryRedactor{}

func (q queryRedactor) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL != nil && r.URL.RawQuery != "" {
		if query, ok := redactQuery(r.URL.RawQuery); ok {
			u := *r.URL
			u.User = nil
			u.RawQuery = query
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.URLFull(u.String()))
		}
	}
	return q.next.RoundTrip(r)
}

// redactQuery replaces the values of the sensitive parameters in a raw query
// with REDACTED, keeping everything else byte for byte. It reports whether
// it changed anything.
func redactQuery(raw string) (string, bool) {
	found := false
	for _, p := range sensitiveParams {
		found = found || strings.Contains(raw, p)
	}
	if !found {
		return raw, false
	}
	params := strings.Split(raw, "&")
	changed := false
	for i, param := range params {
		for _, p := range sensitiveParams {
			if strings.HasPrefix(param, p) && param[len(p):] != "REDACTED" {
				params[i] = p + "REDACTED"
				changed = true
			}
		}
	}
	return strings.Join(params, "&"), changed
}
