// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/traceview"
)

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(body)}
}

// decodeJSON checks that r is JSON and decodes it.
func decodeJSON(t *testing.T, r response) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func keys(m any) []string {
	return slices.Sorted(maps.Keys(m.(map[string]any)))
}

func TestAPIListShape(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	srv := serve(t, s)

	r := do(t, "GET", srv.URL+"/traces/api/traces")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	body := decodeJSON(t, r)
	if got := keys(body); !slices.Equal(got, []string{"traces"}) {
		t.Errorf("top-level keys %v, want [traces]", got)
	}
	traces := body["traces"].([]any)
	if len(traces) != 1 {
		t.Fatalf("%d traces, want 1", len(traces))
	}
	tr := traces[0].(map[string]any)
	wantKeys := []string{"durationMs", "errorCount", "plugins", "rootName", "spanCount", "startTime", "traceId"}
	if got := keys(tr); !slices.Equal(got, wantKeys) {
		t.Errorf("trace keys %v, want %v", got, wantKeys)
	}
	want := map[string]any{
		"traceId":    traceID(1).String(),
		"rootName":   "GET /api/weather/forecast",
		"startTime":  "2026-03-14T15:09:26.535897932Z",
		"durationMs": 48.0,
		"spanCount":  5.0,
		"errorCount": 1.0,
		"plugins":    []any{"weather"},
	}
	for k, v := range want {
		if got, _ := json.Marshal(tr[k]); string(got) != mustJSON(t, v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(t, v))
		}
	}
}

func TestAPIListEmpty(t *testing.T) {
	srv := serve(t, newStore(t, 100))
	r := do(t, "GET", srv.URL+"/traces/api/traces")
	if strings.TrimSpace(r.body) != `{"traces":[]}` {
		t.Errorf("empty store: %s, want {\"traces\":[]}", r.body)
	}
	// A trace with no plugin lists "plugins": [], not null.
	s := newStore(t, 100)
	export(t, s, newSpan(1, 0, -1, "GET /healthz", baseTime, time.Millisecond))
	r = do(t, "GET", serve(t, s).URL+"/traces/api/traces")
	if !strings.Contains(r.body, `"plugins":[]`) {
		t.Errorf("trace without plugins: %s", r.body)
	}
}

func TestAPIListFilters(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(0, baseTime)...) // 48ms, error, plugin weather
	export(t, s, newSpan(1, 0, -1, "list todos", baseTime.Add(time.Second), 5*time.Millisecond, plugin("todos")))
	export(t, s, newSpan(2, 0, -1, "GET /healthz", baseTime.Add(2*time.Second), time.Millisecond))
	srv := serve(t, s)

	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{2, 1, 0}},
		{"plugin=todos", []int{1}},
		{"service=weather", []int{0}},
		{"error=true", []int{0}},
		{"error=false", []int{2, 1}},
		{"minDuration=5ms", []int{1, 0}},
		{"minDuration=5", []int{1, 0}}, // a bare number is milliseconds
		{"minDuration=0.048s", []int{0}},
		{"minDuration=", []int{2, 1, 0}}, // empty: no filter
		{"limit=2", []int{2, 1}},
		{"plugin=weather&error=true&minDuration=10ms&limit=5&unknown=x", []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, "GET", srv.URL+"/traces/api/traces?"+tt.query)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var got []int
			for _, tr := range decodeJSON(t, r)["traces"].([]any) {
				got = append(got, traceIndex(t, tr.(map[string]any)["traceId"].(string)))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("traces %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAPIListBadFilters(t *testing.T) {
	srv := serve(t, newStore(t, 100))
	tests := []struct{ query, param, value string }{
		{"error=maybe", "error", "maybe"},
		{"minDuration=fast", "minDuration", "fast"},
		{"minDuration=-5ms", "minDuration", "-5ms"},
		{"minDuration=-1", "minDuration", "-1"},
		{"minDuration=NaN", "minDuration", "NaN"},
		{"limit=0", "limit", "0"},
		{"limit=-3", "limit", "-3"},
		{"limit=ten", "limit", "ten"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, "GET", srv.URL+"/traces/api/traces?"+tt.query)
			if r.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", r.status)
			}
			msg, _ := decodeJSON(t, r)["error"].(string)
			if !strings.Contains(msg, tt.param) || !strings.Contains(msg, `"`+tt.value+`"`) {
				t.Errorf("error %q does not name %s and %q", msg, tt.param, tt.value)
			}
		})
	}
}

