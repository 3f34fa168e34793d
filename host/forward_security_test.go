// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/otlptest"
)

// rawResponse is a response as the host wrote it on the wire.
type rawResponse struct {
	status int
	header textproto.MIMEHeader // the header lines as sent, not as a client reads them
	body   string               // decoded from the framing the host chose
}

// exchange sends GET target to the host, written by hand so that the
// request carries exactly headerLines, and reads the response as written.
func exchange(t *testing.T, h *testHost, target string, headerLines ...string) rawResponse {
	t.Helper()
	conn, err := net.Dial("tcp", h.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", target, h.Addr())
	for _, l := range headerLines {
		req.WriteString(l + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	resp, err := http.ReadResponse(bufio.NewReader(io.TeeReader(conn, &raw)), nil)
	if err != nil {
		t.Fatalf("GET %s: reading the response: %v; read so far %q", target, err, raw.String())
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v; read so far %q", target, err, raw.String())
	}
	head, _, _ := bytes.Cut(raw.Bytes(), []byte("\r\n\r\n"))
	tp := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(head), strings.NewReader("\r\n\r\n"))))
	if _, err := tp.ReadLine(); err != nil { // the status line
		t.Fatal(err)
	}
	header, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("response head %q: %v", head, err)
	}
	return rawResponse{status: resp.StatusCode, header: header, body: string(body)}
}

// records returns the host's JSON log records written after offset.
func records(t *testing.T, h *testHost, offset int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(h.logs.String()[offset:], "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log record: %s", line)
		}
		out = append(out, rec)
	}
	return out
}

// withPluginID returns the records of plugin id whose message contains msg.
func withPluginID(recs []map[string]any, id, msg string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if m, _ := r["msg"].(string); r["plugin_id"] == id && strings.Contains(m, msg) {
			out = append(out, r)
		}
	}
	return out
}

// forEachRaw runs test against a host with the raw test plugin of each
// protocol version, as plugin raw: the forwarding rules hold in both.
func forEachRaw(t *testing.T, test func(t *testing.T, h *testHost, version int)) {
	t.Helper()
	for _, raw := range []struct {
		version int
		plugin  string
	}{{1, "raw"}, {2, "raw-v2"}} {
		t.Run(fmt.Sprintf("protocol %d", raw.version), func(t *testing.T) {
			test(t, startHostWith(t, "", externalPlugin("raw", raw.plugin)), raw.version)
		})
	}
}

func TestConnectionHeadersAreNotForwarded(t *testing.T) {
	forEachRaw(t, func(t *testing.T, h *testHost, version int) {
		token := userToken(t, "user:default/alice")
		cases := []struct {
			name   string
			lines  []string
			absent []string // header names the plugin must not receive
		}{
			{
				name:   "Connection-listed custom header",
				lines:  []string{"Connection: keep-alive, X-Internal-Secret", "X-Internal-Secret: secret-value-1"},
				absent: []string{"Connection", "X-Internal-Secret"},
			},
			{
				name: "Connection listing credential-like names",
				lines: []string{"Connection: X-Api-Key,x-auth-token ,  X-Forwarded-User", "Connection: X-Role",
					"X-Api-Key: secret-value-2", "X-Auth-Token: secret-value-3", "X-Forwarded-User: secret-value-4", "X-Role: secret-value-5",
					"Cookie: session=secret-value-6"},
				absent: []string{"Connection", "X-Api-Key", "X-Auth-Token", "X-Forwarded-User", "X-Role", "Cookie"},
			},
			{
				name:   "Proxy-Connection and proxy credentials",
				lines:  []string{"Proxy-Connection: keep-alive", "Proxy-Authorization: Basic secret-value-7", "Keep-Alive: timeout=5"},
				absent: []string{"Proxy-Connection", "Proxy-Authorization", "Keep-Alive"},
			},
			{
				name:   "Te",
				lines:  []string{"Te: trailers, deflate"},
				absent: []string{"Te"},
			},
			{
				name:   "Upgrade",
				lines:  []string{"Connection: Upgrade", "Upgrade: websocket"},
				absent: []string{"Connection", "Upgrade"},
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				lines := append([]string{"Authorization: Bearer " + token, "X-Legit: kept", "Accept: application/json"}, c.lines...)
				resp := exchange(t, h, "/api/raw/headers", lines...)
				var got http.Header
				if resp.status != http.StatusOK || json.Unmarshal([]byte(resp.body), &got) != nil {
					t.Fatalf("GET /headers = %d %s", resp.status, resp.body)
				}
				for _, name := range append(c.absent, "Authorization") {
					if v, ok := got[name]; ok {
						t.Errorf("the plugin received %s: %q", name, v)
					}
				}
				if strings.Contains(resp.body, "secret-value") || strings.Contains(resp.body, token) {
					t.Errorf("a dropped value reached the plugin: %s", resp.body)
				}
				if got.Get("X-Legit") != "kept" || got.Get("Accept") != "application/json" {
					t.Errorf("legitimate headers lost: %v", got)
				}
			})
		}
	})
}

