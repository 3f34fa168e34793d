// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"slices"

	"github.com/plugtrace/plugtrace/auth"
)

// HandlerOption configures [Handler].
type HandlerOption interface {
	apply(handlerConfig) handlerConfig
}

type handlerConfig struct {
	authenticator auth.HTTPAuth // nil: every caller is anonymous
	viewers       []string      // who may read; "*" is any authenticated caller
	viewersSet    bool          // WithViewers was given, even with no principal
	localAccess   bool
}

// restricted reports whether the handler checks its callers at all.
func (c handlerConfig) restricted() bool { return c.viewersSet || c.localAccess }

// allows reports whether an authenticated caller is a viewer.
func (c handlerConfig) allows(creds auth.Credentials) bool {
	if creds.IsNone() {
		return false
	}
	return slices.Contains(c.viewers, AnyCaller) || slices.Contains(c.viewers, creds.PrincipalID())
}

type handlerOptionFunc func(handlerConfig) handlerConfig

func (f handlerOptionFunc) apply(c handlerConfig) handlerConfig { return f(c) }

// AnyCaller is the principal that, given to [WithViewers], lets in every
// authenticated caller.
const AnyCaller = "*"

// WithAuthenticator sets how the viewer establishes its callers'
// credentials: from the request's Authorization header or, when a browser
// sends none, from the sign-in cookie, which a clone of the request carries
// to a as "Authorization: Bearer <cookie value>". An error from a means
// invalid credentials: the request answers 401, it is never let in as
// anonymous.
//
// Without an authenticator every caller is anonymous, so that with
// [WithViewers] nobody gets in.
func WithAuthenticator(a auth.HTTPAuth) HandlerOption {
	return handlerOptionFunc(func(c handlerConfig) handlerConfig {
		c.authenticator = a
		return c
	})
}

// WithViewers lets in only the callers whose principal id is listed: a
// user entity ref such as "user:default/alice", or a service subject such
// as "external:ops-dashboard". [AnyCaller] ("*") lets in every
// authenticated caller. A request without credentials answers 401, one
// from a caller not listed 403. Calls add to the list. An empty list lets
// nobody in: the viewer stays closed rather than open.
//
// It also serves the sign-in page at /traces/login; see [Handler].
func WithViewers(principals ...string) HandlerOption {
	return handlerOptionFunc(func(c handlerConfig) handlerConfig {
		c.viewers = append(c.viewers[:len(c.viewers):len(c.viewers)], principals...)
		c.viewersSet = true
		return c
	})
}

// WithLocalAccess opens the viewer to anonymous callers, but answers only
// requests whose Host header is a loopback name or address: localhost,
// 127.0.0.0/8 or ::1, with or without a port. Any other Host, even with
// valid credentials, answers 403 before anything is served, so that a web
// page whose name an attacker points at 127.0.0.1 (DNS rebinding) reads
// nothing. Subdomains of localhost are refused too: not every resolver
// keeps them on loopback.
//
// With [WithViewers] as well, an anonymous caller on a loopback Host is let
// in, and one with credentials must be a listed viewer.
func WithLocalAccess() HandlerOption {
	return handlerOptionFunc(func(c handlerConfig) handlerConfig {
		c.localAccess = true
		return c
	})
}
