// SPDX-License-Identifier: Apache-2.0

package weathernode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/otlptest"
	"github.com/plugtrace/plugtrace/internal/plugincheck"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
	"github.com/plugtrace/plugtrace/telemetry"
)

// These tests run the Node.js plugin (node index.js) under a real host.
// Without Node.js or the plugin's packages they skip, except on CI
// (CI=true), where `make unit` installs the packages first: there a missing
// one must fail, not pass silently.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	pluginID   = "weather-node"
	testSecret = "weather-node-test-secret-of-32-bytes-or-more"
)

var client = &http.Client{Timeout: 15 * time.Second}

// pluginCommand returns the argv that runs the plugin.
func pluginCommand(t *testing.T) []string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not installed (Node.js 20 or later)")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		missing(t, "the plugin's packages are not installed: run npm ci --prefix examples/weather-node (or make node-deps)")
	}
	return []string{node, filepath.Join(dir, "index.js")}
}

func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why + "; skipping")
}

// upstream is the plugin's weather service: it records the traceparent of
// each request and answers a forecast, or status when that is set.
type upstream struct {
	*httptest.Server
	status      int
	mu          sync.Mutex
	traceparent []string
}

func newUpstream(t *testing.T, status int) *upstream {
	t.Helper()
	u := &upstream{status: status}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.traceparent = append(u.traceparent, r.Header.Get("Traceparent"))
		u.mu.Unlock()
		if u.status != 0 {
			http.Error(w, "unavailable", u.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"city":%q,"summary":"sunny","temperatureC":21.5}`, r.URL.Query().Get("city"))
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.traceparent...)
}

type testHost struct {
	*host.Host
	rec  *otlptest.Receiver
	logs *syncbuf.Buffer
}

// startHost starts a host that runs the Node.js plugin against up, exports
// to an OTLP receiver and to the embedded viewer; tracingYAML goes under
// backend.tracing.
func startHost(t *testing.T, up *upstream, tracingYAML string) *testHost {
	t.Helper()
	argv := pluginCommand(t)
	rec := otlptest.NewReceiver(t)
	yaml := fmt.Sprintf(`
backend:
  listen: 127.0.0.1:0
  auth:
    userTokens: {secret: %s}
  tracing:
    exporter: [otlp, embedded]
    otlp: {endpoint: %q, protocol: grpc, insecure: true}
    %s
plugins:
  - id: %s
    command: [%q, %q]
    env: {WEATHER_UPSTREAM_URL: %q}
`, testSecret, rec.Endpoint(), tracingYAML, pluginID, argv[0], argv[1], up.URL)
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	logs := &syncbuf.Buffer{}
	h, err := host.New(context.Background(), cfg,
		host.WithLogger(slog.New(slog.NewJSONHandler(logs, nil))),
		host.WithTelemetryOptions(telemetry.WithQueue(1024, 64, 50*time.Millisecond, time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	th := &testHost{Host: h, rec: rec, logs: logs}
	t.Cleanup(func() {
		th.shutdown(t)
		if t.Failed() {
			t.Logf("host log:\n%s", logs.String())
		}
	})
	return th
}

// shutdown stops the host: it asks the plugin to flush its spans, stops it,
// then flushes its own. Every span is at the receiver when it returns.
func (h *testHost) shutdown(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func (h *testHost) get(t *testing.T, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q, want JSON", path, ct)
	}
	return resp.StatusCode, string(body)
}

func userToken(t *testing.T) string {
	t.Helper()
	tok, err := auth.MintUserToken([]byte(testSecret), "user:default/alice", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func one(t *testing.T, spans []otlptest.Span, name string) otlptest.Span {
	t.Helper()
	found := otlptest.ByName(spans, name)
	if len(found) != 1 {
		t.Fatalf("want one span %q, got %d among %v", name, len(found), otlptest.Names(spans))
	}
	return found[0]
}

func TestOneTraceAcrossHostAndNodePlugin(t *testing.T) {
	up := newUpstream(t, 0)
	h := startHost(t, up, "capture: {endUser: true}")

	status, body := h.get(t, "/api/weather-node/forecast?city=Paris", userToken(t))
	var forecast map[string]any
	if err := json.Unmarshal([]byte(body), &forecast); err != nil || status != http.StatusOK {
		t.Fatalf("GET forecast = %d %s", status, body)
	}
	if forecast["city"] != "Paris" || forecast["summary"] != "sunny" || forecast["temperatureC"] != 21.5 {
		t.Fatalf("forecast %v, want the upstream's for Paris", forecast)
	}

	// The embedded viewer: the plugin's spans arrive through the relay after
	// the SDK's batch delay (5 s by default).
	var list struct {
		Traces []struct {
			TraceID   string   `json:"traceId"`
			RootName  string   `json:"rootName"`
			SpanCount int      `json:"spanCount"`
			Plugins   []string `json:"plugins"`
		} `json:"traces"`
	}
	var listBody string
	await.True(t, 15*time.Second, func() bool {
		_, listBody = h.get(t, "/traces/api/traces?plugin=weather-node", "")
		_ = json.Unmarshal([]byte(listBody), &list)
		return len(list.Traces) == 1 && list.Traces[0].SpanCount == 5
	}, "viewer list: %s", await.Value(&listBody))
	if tr := list.Traces[0]; tr.RootName != "GET /api/weather-node/forecast" || len(tr.Plugins) != 1 || tr.Plugins[0] != pluginID {
		t.Fatalf("viewer trace summary %+v, want root GET /api/weather-node/forecast and plugins [weather-node]", tr)
	}

	h.shutdown(t)
	spans := h.rec.Spans()
	server := one(t, spans, "GET /api/weather-node/forecast")
	if list.Traces[0].TraceID != server.TraceID {
		t.Fatalf("viewer shows trace %s, the host's server span is in %s", list.Traces[0].TraceID, server.TraceID)
	}
	var hostClient otlptest.Span
	for _, s := range otlptest.ByName(spans, "plugtrace.plugin.v1.Plugin/CallResource") {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT {
			hostClient = s
		}
	}
	// The JS gRPC instrumentation names its server spans grpc.<service>/<method>.
	var pluginServer, outgoing otlptest.Span
	for _, s := range spans {
		if s.Kind == tracepb.Span_SPAN_KIND_SERVER && strings.HasSuffix(s.Name, "plugtrace.plugin.v1.Plugin/CallResource") {
			pluginServer = s
		}
	}
	work := one(t, spans, "weather.forecast")
	for _, s := range spans {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && s.ParentSpanID == work.SpanID {
			outgoing = s
		}
	}
	chain := []struct {
		name          string
		span, parent  otlptest.Span
		service, kind string
	}{
		{"host client span", hostClient, server, "plugtrace", "SPAN_KIND_CLIENT"},
		{"plugin gRPC server span", pluginServer, hostClient, pluginID, "SPAN_KIND_SERVER"},
		{"plugin's own span", work, pluginServer, pluginID, "SPAN_KIND_INTERNAL"},
		{"plugin's fetch() span", outgoing, work, pluginID, "SPAN_KIND_CLIENT"},
	}
	for _, c := range chain {
		if c.span.SpanID == "" {
			t.Fatalf("%s missing; spans: %v", c.name, otlptest.Names(spans))
		}
		if c.span.TraceID != server.TraceID || c.span.ParentSpanID != c.parent.SpanID {
			t.Fatalf("%s %q: trace %s parent %s, want trace %s parent %s (%q)", c.name, c.span.Name,
				c.span.TraceID, c.span.ParentSpanID, server.TraceID, c.parent.SpanID, c.parent.Name)
		}
		if c.span.Resource["service.name"] != c.service || c.span.Kind.String() != c.kind {
			t.Fatalf("%s: service %q kind %v, want %s %s", c.name, c.span.Resource["service.name"], c.span.Kind, c.service, c.kind)
		}
	}
	if server.Attributes["http.route"] != "/api/weather-node/forecast" {
		t.Fatalf("host server span route %q, want the plugin's route", server.Attributes["http.route"])
	}
	if work.Attributes["weather.city"] != "Paris" || work.Scope != "plugtrace-plugin-weather-node" ||
		work.Attributes["plugtrace.principal.type"] != "user" || work.Attributes["enduser.id"] != "user:default/alice" {
		t.Fatalf("weather.forecast: attributes %v scope %q", work.Attributes, work.Scope)
	}
	var plugin []otlptest.Span
	for _, s := range spans {
		if s.Resource["service.name"] == pluginID {
			plugin = append(plugin, s)
		}
	}
	if len(plugin) != 3 {
		// go-plugin's services, CheckHealth, Flush and the exporter's own
		// calls make no spans.
		t.Fatalf("the plugin exported %d spans, want 3: %v", len(plugin), otlptest.Names(plugin))
	}
	for _, s := range plugin {
		// The relay stamps the sender's id on every span it accepts.
		if s.Attributes["plugtrace.plugin.id"] != pluginID || s.Resource["telemetry.sdk.language"] != "nodejs" {
			t.Fatalf("plugin span %q: plugtrace.plugin.id %q, SDK %q", s.Name, s.Attributes["plugtrace.plugin.id"], s.Resource["telemetry.sdk.language"])
		}
	}
	if got := up.seen(); len(got) != 1 || !strings.Contains(got[0], server.TraceID) || !strings.Contains(got[0], outgoing.SpanID) {
		t.Fatalf("upstream saw traceparent %v, want the fetch span %s of trace %s", got, outgoing.SpanID, server.TraceID)
	}
	checkLogs(t, h.logs.String(), pluginServer)
}

// checkLogs checks that the plugin's log line reached the host's logger as
// a structured record with the plugin's id and the trace, and that the
// host stopped the plugin gracefully.
func checkLogs(t *testing.T, logs string, pluginServer otlptest.Span) {
	t.Helper()
	for _, bad := range []string{"failed to exit gracefully", "did not flush"} {
		if strings.Contains(logs, bad) {
			t.Fatalf("the host log says %q:\n%s", bad, logs)
		}
	}
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "forecast served") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a record of the host's logger: %s", line)
		}
		if rec["level"] != "INFO" || rec["plugin_id"] != pluginID || rec["city"] != "Paris" ||
			rec["trace_id"] != pluginServer.TraceID || rec["span_id"] != pluginServer.SpanID {
			t.Fatalf("plugin log record %v, want INFO, plugin_id %s, city Paris, trace %s span %s",
				rec, pluginID, pluginServer.TraceID, pluginServer.SpanID)
		}
		return
	}
	t.Fatalf("the plugin's log record did not reach the host's logger:\n%s", logs)
}

func TestErrorsAreJSON(t *testing.T) {
	up := newUpstream(t, http.StatusServiceUnavailable)
	h := startHost(t, up, "")
	token := userToken(t)
	for _, c := range []struct {
		path   string
		status int
		error  string
	}{
		{"/api/weather-node/forecast", http.StatusBadRequest, "query parameter city is required"},
		{"/api/weather-node/forecast?city=Oslo", http.StatusBadGateway, "upstream answered 503"},
		{"/api/weather-node/elsewhere", http.StatusNotFound, "not found"},
	} {
		status, body := h.get(t, c.path, token)
		var got struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || status != c.status || got.Error != c.error {
			t.Errorf("GET %s = %d %s, want %d {\"error\":%q}", c.path, status, body, c.status, c.error)
		}
	}
	h.shutdown(t)
	work := one(t, h.rec.Spans(), "weather.forecast") // only the call that reached the upstream
	if work.StatusCode != tracepb.Status_STATUS_CODE_ERROR || work.StatusMessage != "upstream answered 503" ||
		work.Attributes["error.type"] != "upstream_error" || len(work.Events) != 1 || work.Events[0].Name != "exception" {
		t.Fatalf("failed weather.forecast: status %v %q, attributes %v, events %v",
			work.StatusCode, work.StatusMessage, work.Attributes, work.Events)
	}
}

// TestDisabledPluginPropagatesContext checks that a plugin whose tracing
// the host turned off exports nothing, yet passes the host's trace context
// on to the upstream. It needs the hand-off of DESIGN.md for a disabled
// plugin, OTEL_TRACES_SAMPLER=always_off and OTEL_TRACES_EXPORTER=none:
// with OTEL_SDK_DISABLED=true NodeSDK starts nothing, not even the
// propagators, and the upstream gets no traceparent.
func TestDisabledPluginPropagatesContext(t *testing.T) {
	up := newUpstream(t, 0)
	h := startHost(t, up, "plugin: {weather-node: {enabled: false}}")
	if status, body := h.get(t, "/api/weather-node/forecast?city=Rome", userToken(t)); status != http.StatusOK {
		t.Fatalf("GET forecast = %d %s", status, body)
	}
	h.shutdown(t)
	spans := h.rec.Spans()
	server := one(t, spans, "GET /api/weather-node/forecast")
	for _, s := range spans {
		if s.Resource["service.name"] == pluginID {
			t.Fatalf("disabled plugin exported span %q", s.Name)
		}
	}
	if seen := up.seen(); len(seen) != 1 || !strings.Contains(seen[0], server.TraceID) {
		t.Fatalf("upstream saw traceparent %q, want one of the host's trace %s", seen, server.TraceID)
	}
}

// TestHandshakeRefusals runs the plugin the way a host would not: each
// refusal exits 1 before the handshake line, saying why on stderr.
func TestHandshakeRefusals(t *testing.T) {
	argv := pluginCommand(t)
	cookie := "PLUGTRACE_PLUGIN_MAGIC_COOKIE=6f0c3cb8-plugtrace-backend-plugin"
	for _, c := range []struct {
		name string
		env  []string
		want string
	}{
		{"not started by a host", []string{"PLUGIN_PROTOCOL_VERSIONS=1", "WEATHER_UPSTREAM_URL=http://127.0.0.1:9"}, "is a plugtrace plugin"},
		{"version 1 not offered", []string{cookie, "PLUGIN_PROTOCOL_VERSIONS=2,3", "WEATHER_UPSTREAM_URL=http://127.0.0.1:9"}, "speaks version 1 only"},
		{"no upstream", []string{cookie, "PLUGIN_PROTOCOL_VERSIONS=1"}, "WEATHER_UPSTREAM_URL is not set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, c.env...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), c.want) {
				t.Fatalf("exit %v, stdout %q, stderr %q; want exit status 1, no stdout, %q on stderr", err, stdout.String(), stderr.String(), c.want)
			}
		})
	}
}

// TestPluginCheckPasses runs `plugtrace plugin check` against the Node.js
// plugin: a plugin in another language, written from PROTOCOL.md, passes
// every check.
func TestPluginCheckPasses(t *testing.T) {
	up := newUpstream(t, 0)
	var out strings.Builder
	cmd := append([]string{"env", "WEATHER_UPSTREAM_URL=" + up.URL}, pluginCommand(t)...)
	err := plugincheck.Run(context.Background(), plugincheck.Options{
		PluginID: pluginID, Command: cmd, Path: "/forecast?city=Paris", Timeout: 20 * time.Second,
	}, &out)
	if err != nil {
		t.Fatalf("plugin check: %v\n%s", err, out.String())
	}
	t.Logf("plugtrace plugin check:\n%s", out.String())
	for _, check := range []string{"handshake", "health", "request", "trace", "flush", "stop"} {
		if !regexp.MustCompile(`(?m)^ok +` + check + ` `).MatchString(out.String()) {
			t.Errorf("check %s did not pass:\n%s", check, out.String())
		}
	}
	if !strings.Contains(out.String(), "GET /forecast?city=Paris: 200") {
		t.Errorf("the request check did not get the forecast:\n%s", out.String())
	}
}
