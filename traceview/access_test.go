// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/traceview"
	fx "github.com/plugtrace/plugtrace/traceview/internal/fixture"
)

// viewer is a viewer behind access options, with the tokens of its callers.
// Every answer it gets is checked for them: no response may contain a token.
type viewer struct {
	srv *httptest.Server
	// User tokens: alice is a listed viewer in the tests that list her, bob
	// never is; expired was alice's.
	alice, bob, expired string
	tokens              []string
}

func newViewer(t *testing.T, opts ...traceview.HandlerOption) *viewer {
	t.Helper()
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	expired, err := auth.MintUserToken(fx.UserTokenSecret, "user:default/alice", time.Hour, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer{
		srv:     serve(t, s, opts...),
		alice:   fx.UserToken(t, "user:default/alice"),
		bob:     fx.UserToken(t, "user:default/bob"),
		expired: expired,
	}
	v.tokens = []string{v.alice, v.bob, v.expired, fx.OpsToken, fx.CIToken}
	return v
}

// noRedirects lets the tests see the viewer's redirects.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type requestOption func(*http.Request)

func bearer(token string) requestOption {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func header(key, value string) requestOption {
	return func(r *http.Request) { r.Header.Set(key, value) }
}

func host(h string) requestOption { return func(r *http.Request) { r.Host = h } }

func cookie(c *http.Cookie) requestOption { return func(r *http.Request) { r.AddCookie(c) } }

func (v *viewer) get(t *testing.T, path string, opts ...requestOption) response {
	t.Helper()
	return v.send(t, http.MethodGet, path, nil, opts...)
}

// post sends form as a browser's form would, from the viewer's own page.
func (v *viewer) post(t *testing.T, path string, form url.Values, opts ...requestOption) response {
	t.Helper()
	opts = append([]requestOption{header("Sec-Fetch-Site", "same-origin")}, opts...)
	return v.send(t, http.MethodPost, path, form, opts...)
}

func (v *viewer) send(t *testing.T, method, path string, form url.Values, opts ...requestOption) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, v.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range v.tokens {
		if strings.Contains(string(b), tok) {
			t.Errorf("%s %s: the answer contains a token:\n%s", method, path, b)
		}
	}
	return response{res.StatusCode, res.Header, string(b)}
}

// sessionCookie returns the viewer cookie r sets, or nil.
func sessionCookie(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == traceview.SessionCookie {
			return c
		}
	}
	return nil
}

var (
	listAPI   = "/traces/api/traces"
	traceAPI  = "/traces/api/traces/" + traceID(1).String()
	tracePage = "/traces/trace/" + traceID(1).String()
)

// The answer of the API to a caller it refuses: JSON, with a message.
func assertAPIError(t *testing.T, r response, status int) string {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, r.body)
	}
	msg, _ := decodeJSON(t, r)["error"].(string)
	if msg == "" {
		t.Errorf("no error message in %s", r.body)
	}
	if strings.Contains(r.body, "GET /api/weather/forecast") || strings.Contains(r.body, `"traces"`) {
		t.Errorf("a refusal shows trace data: %s", r.body)
	}
	return msg
}

// assertServed checks that r is the API's list of the weather trace, or a
// viewer page.
func assertServed(t *testing.T, path string, r response) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200: %s", path, r.status, r.body)
	}
	if strings.HasPrefix(path, "/traces/api/") {
		if !strings.Contains(r.body, traceID(1).String()) {
			t.Errorf("GET %s: %s, want the weather trace", path, r.body)
		}
	} else if !strings.Contains(r.body, `<script type="module"`) {
		t.Errorf("GET %s: not a viewer page:\n%s", path, r.body)
	}
}