func TestBadPluginResponses(t *testing.T) {
	forEachRaw(t, func(t *testing.T, h *testHost, version int) {
		token := userToken(t, "user:default/alice")
		const body = "0123456789"
		cases := []struct {
			name       string
			status     int
			headers    []string // Name: Value, as the plugin answers them
			wantStatus int      // the caller's; 502 means the plugin's answer is not passed on
			dropped    []string // header names the host leaves out, and logs
		}{
			{name: "Content-Length lie", status: 200, headers: []string{"Content-Length: 5"}, wantStatus: 200, dropped: []string{"Content-Length"}},
			{name: "true Content-Length", status: 200, headers: []string{"Content-Length: 10"}, wantStatus: 200}, // dropped, not news
			{name: "Transfer-Encoding", status: 200, headers: []string{"Transfer-Encoding: gzip, chunked"}, wantStatus: 200, dropped: []string{"Transfer-Encoding"}},
			{
				name: "Connection", status: 200, headers: []string{"Connection: close, X-Plugin-Secret", "X-Plugin-Secret: value-1"},
				wantStatus: 200, dropped: []string{"Connection", "X-Plugin-Secret"},
			},
			{name: "Upgrade", status: 200, headers: []string{"Connection: Upgrade", "Upgrade: h2c"}, wantStatus: 200, dropped: []string{"Connection", "Upgrade"}},
			{
				name: "other hop-by-hop", status: 201,
				headers:    []string{"Keep-Alive: timeout=1", "Proxy-Authenticate: Basic value-2", "Proxy-Connection: close", "Proxy-Anything: value-3", "Te: trailers", "Trailer: X-Checksum"},
				wantStatus: 201, dropped: []string{"Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "Proxy-Anything", "Te", "Trailer"},
			},
			{name: "legitimate", status: 599, headers: []string{"Cache-Control: no-store"}, wantStatus: 599},
			{name: "status 0", status: 0, wantStatus: 502},
			{name: "status 42", status: 42, wantStatus: 502},
			{name: "status 101", status: 101, headers: []string{"Connection: Upgrade", "Upgrade: h2c"}, wantStatus: 502},
			{name: "status 103", status: 103, headers: []string{"Link: </style.css>; rel=preload"}, wantStatus: 502},
			{name: "status 600", status: 600, wantStatus: 502},
			{name: "status 999", status: 999, wantStatus: 502},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				q := url.Values{"status": {strconv.Itoa(c.status)}, "body": {body}, "header": append([]string{"X-Plugin: yes", "Content-Type: text/plain"}, c.headers...)}
				offset := len(h.logs.String())
				resp := exchange(t, h, "/api/raw/answer?"+q.Encode(), "Authorization: Bearer "+token)
				recs := records(t, h, offset)
				if resp.status != c.wantStatus {
					t.Fatalf("status %d %q, want %d", resp.status, resp.body, c.wantStatus)
				}
				if c.wantStatus == http.StatusBadGateway {
					var e struct{ Error string }
					if json.Unmarshal([]byte(resp.body), &e) != nil || !strings.Contains(e.Error, "plugin raw") || strings.Contains(resp.body, body) {
						t.Fatalf("body %q, want a JSON error naming the plugin and nothing of its answer", resp.body)
					}
					if resp.header.Get("X-Plugin") != "" || resp.header.Get("Upgrade") != "" || resp.header.Get("Link") != "" {
						t.Fatalf("headers of the invalid answer passed on: %v", resp.header)
					}
					logged := withPluginID(recs, "raw", "invalid status")
					if len(logged) != 1 || logged[0]["status"] != float64(c.status) {
						t.Fatalf("log records %v, want one with plugin_id raw and status %d", recs, c.status)
					}
					return
				}
				if resp.body != body {
					t.Fatalf("body %q, want %q whole", resp.body, body)
				}
				// The host's own framing: the length of the whole body in
				// version 1, chunks of the streamed one in version 2.
				own := map[string]string{"Content-Length": strconv.Itoa(len(body))}
				if version == 2 {
					own = map[string]string{"Transfer-Encoding": "chunked"}
				}
				for _, name := range []string{"Content-Length", "Transfer-Encoding"} {
					if got := strings.Join(resp.header.Values(name), ", "); got != own[name] {
						t.Fatalf("%s %q, want the host's own framing %q", name, got, own[name])
					}
				}
				if resp.header.Get("X-Plugin") != "yes" || resp.header.Get("Content-Type") != "text/plain" {
					t.Fatalf("legitimate headers lost: %v", resp.header)
				}
				for _, name := range c.dropped {
					if name == "Content-Length" || name == "Transfer-Encoding" {
						continue // the host's own, checked above
					}
					if v, ok := resp.header[name]; ok {
						t.Errorf("the caller received %s: %q", name, v)
					}
				}
				logged := withPluginID(recs, "raw", "dropped")
				if len(c.dropped) == 0 {
					if len(logged) != 0 {
						t.Fatalf("nothing dropped, yet logged %v", logged)
					}
					return
				}
				if len(logged) != 1 {
					t.Fatalf("log records %v, want one naming the dropped headers", recs)
				}
				line, _ := json.Marshal(logged[0])
				for _, name := range c.dropped {
					if !strings.Contains(string(line), name) {
						t.Errorf("log record %s does not name %s", line, name)
					}
				}
				for _, h := range c.headers {
					if _, value, _ := strings.Cut(h, ": "); strings.Contains(value, "value-") && strings.Contains(string(line), value) {
						t.Errorf("log record %s holds the value %q", line, value)
					}
				}
			})
		}
	})
}

