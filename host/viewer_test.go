// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
)

// viewerGet asks base for the trace list as the caller with token (none
// when empty), with the Host header host (the URL's when empty).
func viewerGet(t *testing.T, base, hostHeader, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/traces/api/traces", nil)
	if hostHeader != "" {
		req.Host = hostHeader
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestViewerAccess reads the trace viewer's API as the callers each
// configuration lets in, and as those it must refuse: strangers, unlisted
// callers and pages of another site that resolve to the host (DNS
// rebinding).
func TestViewerAccess(t *testing.T) {
	alice, bob := userToken(t, "user:default/alice"), userToken(t, "user:default/bob")

	t.Run("loopback, no viewers", func(t *testing.T) {
		h := startHost(t, "")
		// A trace to find, so that a refused answer cannot be mistaken for
		// an empty list.
		h.do(t, "GET", "/api/todos/", "", "")
		for _, tc := range []struct {
			host   string
			status int
		}{
			{"", http.StatusOK},
			{"localhost:7007", http.StatusOK},
			{"127.0.0.1", http.StatusOK},
			{"[::1]:7007", http.StatusOK},
			{"evil.example", http.StatusForbidden},
			{"evil.example:7007", http.StatusForbidden},
			{"127.0.0.1.evil.example", http.StatusForbidden},
			{"localhost.evil.example", http.StatusForbidden},
		} {
			status, body := viewerGet(t, h.URL(), tc.host, "")
			if status != tc.status {
				t.Errorf("Host %q: %d %s, want %d", tc.host, status, body, tc.status)
			}
			if status != http.StatusOK && strings.Contains(body, "traceId") {
				t.Errorf("Host %q: refused, but the body holds traces: %s", tc.host, body)
			}
		}
	})

	t.Run("viewers named", func(t *testing.T) {
		h := startHost(t, "embedded: {viewers: [user:default/alice]}")
		h.do(t, "GET", "/api/todos/", "", "")
		for _, tc := range []struct {
			name, token string
			status      int
		}{
			{"anonymous", "", http.StatusUnauthorized},
			{"invalid token", "garbage", http.StatusUnauthorized},
			{"unlisted user", bob, http.StatusForbidden},
			{"unlisted service", staticToken, http.StatusForbidden},
			{"listed user", alice, http.StatusOK},
		} {
			status, body := viewerGet(t, h.URL(), "", tc.token)
			if status != tc.status {
				t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.status)
			}
			if status != http.StatusOK && strings.Contains(body, "traceId") {
				t.Errorf("%s: refused, but the body holds traces: %s", tc.name, body)
			}
		}
	})

	t.Run("every interface, no viewers", func(t *testing.T) {
		srv, logs := serveHandler(t, "backend:\n  listen: 0.0.0.0:7007\n")
		if status, body := viewerGet(t, srv.URL, "", alice); status != http.StatusNotFound {
			t.Errorf("viewer off: %d %s, want 404", status, body)
		}
		if !strings.Contains(logs.String(), "backend.tracing.embedded.viewers") {
			t.Errorf("the log does not say how to turn the viewer on:\n%s", logs.String())
		}
	})

	t.Run("every interface, any caller", func(t *testing.T) {
		srv, _ := serveHandler(t, "backend:\n  listen: 0.0.0.0:7007\n  tracing:\n    embedded: {viewers: [\"*\"]}\n")
		if status, body := viewerGet(t, srv.URL, "", ""); status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d %s, want 401", status, body)
		}
		for _, token := range []string{alice, staticToken} {
			if status, body := viewerGet(t, srv.URL, "", token); status != http.StatusOK {
				t.Errorf("any caller: %d %s, want 200", status, body)
			}
		}
	})
}

// serveHandler builds a host from yaml (plus the test secrets) without
// listening on its backend.listen, and serves its handler on loopback.
func serveHandler(t *testing.T, yaml string) (*httptest.Server, *syncbuf.Buffer) {
	t.Helper()
	yaml += "  auth:\n    externalAccess: [{token: " + staticToken + ", subject: external:nightly}]\n" +
		"    userTokens: {secret: " + testSecret + "}\n"
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(noEnv))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	logs := &syncbuf.Buffer{}
	h, err := host.New(context.Background(), cfg, host.WithLogger(slog.New(slog.NewJSONHandler(logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = h.Shutdown(context.Background())
	})
	return srv, logs
}