func TestViewersRules(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)),
		traceview.WithViewers("user:default/alice", fx.OpsPrincipal))
	tests := []struct {
		name   string
		auth   string // the Authorization header
		status int
	}{
		{"no credentials", "", http.StatusUnauthorized},
		{"listed user", "Bearer " + v.alice, http.StatusOK},
		{"listed service", "Bearer " + fx.OpsToken, http.StatusOK},
		{"unlisted user", "Bearer " + v.bob, http.StatusForbidden},
		{"unlisted service", "Bearer " + fx.CIToken, http.StatusForbidden},
		{"invalid token", "Bearer not-a-token", http.StatusUnauthorized},
		{"expired user token", "Bearer " + v.expired, http.StatusUnauthorized},
		{"other scheme", "Basic YWxpY2U6c2VjcmV0", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []requestOption
			if tt.auth != "" {
				opts = append(opts, header("Authorization", tt.auth))
			}
			for _, path := range []string{listAPI, traceAPI, "/traces/api/spans"} {
				r := v.get(t, path, opts...)
				if tt.status == http.StatusOK {
					if path != "/traces/api/spans" {
						assertServed(t, path, r)
					}
					continue
				}
				msg := assertAPIError(t, r, tt.status)
				if tt.status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("GET %s: WWW-Authenticate %q, want a Bearer challenge", path, r.header.Get("WWW-Authenticate"))
				}
				// What failed in a token is the server's business.
				for _, detail := range []string{"malformed", "expired", "signature", "jwt", "Basic"} {
					if strings.Contains(msg, detail) {
						t.Errorf("GET %s: error %q tells %q", path, msg, detail)
					}
				}
				if tt.status == http.StatusForbidden && !strings.Contains(msg, "is not a viewer") {
					t.Errorf("GET %s: error %q, want it to say the caller is not a viewer", path, msg)
				}
			}

			for _, path := range []string{"/traces/", tracePage, "/traces/elsewhere"} {
				r := v.get(t, path, opts...)
				switch {
				case tt.status == http.StatusOK:
					if path != "/traces/elsewhere" {
						assertServed(t, path, r)
					}
				case tt.auth == "":
					// A browser without credentials is sent to sign in, and
					// back afterwards.
					want := "/traces/login"
					if path != "/traces/" {
						want += "?next=" + url.QueryEscape(path)
					}
					if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
						t.Errorf("GET %s: %d to %q, want 303 to %q", path, r.status, r.header.Get("Location"), want)
					}
				default:
					// Credentials that failed, or are not a viewer's: the
					// sign-in page says so, with the status.
					if r.status != tt.status || !strings.Contains(r.body, `id="login"`) {
						t.Errorf("GET %s: status %d, want %d with the sign-in page:\n%s", path, r.status, tt.status, r.body)
					}
					if strings.Contains(r.body, "weather") {
						t.Errorf("GET %s: a refusal shows trace data", path)
					}
				}
			}
		})
	}
}

// The assets are open: the sign-in page needs them, and every build has
// the same.
func TestViewersOpenAssets(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	for _, path := range []string{"/traces/static/style.css", "/traces/static/favicon.svg", "/traces/login"} {
		if r := v.get(t, path); r.status != http.StatusOK {
			t.Errorf("GET %s without credentials: status %d, want 200", path, r.status)
		}
	}
	// The pages are templates, served at their own paths only.
	if r := v.get(t, "/traces/static/index.html", bearer(v.alice)); r.status != http.StatusNotFound {
		t.Errorf("GET /traces/static/index.html: status %d, want 404", r.status)
	}
	// A dot segment does not reach the API through the open assets.
	if r := v.get(t, "/traces/static/../api/traces"); r.status == http.StatusOK {
		t.Errorf("GET /traces/static/../api/traces: status 200 without credentials: %s", r.body)
	}
}

func TestAnyCallerViewer(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers(traceview.AnyCaller))
	for _, tok := range []string{v.alice, v.bob, fx.OpsToken, fx.CIToken} {
		assertServed(t, listAPI, v.get(t, listAPI, bearer(tok)))
	}
	assertAPIError(t, v.get(t, listAPI), http.StatusUnauthorized)
	assertAPIError(t, v.get(t, listAPI, bearer("not-a-token")), http.StatusUnauthorized)
	assertAPIError(t, v.get(t, listAPI, bearer(v.expired)), http.StatusUnauthorized)
}

// A host that passes an empty list closes the viewer; it does not open it.
func TestNoViewersLetsNobodyIn(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers())
	assertAPIError(t, v.get(t, listAPI, bearer(v.alice)), http.StatusForbidden)
	assertAPIError(t, v.get(t, listAPI), http.StatusUnauthorized)

	// Without an authenticator nobody is anyone: every caller is anonymous.
	v = newViewer(t, traceview.WithViewers(traceview.AnyCaller))
	assertAPIError(t, v.get(t, listAPI, bearer(fx.OpsToken)), http.StatusUnauthorized)
}

