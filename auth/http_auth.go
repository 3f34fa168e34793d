// SPDX-License-Identifier: Apache-2.0

package auth

import "net/http"

// HTTPAuth establishes the credentials of an HTTP request.
//
// An implementation returns an error for credentials that are present but
// invalid (a malformed, expired or unknown token, or an empty Authorization
// header); a request without any credentials is an anonymous caller, not
// an error.
type HTTPAuth interface {
	Credentials(r *http.Request) (Credentials, error)
}

// HTTPAuthFunc adapts a function to [HTTPAuth].
type HTTPAuthFunc func(r *http.Request) (Credentials, error)

// Credentials calls f(r).
func (f HTTPAuthFunc) Credentials(r *http.Request) (Credentials, error) { return f(r) }

var _ HTTPAuth = HTTPAuthFunc(nil)

// ContextHTTPAuth returns an [HTTPAuth] that trusts what the host already
// established: the credentials stored in r.Context() by
// [ContextWithCredentials], or an anonymous caller when there are none. It
// never fails, and it is the tracing service's default.
func ContextHTTPAuth() HTTPAuth { return contextHTTPAuth{} }

type contextHTTPAuth struct{}

var _ HTTPAuth = contextHTTPAuth{}

func (contextHTTPAuth) Credentials(r *http.Request) (Credentials, error) {
	c, _ := CredentialsFromContext(r.Context())
	return c, nil
}
