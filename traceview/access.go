// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/plugtrace/plugtrace/auth"
)

// The paths the access rules tell apart.
const (
	rootPath   = "/traces/"
	apiPrefix  = "/traces/api/"
	staticPath = "/traces/static/"
	loginPath  = "/traces/login"
	logoutPath = "/traces/logout"
)

// The answers of a refused request. None names the token, or says more about
// why credentials failed than that they did: the authenticator's reasons
// stay on the server.
const (
	msgNotLocal      = "this viewer answers only requests addressed to localhost or a loopback address"
	msgNoCredentials = "these traces are not public: send a bearer token, or sign in at " + loginPath
	msgInvalid       = "invalid credentials: sign in again with a valid token"
)

// caller is what the access check learnt about a request's caller, for the
// pages to show.
type caller struct {
	creds    auth.Credentials
	byCookie bool // signed in at /traces/login
}

type callerKey struct{}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// refusal is why the access rules turn a request away.
type refusal int

const (
	needCredentials    refusal = iota // 401: none were given
	invalidCredentials                // 401: given, and not valid
	notViewer                         // 403: valid, and not a listed viewer
)

// guard applies the access rules of the handler's options to every request
// before next sees it.
func (h *handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.localAccess && !isLoopbackHost(r.Host) {
			refuse(w, r, http.StatusForbidden, msgNotLocal)
			return
		}
		if isPublic(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		c, err := h.caller(r)
		switch {
		case err != nil:
			h.deny(w, r, invalidCredentials, c)
			return
		case c.creds.IsNone():
			if !h.cfg.localAccess {
				h.deny(w, r, needCredentials, c)
				return
			}
		case h.cfg.viewersSet && !h.cfg.allows(c.creds):
			h.deny(w, r, notViewer, c)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

// isPublic reports whether a path is open to every caller on an accepted
// Host: the assets, the same in every build, which the sign-in page needs,
// and sign-in and sign-out themselves.
func isPublic(path string) bool {
	if path == loginPath || path == logoutPath {
		return true
	}
	// The mux redirects a path with dot segments to its clean form, which
	// comes back here; it is never served as it is.
	return strings.HasPrefix(path, staticPath) && !strings.Contains(path, "..")
}

// caller establishes the credentials of r: from its Authorization header,
// or else from the sign-in cookie, or else whatever the authenticator finds
// without either. A cookie that gives no principal is invalid, not
// anonymous.
func (h *handler) caller(r *http.Request) (caller, error) {
	a := h.cfg.authenticator
	if a == nil {
		return caller{}, nil
	}
	if r.Header.Get("Authorization") == "" {
		if token, ok := sessionToken(r); ok {
			creds, err := h.authenticate(r, token)
			return caller{creds: creds, byCookie: true}, err
		}
	}
	creds, err := a.Credentials(r)
	if err != nil {
		return caller{}, err
	}
	return caller{creds: creds}, nil
}

// authenticate checks token as the bearer token of a clone of r.
func (h *handler) authenticate(r *http.Request, token string) (auth.Credentials, error) {
	clone := r.Clone(r.Context())
	clone.Header.Set("Authorization", "Bearer "+token)
	creds, err := h.cfg.authenticator.Credentials(clone)
	if err == nil && creds.IsNone() {
		err = auth.ErrInvalidCredentials
	}
	if err != nil {
		return auth.NoneCredentials(), err
	}
	return creds, nil
}

// deny answers a request the access rules refuse. The API answers JSON. A
// page answers the way a person can act on: without credentials, a
// redirect to the sign-in page, which comes back here afterwards; with
// credentials that failed or are not a viewer's, the sign-in page itself,
// with the status and a line that says so.
func (h *handler) deny(w http.ResponseWriter, r *http.Request, why refusal, c caller) {
	status, msg, page := http.StatusUnauthorized, msgNoCredentials, ""
	switch why {
	case needCredentials:
		w.Header().Set("WWW-Authenticate", `Bearer realm="plugtrace traces"`)
	case invalidCredentials:
		w.Header().Set("WWW-Authenticate", `Bearer realm="plugtrace traces", error="invalid_token"`)
		msg, page = msgInvalid, "Your sign-in is no longer valid, or the token was not accepted. Sign in again."
		if c.byCookie {
			http.SetCookie(w, clearedCookie(r)) // it would fail every request
		}
	case notViewer:
		status = http.StatusForbidden
		msg = c.creds.PrincipalID() + " is not a viewer of these traces"
		page = c.creds.PrincipalID() + " may not read these traces. Sign in with another token."
		if c.byCookie {
			page = "You are signed in as " + c.creds.PrincipalID() + ", who may not read these traces. Sign in with another token."
		}
	}

	switch {
	case strings.HasPrefix(r.URL.Path, apiPrefix):
		writeError(w, status, msg)
	case !h.cfg.viewersSet: // no sign-in page to offer
		writePlain(w, status, msg)
	case page != "":
		serveLogin(w, status, page, r.URL.RequestURI())
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		target := loginPath
		if next := r.URL.RequestURI(); next != rootPath {
			target += "?next=" + url.QueryEscape(next)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	default:
		writePlain(w, status, msg)
	}
}

// refuse answers a request the viewer does not serve at all: JSON for the
// API, text otherwise.
func refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, apiPrefix) {
		writeError(w, status, msg)
		return
	}
	writePlain(w, status, msg)
}

func writePlain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}

// isLoopbackHost reports whether the Host header hostport names this
// machine for certain: localhost, or a loopback address, with or without a
// port.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Zone() == "" && addr.Unmap().IsLoopback()
}