func TestLocalAccessHost(t *testing.T) {
	v := newViewer(t, traceview.WithLocalAccess())
	tests := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:7007", true},
		{"localhost:7007", true},
		{"[::1]:7007", true},
		{"127.0.0.1", true},
		{"localhost", true},
		{"LocalHost:7007", true},
		{"[::1]", true},
		{"127.1.2.3:80", true},
		{"[::ffff:127.0.0.1]:7007", true},
		{"evil.example", false},
		{"evil.example:7007", false},
		{"127.0.0.1.evil.example", false},
		{"127.0.0.1.evil.example:7007", false},
		{"localhost.evil", false},
		{"app.localhost:7007", false},
		{"0.0.0.0:7007", false},
		{"10.1.2.3:7007", false},
		{"[fe80::1]:7007", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			for _, path := range []string{listAPI, traceAPI, "/traces/", tracePage, "/traces/static/style.css"} {
				r := v.get(t, path, host(tt.host))
				if tt.ok {
					if r.status != http.StatusOK {
						t.Errorf("GET %s, Host %s: status %d, want 200", path, tt.host, r.status)
					}
					continue
				}
				if r.status != http.StatusForbidden {
					t.Errorf("GET %s, Host %s: status %d, want 403", path, tt.host, r.status)
				}
				if strings.Contains(r.body, "weather") || strings.Contains(r.body, "<html") || strings.Contains(r.body, ":root") {
					t.Errorf("GET %s, Host %s: something was served: %s", path, tt.host, r.body)
				}
				if strings.HasPrefix(path, "/traces/api/") {
					assertAPIError(t, r, http.StatusForbidden)
				}
			}
		})
	}
}

// A loopback Host opens the viewer to anonymous callers, not to invalid
// credentials.
func TestLocalAccessCredentials(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithLocalAccess())
	assertServed(t, listAPI, v.get(t, listAPI))
	assertServed(t, listAPI, v.get(t, listAPI, bearer(v.bob))) // no list to be on
	assertAPIError(t, v.get(t, listAPI, bearer("not-a-token")), http.StatusUnauthorized)
	if r := v.get(t, "/traces/", bearer("not-a-token")); r.status != http.StatusUnauthorized {
		t.Errorf("a page with invalid credentials: status %d, want 401", r.status)
	}
	// Valid credentials do not make up for another Host.
	assertAPIError(t, v.get(t, listAPI, bearer(v.alice), host("evil.example")), http.StatusForbidden)
}

// With both options, an anonymous caller on a loopback Host is let in, one
// with credentials must be a viewer, and the Host check still applies.
func TestLocalAccessAndViewers(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)),
		traceview.WithLocalAccess(), traceview.WithViewers("user:default/alice"))
	assertServed(t, listAPI, v.get(t, listAPI))
	assertServed(t, listAPI, v.get(t, listAPI, bearer(v.alice)))
	assertServed(t, "/traces/", v.get(t, "/traces/", host("localhost:7007")))
	assertAPIError(t, v.get(t, listAPI, bearer(v.bob)), http.StatusForbidden)
	assertAPIError(t, v.get(t, listAPI, bearer("not-a-token")), http.StatusUnauthorized)
	assertAPIError(t, v.get(t, listAPI, bearer(v.alice), host("evil.example")), http.StatusForbidden)
	if r := v.get(t, "/traces/login", host("evil.example")); r.status != http.StatusForbidden {
		t.Errorf("the sign-in page on another Host: status %d, want 403", r.status)
	}
}

// Without access options the viewer is open, on any Host: the library's
// default, for embedders that guard it themselves.
func TestNoOptionsIsOpen(t *testing.T) {
	v := newViewer(t)
	assertServed(t, listAPI, v.get(t, listAPI, host("evil.example")))
	assertServed(t, listAPI, v.get(t, listAPI, bearer("not-a-token")))
	if r := v.get(t, "/traces/login"); r.status != http.StatusNotFound {
		t.Errorf("GET /traces/login of an open viewer: status %d, want 404", r.status)
	}
}

func TestLoginPage(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	r := v.get(t, "/traces/login?next="+url.QueryEscape(tracePage))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /traces/login: status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{`action="/traces/login" method="post"`, `name="token"`, `name="next" value="` + tracePage + `"`, "/traces/static/style.css"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the sign-in page lacks %s:\n%s", want, r.body)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if strings.Contains(r.body, `id="sign-out"`) {
		t.Error("the sign-in page offers to sign out a browser that is not signed in")
	}
}

