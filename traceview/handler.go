// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// Handler returns the viewer: web pages, JSON API and static assets, all
// under /traces/. Mount it with
//
//	mux.Handle("/traces/", traceview.Handler(store, opts...))
//
// JSON API:
//
//	GET /traces/api/traces?plugin=&service=&error=&minDuration=&limit=
//	    {"traces": [TraceSummary...]}, newest first; see [Query]. A bare
//	    number for minDuration is milliseconds; limit defaults to
//	    [DefaultLimit] and is capped at [MaxLimit].
//	GET /traces/api/traces/{traceId}
//	    [TraceDetail]
//
// A bad filter value or a malformed trace id (not 32 hex digits, or all
// zero) answers 400, an unknown trace id 404, both with a JSON body
// {"error": "..."} that names the culprit.
//
// # Access
//
// Without options the viewer is open to every caller, on any Host. Span
// data names users, hosts and URLs: a host that serves the viewer beyond
// its own machine gives [WithViewers] and [WithAuthenticator], and one on a
// loopback listener at least [WithLocalAccess]. With either:
//
//   - With [WithLocalAccess], a request whose Host is not a loopback name
//     or address answers 403, whatever else it carries, before anything is
//     served.
//   - The assets under /traces/static/ and the sign-in and sign-out
//     endpoints are open; every other path needs a caller the options let
//     in.
//   - Credentials come from the Authorization header or, without one, from
//     the session cookie ([SessionCookie]). Invalid credentials answer 401,
//     never anonymous.
//   - A caller without credentials is let in with [WithLocalAccess];
//     otherwise the API answers 401 and a page redirects (303) to
//     /traces/login?next=<the page>.
//   - With [WithViewers], a caller with credentials who is not listed
//     answers 403; with both options too. Without WithViewers, any caller
//     with valid credentials is let in.
//
// The API's refusals are JSON {"error": "..."}; 401s carry a
// WWW-Authenticate: Bearer challenge. A page refused for invalid or
// unlisted credentials answers with the sign-in page, with that status and
// a line that says why.
//
// # Signing in
//
// With [WithViewers] the handler serves a sign-in page for browsers:
//
//	GET  /traces/login     the form: one field, the token
//	POST /traces/login     form field token: checked with the authenticator
//	                       and the viewers; on success the session cookie,
//	                       and 303 to the page the browser came from, or
//	                       /traces/; on failure the form again, 401 (403
//	                       for a valid token that is not a viewer's)
//	POST /traces/logout    drops the cookie; 303 to /traces/login
//
// The cookie holds the token itself, for the browser session: HttpOnly,
// SameSite=Strict, Path=/traces/, and Secure when the request came over
// TLS. A request with the cookie and no Authorization header is
// authenticated as if it carried "Authorization: Bearer <token>", so the
// token's own expiry ends the sign-in. Sign-in and sign-out sent from
// another site are refused (403; see [http.CrossOriginProtection]). Pages
// of a signed-in browser show who is signed in and a Sign out button. No
// answer contains a token, and the viewer logs nothing.
func Handler(store *Store, opts ...HandlerOption) http.Handler {
	var cfg handlerConfig
	for _, o := range opts {
		if o != nil {
			cfg = o.apply(cfg)
		}
	}
	h := &handler{store: store, cfg: cfg, crossOrigin: http.NewCrossOriginProtection()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /traces/{$}", h.listPage)
	mux.HandleFunc("GET /traces/trace/{traceId}", h.tracePage)
	mux.Handle("GET /traces/static/", http.StripPrefix("/traces/static/", staticHandler()))
	// The API patterns take every method, so that a wrong one gets a JSON
	// answer like every other API error.
	mux.HandleFunc("/traces/api/traces", h.listTraces)
	mux.HandleFunc("/traces/api/traces/{traceId}", h.getTrace)
	mux.HandleFunc("/traces/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no API endpoint at "+r.URL.Path)
	})
	if cfg.viewersSet {
		mux.HandleFunc("GET "+loginPath, h.loginPage)
		mux.HandleFunc("POST "+loginPath, h.login)
		mux.HandleFunc("POST "+logoutPath, h.logout)
	}
	if !cfg.restricted() {
		return mux
	}
	return h.guard(mux)
}

type handler struct {
	store       *Store
	cfg         handlerConfig
	crossOrigin *http.CrossOriginProtection
}

func (h *handler) listPage(w http.ResponseWriter, r *http.Request) {
	servePage(w, http.StatusOK, "index.html", viewerPage(r))
}

func (h *handler) tracePage(w http.ResponseWriter, r *http.Request) {
	// The page loads the trace itself, and tells whether it is unknown; a
	// malformed id is caught here so that the address bar shows the error.
	if _, err := parseTraceID(r.PathValue("traceId")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	servePage(w, http.StatusOK, "trace.html", viewerPage(r))
}

func (h *handler) listTraces(w http.ResponseWriter, r *http.Request) {
	if !allowGET(w, r) {
		return
	}
	q, err := parseQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, traceList{Traces: h.store.Traces(q)})
}

type traceList struct {
	Traces []TraceSummary `json:"traces"`
}

func (h *handler) getTrace(w http.ResponseWriter, r *http.Request) {
	if !allowGET(w, r) {
		return
	}
	id, err := parseTraceID(r.PathValue("traceId"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	t, ok := h.store.Trace(id)
	if !ok {
		writeError(w, http.StatusNotFound, "trace "+id.String()+" not found: not received yet, or evicted")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func allowGET(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Attribute values are made JSON-safe at conversion; this would be
		// a bug, so say so rather than send half a document.
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{Error: "encoding the answer: " + err.Error()})
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // an error means the client went away
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// contentSecurityPolicy lets the pages load only their own assets and call
// only this API: span data is plugin-controlled, and the viewer must not be
// a way to run it as code or send it elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// pageData is what the page templates fill in.
type pageData struct {
	SignedIn  bool   // through the session cookie: the page offers to sign out
	Principal string // who is signed in
	Message   string // the sign-in page: what went wrong
	Next      string // the sign-in page: where to go on success
}

// viewerPage is the data of a viewer page for the caller of r.
func viewerPage(r *http.Request) pageData {
	c := callerFrom(r.Context())
	return pageData{SignedIn: c.byCookie, Principal: c.creds.PrincipalID()}
}

func servePage(w http.ResponseWriter, status int, name string, data pageData) {
	var body bytes.Buffer
	if err := pages.ExecuteTemplate(&body, name, data); err != nil {
		// The templates are parsed at start-up: this would be a bug.
		http.Error(w, "page "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("Cache-Control", "no-cache")
	if data.SignedIn || name == "login.html" {
		hdr.Set("Cache-Control", "no-store") // it names the caller
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes()) // an error means the client went away
}

// staticHandler serves the embedded assets, without directory listings.
func staticHandler() http.Handler {
	files := http.FileServerFS(staticFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The pages are templates, served at their own paths.
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".html") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
