// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/otlptest"
)

// request is one request of a security table: method, path, the
// Authorization header (absent when nil) and a body.
type request struct {
	method, path string
	authz        *string
	body         string
}

func header(v string) *string { return &v }

func bearer(token string) *string { return header("Bearer " + token) }

// send sends req to h without following redirects and returns the status
// and body.
func (h *testHost) send(t *testing.T, req request) (int, string) {
	t.Helper()
	r, err := http.NewRequest(req.method, h.URL()+req.path, strings.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	if req.authz != nil {
		r.Header["Authorization"] = []string{*req.authz}
	}
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// jsonError returns the "error" of a JSON error body, or "" if body is not
// one.
func jsonError(body string) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &e) != nil {
		return ""
	}
	return e.Error
}

// TestRoutesNeedACaller tries to reach plugin code without credentials, or
// with credentials that are not quite credentials. Every such request gets
// a 401 JSON answer and runs no plugin code; open routes answer anonymous
// callers, never invalid ones.
func TestRoutesNeedACaller(t *testing.T) {
	h := startHostYAML(t, hostYAML{auth: `publicRoutes: ["GET /api/probe/items/{id}"]`})
	alice := userToken(t, "user:default/alice")
	expired, _ := auth.MintUserToken([]byte(testSecret), "user:default/alice", time.Minute, time.Now().Add(-time.Hour))
	refused := []struct {
		name string
		req  request
	}{
		{"no credentials", request{"GET", "/api/probe/count", nil, ""}},
		{"empty Authorization header", request{"GET", "/api/probe/count", header(""), ""}},
		{"blank Authorization header", request{"GET", "/api/probe/count", header("   "), ""}},
		{"Bearer without a token", request{"GET", "/api/probe/count", header("Bearer "), ""}},
		{"Basic credentials", request{"GET", "/api/probe/count", header("Basic YWxpY2U6c2VjcmV0"), ""}},
		{"garbage token", request{"GET", "/api/probe/count", bearer("garbage"), ""}},
		{"expired token", request{"GET", "/api/probe/count", bearer(expired), ""}},
		{"anonymous panic route", request{"GET", "/api/probe/panic", nil, ""}},
		{"anonymous POST to an open list", request{"POST", "/api/todos/", nil, `{"title":"from a web page"}`}},
		{"invalid token on an open route", request{"GET", "/api/todos/", bearer("garbage"), ""}},
		{"invalid token on an operator's open route", request{"GET", "/api/probe/items/1", bearer(expired), ""}},
		{"plugin list", request{"GET", "/api/plugins", nil, ""}},
		{"plugin list, empty header", request{"GET", "/api/plugins", header(""), ""}},
		{"open route's neighbour", request{"GET", "/api/probe/items/1/more", nil, ""}},
		{"open GET, other method", request{"DELETE", "/api/probe/items/1", nil, ""}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.send(t, tc.req)
			if status != http.StatusUnauthorized || jsonError(body) == "" {
				t.Fatalf("%s %s: %d %s, want 401 with a JSON error", tc.req.method, tc.req.path, status, body)
			}
		})
	}
	if n := h.probe.calls.Load(); n != 0 {
		t.Fatalf("plugin code ran %d times for refused requests", n)
	}
	if status, body := h.do(t, "GET", "/api/todos/", alice, ""); status != http.StatusOK || strings.Contains(body, "from a web page") {
		t.Fatalf("the refused POST reached the to-do list: %d %s", status, body)
	}

	allowed := []struct {
		name   string
		req    request
		status int
	}{
		{"health", request{"GET", "/healthz", nil, ""}, http.StatusOK},
		{"the list todos opens", request{"GET", "/api/todos/", nil, ""}, http.StatusOK},
		{"an operator's open route", request{"GET", "/api/probe/items/7", nil, ""}, http.StatusNoContent},
		{"a caller", request{"GET", "/api/probe/count", bearer(alice), ""}, http.StatusNoContent},
		{"a service", request{"GET", "/api/probe/count", bearer(staticToken), ""}, http.StatusNoContent},
		{"plugin list for a caller", request{"GET", "/api/plugins", bearer(alice), ""}, http.StatusOK},
	}
	for _, tc := range allowed {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := h.send(t, tc.req); status != tc.status {
				t.Fatalf("%s %s: %d %s, want %d", tc.req.method, tc.req.path, status, body, tc.status)
			}
		})
	}
	if n := h.probe.calls.Load(); n != 2 {
		t.Fatalf("plugin code ran %d times, want 2 (the authenticated calls)", n)
	}

	// An anonymous caller of an open route is principal none.
	principals := map[string]bool{}
	for _, s := range otlptest.ByName(h.flushed(t), "todos.list") {
		principals[s.Attributes["plugtrace.principal.type"]] = true
	}
	if !principals["none"] || !principals["user"] || len(principals) != 2 {
		t.Errorf("todos.list principals %v, want none (anonymous) and user (alice)", principals)
	}
}