// A browser signs in with a token, reads with the cookie, and signs out.
func TestLoginCookie(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)),
		traceview.WithViewers("user:default/alice", fx.OpsPrincipal))

	r := v.post(t, "/traces/login", url.Values{"token": {v.alice}, "next": {tracePage}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != tracePage {
		t.Fatalf("sign-in: %d to %q, want 303 to %s: %s", r.status, r.header.Get("Location"), tracePage, r.body)
	}
	c := sessionCookie(r)
	if c == nil {
		t.Fatalf("sign-in set no %s cookie: %v", traceview.SessionCookie, r.header["Set-Cookie"])
	}
	if c.Value != v.alice || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/traces/" || c.Secure {
		t.Errorf("cookie %s, want the token, HttpOnly, SameSite=Strict, Path=/traces/, not Secure over plain HTTP", c)
	}
	if c.MaxAge != 0 || !c.Expires.IsZero() {
		t.Errorf("cookie %s, want a session cookie", c)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("sign-in answer Cache-Control %q, want no-store", cc)
	}

	sent := &http.Cookie{Name: c.Name, Value: c.Value}
	assertServed(t, traceAPI, v.get(t, traceAPI, cookie(sent)))
	page := v.get(t, "/traces/", cookie(sent))
	assertServed(t, "/traces/", page)
	for _, want := range []string{`action="/traces/logout" method="post"`, `id="sign-out"`, "user:default/alice"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("a signed-in page lacks %s", want)
		}
	}
	// A client that sends the header is not signed in: nothing to sign out.
	if r := v.get(t, "/traces/", bearer(fx.OpsToken)); strings.Contains(r.body, `id="sign-out"`) {
		t.Error("a page read with Authorization offers to sign out")
	}
	// The header wins over the cookie.
	assertServed(t, listAPI, v.get(t, listAPI, cookie(&http.Cookie{Name: traceview.SessionCookie, Value: v.bob}), bearer(v.alice)))
	assertAPIError(t, v.get(t, listAPI, cookie(sent), bearer(v.bob)), http.StatusForbidden)

	r = v.post(t, "/traces/logout", nil, cookie(sent))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/traces/login" {
		t.Errorf("sign-out: %d to %q, want 303 to /traces/login", r.status, r.header.Get("Location"))
	}
	cleared := sessionCookie(r)
	if cleared == nil || cleared.Value != "" || cleared.MaxAge >= 0 || cleared.Path != "/traces/" || !cleared.HttpOnly {
		t.Errorf("sign-out cookie %v, want %s cleared for /traces/", cleared, traceview.SessionCookie)
	}
	// The browser drops the cookie; without it the viewer is closed again.
	assertAPIError(t, v.get(t, listAPI), http.StatusUnauthorized)
}

// Over TLS the cookie is Secure as well.
func TestLoginCookieOverTLS(t *testing.T) {
	s := newStore(t, 10)
	srv := httptest.NewTLSServer(traceview.Handler(s, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers(fx.OpsPrincipal)))
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = noRedirects.CheckRedirect
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/traces/login", strings.NewReader(url.Values{"token": {fx.OpsToken}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	c := sessionCookie(response{res.StatusCode, res.Header, ""})
	if res.StatusCode != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("sign-in over TLS: status %d, cookie %v; want 303 and a Secure, HttpOnly, SameSite=Strict cookie", res.StatusCode, c)
	}
	client.CloseIdleConnections()
}