// pluginInfo returns the host's report of plugin id, asked with credentials.
func pluginInfo(t *testing.T, h *testHost, id string) (host.PluginInfo, string) {
	t.Helper()
	_, body := h.do(t, "GET", "/api/plugins", userToken(t, "user:default/alice"), "")
	var list struct{ Plugins []host.PluginInfo }
	_ = json.Unmarshal([]byte(body), &list)
	for _, p := range list.Plugins {
		if p.ID == id {
			return p, body
		}
	}
	return host.PluginInfo{}, body
}

// TestPluginFailuresRevealNothing checks that what a caller (or a reader of
// /api/plugins) sees of a failing plugin is a short message, while the
// detail, which names sockets, commands and the plugin's output, goes to
// the log with the trace id.
func TestPluginFailuresRevealNothing(t *testing.T) {
	// What no caller may see: socket paths, the plugin's command, its output.
	secrets := []string{"/tmp", "unix", os.Args[0], "hunter2", "bad-handshake.sock", "/nonexistent"}
	cases := []struct {
		name        string
		plugin      string // the test plugin, or with a / the command
		limits      host.ExternalLimits
		path        string
		wantStatus  []int
		wantError   string // the caller's message
		wantLastErr string // /api/plugins' lastError, once it says so
		logged      string // what the log says in detail
	}{
		{
			name: "exits during the call", plugin: "raw", path: "/crash",
			wantStatus: []int{http.StatusBadGateway}, wantError: "plugin p ", wantLastErr: "exited with status 3",
		},
		{
			name: "unreachable socket", plugin: "raw",
			path:       "/fail?" + url.Values{"code": {"14"}, "message": {`connection error: desc = "transport: Error while dialing: dial unix /tmp/plugin3938: connect: connection refused"`}}.Encode(),
			wantStatus: []int{http.StatusBadGateway}, wantError: "plugin p is unavailable", logged: "dial unix /tmp/plugin3938",
		},
		{
			name: "plugin internals", plugin: "raw",
			path:       "/fail?" + url.Values{"code": {"13"}, "message": {"open /tmp/plugin-state.db: permission denied"}}.Encode(),
			wantStatus: []int{http.StatusBadGateway}, wantError: "plugin p failed", logged: "open /tmp/plugin-state.db",
		},
		{
			name: "bad handshake", plugin: "bad-handshake", path: "/x",
			wantStatus: []int{http.StatusServiceUnavailable}, wantError: "plugin p is not available", wantLastErr: "handshake failed", logged: "hunter2",
		},
		{
			name: "command not found", plugin: "/nonexistent/plugin", path: "/x",
			wantStatus: []int{http.StatusServiceUnavailable}, wantError: "plugin p is not available", wantLastErr: "the command could not be run", logged: "/nonexistent/plugin",
		},
		{
			name: "start timeout", plugin: "hang", path: "/x", limits: host.ExternalLimits{StartTimeout: 300 * time.Millisecond},
			wantStatus: []int{http.StatusServiceUnavailable}, wantError: "plugin p is not available", wantLastErr: "did not start within 300ms",
		},
	}
	for _, c := range cases { // the same failures of a plugin of version 2
		if c.plugin == "raw" {
			c.name, c.plugin = c.name+", protocol 2", "raw-v2"
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limits := c.limits
			limits.MinBackoff, limits.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
			entry := externalPlugin("p", c.plugin)
			if strings.Contains(c.plugin, "/") {
				entry = fmt.Sprintf("- id: p\n  command: [%q]\n", c.plugin)
			}
			h := startHostWith(t, "", entry, host.WithExternalLimits(limits))
			status, body := h.do(t, "GET", "/api/p"+c.path, userToken(t, "user:default/alice"), "")
			var e struct{ Error string }
			if !slices.Contains(c.wantStatus, status) || json.Unmarshal([]byte(body), &e) != nil || !strings.HasPrefix(e.Error, c.wantError) {
				t.Fatalf("status %d %s, want %v with an error starting %q", status, body, c.wantStatus, c.wantError)
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Fatalf("the caller sees %q: %s", s, body)
				}
			}
			if c.wantLastErr != "" {
				var p host.PluginInfo
				var list string
				await.True(t, 20*time.Second, func() bool {
					p, list = pluginInfo(t, h, "p")
					return p.LastError == c.wantLastErr
				}, "lastError in %s, want %q", await.Value(&list), c.wantLastErr)
				for _, s := range secrets {
					if strings.Contains(list, s) {
						t.Fatalf("/api/plugins shows %q: %s", s, list)
					}
				}
			}
			if c.logged == "" {
				return
			}
			var detail map[string]any
			await.True(t, 10*time.Second, func() bool {
				for _, r := range records(t, h, 0) {
					if b, _ := json.Marshal(r); r["plugin_id"] == "p" && strings.Contains(string(b), c.logged) {
						detail = r
						return true
					}
				}
				return false
			}, "no log record with %q:\n%s", c.logged, h.logs)
			if status != http.StatusBadGateway {
				return
			}
			// The failure of a call is logged with the trace of the request.
			traceID, _ := detail["trace_id"].(string)
			spans := h.flushed(t)
			var server bool
			for _, s := range otlptest.Trace(spans, traceID) {
				server = server || (s.Kind == tracepb.Span_SPAN_KIND_SERVER && s.Resource["service.name"] == "plugtrace")
			}
			if traceID == "" || !server {
				t.Fatalf("log record %v: want the trace_id of the request's server span", detail)
			}
		})
	}
}