// TestUnauthorizedRevealsNothing checks that a 401 tells the caller what to
// do, never why a token failed: no parser detail, no claim, no token.
func TestUnauthorizedRevealsNothing(t *testing.T) {
	h := startHost(t, "")
	badSub, _ := auth.MintUserToken([]byte(testSecret), "user:default/alice", time.Hour, time.Now())
	expired, _ := auth.MintUserToken([]byte(testSecret), "user:default/mallory", time.Minute, time.Now().Add(-time.Hour))
	for name, token := range map[string]string{
		"garbage": "garbage.token.here", "expired": expired, "tampered": badSub + "x",
	} {
		status, body := h.send(t, request{"GET", "/api/probe/count", bearer(token), ""})
		if status != http.StatusUnauthorized || jsonError(body) != "invalid credentials" {
			t.Errorf("%s: %d %s, want 401 {\"error\":\"invalid credentials\"}", name, status, body)
		}
		for _, secret := range []string{token, "mallory", "malformed", "expired", "signature"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the 401 body %s reveals %q", name, body, secret)
			}
		}
		if strings.Contains(h.logs.String(), token) {
			t.Errorf("%s: the log holds the token", name)
		}
	}
	if !strings.Contains(h.logs.String(), "request refused: invalid credentials") {
		t.Errorf("the log does not say why requests were refused:\n%s", h.logs.String())
	}
}

// TestTrustIncomingContext sends a traceparent with and without
// credentials, and checks whose trace the server span joins.
func TestTrustIncomingContext(t *testing.T) {
	const (
		callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		callerSpan  = "00f067aa0ba902b7"
	)
	alice := ""
	for _, tc := range []struct {
		trust                       string
		anonymousJoins, callerJoins bool
	}{
		{"", false, true}, // the default: authenticated
		{"trustIncomingContext: authenticated", false, true},
		{"trustIncomingContext: always", true, true},
		{"trustIncomingContext: never", false, false},
	} {
		t.Run(tc.trust, func(t *testing.T) {
			h := startHost(t, tc.trust)
			if alice == "" {
				alice = userToken(t, "user:default/alice")
			}
			for _, caller := range []struct {
				token string
				joins bool
			}{{"", tc.anonymousJoins}, {alice, tc.callerJoins}} {
				req, _ := http.NewRequest(http.MethodGet, h.URL()+"/api/todos/", nil)
				req.Header.Set("Traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
				if caller.token != "" {
					req.Header.Set("Authorization", "Bearer "+caller.token)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				s := one(t, h.flushed(t), "GET /api/todos/")
				h.rec.Reset()
				joined := s.TraceID == callerTrace && s.ParentSpanID == callerSpan
				if joined != caller.joins {
					t.Fatalf("authenticated %v: server span trace %s parent %s; joined %v, want %v",
						caller.token != "", s.TraceID, s.ParentSpanID, joined, caller.joins)
				}
				if !joined {
					if s.ParentSpanID != "" {
						t.Fatalf("a new trace's root has parent %s", s.ParentSpanID)
					}
					if len(s.Links) != 1 || s.Links[0].TraceID != callerTrace || s.Links[0].SpanID != callerSpan {
						t.Fatalf("the new root links to %+v, want the caller's context", s.Links)
					}
				}
			}
		})
	}
}