var rfc3339Nano = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$`)

func TestAPITraceShape(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	srv := serve(t, s)

	r := do(t, "GET", srv.URL+"/traces/api/traces/"+traceID(1).String())
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	body := decodeJSON(t, r)
	if got := keys(body); !slices.Equal(got, []string{"spans", "traceId"}) {
		t.Errorf("top-level keys %v", got)
	}
	spans := body["spans"].([]any)
	if len(spans) != weatherSpans {
		t.Fatalf("%d spans, want %d", len(spans), weatherSpans)
	}
	wantKeys := []string{"attributes", "endTime", "events", "kind", "links", "name", "parentSpanId", "resource", "scope", "spanId", "startTime", "status", "traceId"}
	for _, sp := range spans {
		sp := sp.(map[string]any)
		if got := keys(sp); !slices.Equal(got, wantKeys) {
			t.Errorf("span keys %v, want %v", got, wantKeys)
		}
		if got := keys(sp["status"]); !slices.Equal(got, []string{"code", "message"}) {
			t.Errorf("status keys %v", got)
		}
		if got := keys(sp["scope"]); !slices.Equal(got, []string{"name", "schemaUrl", "version"}) {
			t.Errorf("scope keys %v", got)
		}
		for _, k := range []string{"startTime", "endTime"} {
			if ts := sp[k].(string); !rfc3339Nano.MatchString(ts) {
				t.Errorf("%s = %q, not RFC 3339 in UTC", k, ts)
			}
		}
		for _, k := range []string{"events", "links"} {
			if _, ok := sp[k].([]any); !ok {
				t.Errorf("%s = %v, want an array", k, sp[k])
			}
		}
	}

	up := spans[spanUpstream].(map[string]any)
	checks := map[string]string{
		"traceId":      `"` + traceID(1).String() + `"`,
		"spanId":       `"` + spanID(1, spanUpstream).String() + `"`,
		"parentSpanId": `"` + spanID(1, spanFetch).String() + `"`,
		"name":         `"GET"`,
		"kind":         `"client"`,
		"startTime":    `"2026-03-14T15:09:26.540897932Z"`,
		"endTime":      `"2026-03-14T15:09:26.575897932Z"`,
		"status":       `{"code":"error","message":"upstream answered 503"}`,
		"attributes":   `{"http.response.status_code":503,"plugtrace.plugin.id":"weather","retry.backoff_s":0.25}`,
		"events":       `[{"attributes":{"exception.message":"upstream answered 503","exception.type":"*httpclient.StatusError"},"name":"exception","time":"2026-03-14T15:09:26.574897932Z"}]`,
		"links":        `[]`,
		"scope":        `{"name":"github.com/plugtrace/plugtrace/host","schemaUrl":"","version":""}`,
		"resource":     `{"process.pid":4242,"service.name":"weather"}`,
	}
	for k, want := range checks {
		if got := mustJSON(t, up[k]); got != want {
			t.Errorf("%s = %s\nwant %s", k, got, want)
		}
	}
	if root := spans[spanHTTPServer].(map[string]any); root["parentSpanId"] != "" || root["kind"] != "server" {
		t.Errorf("root: parentSpanId %v, kind %v", root["parentSpanId"], root["kind"])
	}
	if fetch := spans[spanFetch].(map[string]any); mustJSON(t, fetch["status"]) != `{"code":"unset","message":""}` {
		t.Errorf("fetch status = %v", fetch["status"])
	}
}

// A span's links name the other span, of this trace or another, with the
// link's attributes.
func TestAPITraceLinks(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	export(t, s, linkedTrace(2, baseTime.Add(time.Second), 1)...)
	srv := serve(t, s)

	r := do(t, "GET", srv.URL+"/traces/api/traces/"+traceID(2).String())
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	spans := decodeJSON(t, r)["spans"].([]any)
	want := []string{
		spanLinkedRoot: `[{"attributes":{"plugtrace.link.reason":"untrusted caller"},` +
			`"spanId":"` + spanID(1, spanHTTPServer).String() + `","traceId":"` + traceID(1).String() + `"}]`,
		spanLinkedRetry: `[{"attributes":{},"spanId":"` + spanID(2, spanLinkedRoot).String() + `","traceId":"` + traceID(2).String() + `"},` +
			`{"attributes":{"retry.attempt":2,"retry.last":true},` +
			`"spanId":"` + spanID(1, spanUpstream).String() + `","traceId":"` + traceID(1).String() + `"}]`,
	}
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d", len(spans), len(want))
	}
	for i, sp := range spans {
		if got := mustJSON(t, sp.(map[string]any)["links"]); got != want[i] {
			t.Errorf("span %d: links = %s\nwant %s", i, got, want[i])
		}
	}
}

func TestAPITraceErrors(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	srv := serve(t, s)
	tests := []struct {
		id     string
		status int
	}{
		{traceID(1).String(), http.StatusOK},
		{strings.ToUpper(traceID(1).String()), http.StatusOK},
		{traceID(2).String(), http.StatusNotFound},
		{"abc", http.StatusBadRequest},
		{strings.Repeat("0", 32), http.StatusBadRequest},
		{strings.Repeat("g", 32), http.StatusBadRequest},
		{traceID(1).String() + "00", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := do(t, "GET", srv.URL+"/traces/api/traces/"+tt.id)
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			body := decodeJSON(t, r)
			if tt.status != http.StatusOK {
				if msg, _ := body["error"].(string); !strings.Contains(msg, tt.id) && !strings.Contains(msg, strings.ToLower(tt.id)) {
					t.Errorf("error %q does not name the id", msg)
				}
			}
		})
	}
}

func TestAPIErrorsAreJSON(t *testing.T) {
	srv := serve(t, newStore(t, 100))
	tests := []struct {
		method, path string
		status       int
	}{
		{"POST", "/traces/api/traces", http.StatusMethodNotAllowed},
		{"DELETE", "/traces/api/traces/" + traceID(1).String(), http.StatusMethodNotAllowed},
		{"GET", "/traces/api/spans", http.StatusNotFound},
		{"GET", "/traces/api/traces/" + traceID(1).String() + "/spans", http.StatusNotFound},
	}
	for _, tt := range tests {
		r := do(t, tt.method, srv.URL+tt.path)
		if r.status != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, r.status, tt.status)
		}
		if msg, _ := decodeJSON(t, r)["error"].(string); msg == "" {
			t.Errorf("%s %s: no error message in %s", tt.method, tt.path, r.body)
		}
	}
}

func TestPagesAndAssets(t *testing.T) {
	s := newStore(t, 100)
	export(t, s, weatherTrace(1, baseTime)...)
	srv := serve(t, s)
	tests := []struct {
		path, contentType string
		status            int
	}{
		{"/traces/", "text/html; charset=utf-8", http.StatusOK},
		{"/traces/trace/" + traceID(1).String(), "text/html; charset=utf-8", http.StatusOK},
		{"/traces/trace/" + traceID(9).String(), "text/html; charset=utf-8", http.StatusOK}, // the page says not found
		{"/traces/trace/nothex", "text/plain; charset=utf-8", http.StatusBadRequest},
		{"/traces/static/style.css", "text/css; charset=utf-8", http.StatusOK},
		{"/traces/static/common.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/traces/static/list.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/traces/static/trace.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/traces/static/favicon.svg", "image/svg+xml", http.StatusOK},
		{"/traces/static/", "", http.StatusNotFound},
		{"/traces/static/missing.js", "", http.StatusNotFound},
		{"/traces/elsewhere", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		r := do(t, "GET", srv.URL+tt.path)
		if r.status != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.path, r.status, tt.status)
			continue
		}
		if tt.contentType != "" && r.header.Get("Content-Type") != tt.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, r.header.Get("Content-Type"), tt.contentType)
		}
		if strings.HasPrefix(tt.contentType, "text/html") && tt.status == http.StatusOK {
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
			}
		}
	}
}

// The UI loads nothing from the network: no CDN, no web font, no remote
// script. (The SVG namespace is a name, not a fetch.)
func TestAssetsStayLocal(t *testing.T) {
	remote := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	err := fs.WalkDir(traceview.StaticFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(traceview.StaticFiles(), path)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(b), `xmlns="http://www.w3.org/2000/svg"`, "")
		for _, m := range remote.FindAllString(text, -1) {
			t.Errorf("%s refers to %s", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