// TestBrokenStreamIsCutShort checks what the caller of a version 2 plugin
// sees when the call fails after the plugin's answer began: a truncated
// response, never a complete-looking one, with nothing of the failure; the
// detail goes to the log. An answer that does not begin with its head is a
// 502.
func TestBrokenStreamIsCutShort(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("raw", "raw-v2"))
	token := userToken(t, "user:default/alice")
	resp := h.open(t, context.Background(), http.MethodGet, "/api/raw/break", token, nil)
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "the beginning" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("broken stream: %d %q, %v; want the beginning, then io.ErrUnexpectedEOF", resp.StatusCode, body, err)
	}
	var logged []map[string]any
	await.True(t, 10*time.Second, func() bool {
		logged = withPluginID(records(t, h, 0), "raw", "broke off")
		return len(logged) == 1
	}, "log: %s", h.logs)
	if line, _ := json.Marshal(logged[0]); !strings.Contains(string(line), "broke after the head") {
		t.Fatalf("log record %s lacks the detail", line)
	}
	spans := h.flushed(t)
	if s := one(t, spans, "GET /api/raw/"); s.StatusCode != tracepb.Status_STATUS_CODE_ERROR {
		t.Fatalf("server span of the broken stream: status %v, want ERROR", s.StatusCode)
	}

	status, answer := h.do(t, http.MethodGet, "/api/raw/body-first", token, "")
	var e struct{ Error string }
	if status != http.StatusBadGateway || json.Unmarshal([]byte(answer), &e) != nil || e.Error != "plugin raw failed" {
		t.Fatalf("answer without a head: %d %q, want 502 %q", status, answer, "plugin raw failed")
	}
}