func TestLoginRedirectStaysInViewer(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	tests := []struct{ next, want string }{
		{"", "/traces/"},
		{tracePage + "?x=1", tracePage + "?x=1"},
		{"/traces/?plugin=weather", "/traces/?plugin=weather"},
		{"https://evil.example/traces/", "/traces/"},
		{"//evil.example/traces/", "/traces/"},
		{"/traces/../elsewhere", "/traces/"},
		{`/traces/\evil.example`, "/traces/"},
		{"/elsewhere", "/traces/"},
		{"/traces/login", "/traces/"},
		{"/traces/logout", "/traces/"},
	}
	for _, tt := range tests {
		r := v.post(t, "/traces/login", url.Values{"token": {v.alice}, "next": {tt.next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tt.want {
			t.Errorf("next %q: %d to %q, want 303 to %q", tt.next, r.status, r.header.Get("Location"), tt.want)
		}
	}
}

func TestLoginFailures(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	tests := []struct {
		name, token string
		status      int
		message     string
	}{
		{"empty", "", http.StatusUnauthorized, "Enter a token."},
		{"spaces", "   ", http.StatusUnauthorized, "Enter a token."},
		{"invalid", "not-a-token", http.StatusUnauthorized, "That token was not accepted."},
		{"forged", v.alice + "x", http.StatusUnauthorized, "That token was not accepted."},
		{"expired", v.expired, http.StatusUnauthorized, "That token was not accepted."},
		{"not a cookie value", `a"b;c`, http.StatusUnauthorized, "That token was not accepted."},
		{"unlisted user", v.bob, http.StatusForbidden, "user:default/bob may not read these traces"},
		{"unlisted service", fx.CIToken, http.StatusForbidden, "external:ci may not read these traces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := v.post(t, "/traces/login", url.Values{"token": {tt.token}, "next": {tracePage}})
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			if !strings.Contains(r.body, `id="login"`) || !strings.Contains(r.body, tt.message) {
				t.Errorf("want the sign-in page saying %q:\n%s", tt.message, r.body)
			}
			if !strings.Contains(r.body, `value="`+tracePage+`"`) {
				t.Error("the form forgot where to go after signing in")
			}
			if c := sessionCookie(r); c != nil {
				t.Errorf("a failed sign-in set the cookie %s", c)
			}
		})
	}
}

// A page elsewhere cannot sign a browser in, to a token of its choosing.
func TestLoginRefusesCrossSite(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	form := url.Values{"token": {v.alice}}
	self := "http://" + strings.TrimPrefix(v.srv.URL, "http://")
	tests := []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, true},
		{"typed by the user", map[string]string{"Sec-Fetch-Site": "none"}, true},
		{"not a browser", map[string]string{}, true},
		{"old browser, same origin", map[string]string{"Origin": self}, true},
		{"cross site", map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"same site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost"}, false},
		{"old browser, other origin", map[string]string{"Origin": "http://evil.example"}, false},
		{"opaque origin", map[string]string{"Origin": "null"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []requestOption
			for k, val := range tt.headers {
				opts = append(opts, header(k, val))
			}
			r := v.send(t, http.MethodPost, "/traces/login", form, opts...)
			if tt.ok {
				if r.status != http.StatusSeeOther || sessionCookie(r) == nil {
					t.Errorf("status %d, cookie %v; want 303 and the cookie", r.status, sessionCookie(r))
				}
				return
			}
			if r.status != http.StatusForbidden || sessionCookie(r) != nil {
				t.Errorf("status %d, cookie %v; want 403 and no cookie", r.status, sessionCookie(r))
			}
		})
	}
	// Nor sign it out.
	r := v.send(t, http.MethodPost, "/traces/logout", nil, header("Sec-Fetch-Site", "cross-site"))
	if r.status != http.StatusForbidden || sessionCookie(r) != nil {
		t.Errorf("cross-site sign-out: status %d, cookie %v; want 403 and no cookie", r.status, sessionCookie(r))
	}
}

// A cookie that no longer holds a valid token is dropped, and the browser
// asked to sign in again.
func TestInvalidCookie(t *testing.T) {
	v := newViewer(t, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	for _, value := range []string{"not-a-token", v.expired} {
		stale := &http.Cookie{Name: traceview.SessionCookie, Value: value}
		r := v.get(t, listAPI, cookie(stale))
		assertAPIError(t, r, http.StatusUnauthorized)
		if c := sessionCookie(r); c == nil || c.MaxAge >= 0 {
			t.Errorf("API: cookie %v, want it cleared", c)
		}
		r = v.get(t, tracePage, cookie(stale))
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Sign in again") {
			t.Errorf("page: status %d, want 401 and the sign-in page:\n%s", r.status, r.body)
		}
		if c := sessionCookie(r); c == nil || c.MaxAge >= 0 {
			t.Errorf("page: cookie %v, want it cleared", c)
		}
	}
	// A cookie of a caller who is not a viewer stays: it is valid, and
	// the sign-in page lets the person replace it.
	r := v.get(t, "/traces/", cookie(&http.Cookie{Name: traceview.SessionCookie, Value: v.bob}))
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "signed in as user:default/bob") || sessionCookie(r) != nil {
		t.Errorf("unlisted cookie: status %d, cookie %v:\n%s", r.status, sessionCookie(r), r.body)
	}
}
