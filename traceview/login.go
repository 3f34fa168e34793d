// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"net/http"
	"net/url"
	"strings"
)

// SessionCookie is the name of the cookie that keeps a browser signed in
// to the viewer. It holds the token given at /traces/login, HttpOnly and
// SameSite=Strict, for /traces/ only.
const SessionCookie = "plugtrace_viewer"

// maxLoginForm bounds the body of a sign-in: a token is a few hundred
// bytes.
const maxLoginForm = 16 << 10

// loginPage serves the sign-in form.
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	serveLogin(w, http.StatusOK, "", r.URL.Query().Get("next"))
}

// login checks the token of the sign-in form and keeps it in the session
// cookie. A failure says only that it failed: why a token is invalid is
// not for whoever holds it.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if h.crossOrigin.Check(r) != nil {
		serveLogin(w, http.StatusForbidden, "This sign-in was sent from another site, and refused. Sign in on this page.", "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		serveLogin(w, http.StatusBadRequest, "The form could not be read. Try again.", "")
		return
	}
	next := r.PostForm.Get("next")
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" {
		serveLogin(w, http.StatusUnauthorized, "Enter a token.", next)
		return
	}
	if !cookieSafe(token) || h.cfg.authenticator == nil {
		serveLogin(w, http.StatusUnauthorized, "That token was not accepted.", next)
		return
	}
	creds, err := h.authenticate(r, token)
	if err != nil {
		serveLogin(w, http.StatusUnauthorized, "That token was not accepted.", next)
		return
	}
	if !h.cfg.allows(creds) {
		serveLogin(w, http.StatusForbidden, creds.PrincipalID()+" may not read these traces. Sign in with another token.", next)
		return
	}
	http.SetCookie(w, sessionCookie(r, token, 0))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// logout drops the session cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if h.crossOrigin.Check(r) != nil {
		writePlain(w, http.StatusForbidden, "cross-site sign-out refused")
		return
	}
	http.SetCookie(w, clearedCookie(r))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, loginPath, http.StatusSeeOther)
}

func serveLogin(w http.ResponseWriter, status int, msg, next string) {
	servePage(w, status, "login.html", pageData{Message: msg, Next: safeNext(next)})
}

// sessionCookie is the cookie that holds token; maxAge as in
// [http.Cookie]. It is Secure on a TLS connection: behind a proxy that
// ends TLS the viewer cannot tell, and the cookie is still HttpOnly and
// SameSite=Strict.
func sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     rootPath,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	}
}

func clearedCookie(r *http.Request) *http.Cookie { return sessionCookie(r, "", -1) }

// sessionToken returns the token of the session cookie, if r has one.
func sessionToken(r *http.Request) (string, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// cookieSafe reports whether token can be a cookie's value as it is (RFC
// 6265 cookie-octets), which every bearer token (RFC 6750) can. Anything
// else would be changed by [http.SetCookie], and logged.
func cookieSafe(token string) bool {
	for i := 0; i < len(token); i++ {
		b := token[i]
		if b <= ' ' || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// safeNext returns where to go after signing in: next if it is a viewer
// page, the list otherwise, so that the form cannot send anyone elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, rootPath) || strings.Contains(next, "..") || strings.ContainsAny(next, "\\\r\n\t") {
		return rootPath
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" ||
		u.Path == loginPath || u.Path == logoutPath {
		return rootPath
	}
	return next
}