// TestWholeAnswer checks an answer that comes whole, in a head marked end:
// the caller gets it framed with its Content-Length, even from a plugin
// that then does not end its call (the host cancels it after the call
// timeout), and a plugin that sends more after it breaks the protocol,
// which the log says, while the caller still gets the answer.
func TestWholeAnswer(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("raw", "raw-v2"), host.WithExternalLimits(host.ExternalLimits{CallTimeout: 300 * time.Millisecond}))
	token := "Authorization: Bearer " + staticToken
	start := time.Now()
	resp := exchange(t, h, "/api/raw/whole-then-hang", token)
	if resp.status != http.StatusOK || resp.body != "whole" || resp.header.Get("Content-Length") != "5" || resp.header.Get("Transfer-Encoding") != "" {
		t.Fatalf("whole answer: %d %q %v, want 200 whole with Content-Length 5", resp.status, resp.body, resp.header)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the answer took %v: the host waited for the call's end beyond the call timeout", d)
	}
	resp = exchange(t, h, "/api/raw/whole-then-more", token)
	if resp.status != http.StatusOK || resp.body != "whole" || resp.header.Get("Content-Length") != "5" {
		t.Fatalf("whole answer, then more: %d %q %v, want 200 whole", resp.status, resp.body, resp.header)
	}
	await.True(t, 10*time.Second, func() bool {
		return len(withPluginID(records(t, h, 0), "raw", "a message after a ResponseHead marked end")) == 1
	}, "log: %s", h.logs)
	// A request without a body goes whole too.
	if status, body := h.do(t, http.MethodGet, "/api/raw/request-end", staticToken, ""); status != http.StatusOK || body != "end=true" {
		t.Fatalf("GET: the plugin saw %d %q, want its head marked end", status, body)
	}
	if status, body := h.do(t, http.MethodPost, "/api/raw/request-end", staticToken, "a body"); status != http.StatusOK || body != "end=false" {
		t.Fatalf("POST with a body: the plugin saw %d %q, want a head not marked end", status, body)
	}
}
