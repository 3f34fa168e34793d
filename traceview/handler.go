// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
)

// Handler returns the viewer: web pages, JSON API and static assets, all
// under /traces/. Mount it with
//
//	mux.Handle("/traces/", traceview.Handler(store))
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
func Handler(store *Store) http.Handler {
	h := &handler{store: store}
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
	return mux
}

type handler struct {
	store *Store
}

func (h *handler) listPage(w http.ResponseWriter, r *http.Request) {
	servePage(w, "index.html")
}

func (h *handler) tracePage(w http.ResponseWriter, r *http.Request) {
	// The page loads the trace itself, and tells whether it is unknown; a
	// malformed id is caught here so that the address bar shows the error.
	if _, err := parseTraceID(r.PathValue("traceId")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	servePage(w, "trace.html")
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

func servePage(w http.ResponseWriter, name string) {
	body, err := fs.ReadFile(staticFiles, name)
	if err != nil {
		http.Error(w, "page missing from the build: "+name, http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body) // an error means the client went away
}

// staticHandler serves the embedded assets, without directory listings.
func staticHandler() http.Handler {
	files := http.FileServerFS(staticFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
