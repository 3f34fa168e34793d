// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net/url"
	"strings"
)

// sensitiveParams are the query parameters, with their "=", whose values
// the HTTP semantic conventions say url.full should not show (matched
// case-sensitively).
var sensitiveParams = []string{"AWSAccessKeyId=", "Signature=", "sig=", "X-Goog-Signature="}

// fullURL is the url.full of a request to u: u without its user info, and
// with the values of the sensitive query parameters REDACTED. It builds the
// string once, and copies u only when there is something to leave out.
func fullURL(u *url.URL) string {
	query, redacted := redactQuery(u.RawQuery)
	if u.User == nil && !redacted {
		return u.String()
	}
	c := *u
	c.User = nil
	c.RawQuery = query
	return c.String()
}

// redactQuery replaces the values of the sensitive parameters in a raw query
// with REDACTED, keeping everything else byte for byte. It reports whether
// it changed anything; a query without any of them costs no allocation.
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
