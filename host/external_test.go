// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/otlptest"
)

// externalPlugin returns the plugins[] entry that runs this test binary as
// the named test plugin, with extra env entries ("K: v").
func externalPlugin(id, name string, env ...string) string {
	return fmt.Sprintf("- id: %s\n  command: [%q]\n  env: {HOSTTEST_PLUGIN: %s%s}\n", id, os.Args[0], name, strings.Join(append([]string{""}, env...), ", "))
}

// upstream records the traceparent of each request and answers a forecast.
type upstream struct {
	*httptest.Server
	mu          sync.Mutex
	traceparent []string
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.traceparent = append(u.traceparent, r.Header.Get("Traceparent"))
		u.mu.Unlock()
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

func shutdown(t *testing.T, h *testHost) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestOneTraceAcrossProcesses(t *testing.T) {
	up := newUpstream(t)
	h := startHostWith(t, "capture: {endUser: true}", externalPlugin("weather", "weather", "WEATHER_UPSTREAM_URL: "+up.URL))
	status, body := h.do(t, "GET", "/api/weather/forecast?city=Paris", userToken(t, "user:default/alice"), "")
	if status != http.StatusOK || !strings.Contains(body, `"city":"Paris"`) {
		t.Fatalf("GET forecast = %d %s", status, body)
	}
	// Shutdown asks the plugin to flush, then flushes the host: every span
	// is at the receiver when it returns, without waiting for a batch timer.
	shutdown(t, h)
	spans := h.rec.Spans()

	server := one(t, spans, "GET /api/weather/forecast")
	var hostClient, pluginServer otlptest.Span
	for _, s := range otlptest.ByName(spans, "plugtrace.plugin.v2.Plugin/CallResource") {
		switch s.Kind {
		case tracepb.Span_SPAN_KIND_CLIENT:
			hostClient = s
		case tracepb.Span_SPAN_KIND_SERVER:
			pluginServer = s
		}
	}
	forecast := one(t, spans, "weather.forecast")
	var outgoing otlptest.Span
	for _, s := range spans {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && s.ParentSpanID == forecast.SpanID {
			outgoing = s
		}
	}
	chain := []struct {
		name          string
		span, parent  otlptest.Span
		service, kind string
	}{
		{"host client span", hostClient, server, "plugtrace", "SPAN_KIND_CLIENT"},
		{"plugin server span", pluginServer, hostClient, "weather", "SPAN_KIND_SERVER"},
		{"plugin service span", forecast, pluginServer, "weather", "SPAN_KIND_INTERNAL"},
		{"outgoing HTTP span", outgoing, forecast, "weather", "SPAN_KIND_CLIENT"},
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
	if server.Attributes["http.route"] != "/api/weather/forecast" {
		t.Fatalf("host server span route %q, want the plugin's route", server.Attributes["http.route"])
	}
	if forecast.Attributes["plugtrace.plugin.id"] != "weather" || forecast.Attributes["plugtrace.principal.type"] != "user" ||
		forecast.Attributes["enduser.id"] != "user:default/alice" || forecast.Scope != "plugtrace-plugin-weather" {
		t.Fatalf("plugin span attributes %v scope %q", forecast.Attributes, forecast.Scope)
	}
	if forecast.Resource["weather.example"] != "true" {
		t.Fatalf("custom resource attribute missing: %v", forecast.Resource)
	}
	for _, sp := range spans {
		if strings.Contains(sp.Name, "plugin.GRPC") || strings.Contains(sp.Name, "grpc.health") || strings.Contains(sp.Name, "CheckHealth") || strings.Contains(sp.Name, "Flush") {
			t.Fatalf("go-plugin's internal or housekeeping calls made a span: %q", sp.Name)
		}
	}
	if got := up.seen(); len(got) != 1 || !strings.Contains(got[0], outgoing.SpanID) || !strings.Contains(got[0], server.TraceID) {
		t.Fatalf("upstream saw traceparent %v, want the outgoing span %s of trace %s", got, outgoing.SpanID, server.TraceID)
	}
}

func TestHandoffEnvironment(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://host-only-collector:4317")
	t.Setenv("OTEL_SERVICE_NAME", "host-service")
	t.Setenv("HOSTTEST_SECRET", "do-not-leak")
	h := startHostWith(t, `
sampler: {type: parentbased_traceidratio, ratio: 0.5}
resource: {deployment.environment.name: test}
plugin:
  ext:
    tracer: {name: probe-tracer, version: 1.2.3}
`, externalPlugin("ext", "probe", "PROBE_SETTING: on"))
	status, body := h.do(t, "GET", "/api/ext/env", staticToken, "")
	if status != http.StatusOK {
		t.Fatalf("GET /env = %d %s", status, body)
	}
	var environ []string
	if err := json.Unmarshal([]byte(body), &environ); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	want := map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
		"OTEL_TRACES_EXPORTER":               "otlp",
		"OTEL_METRICS_EXPORTER":              "none",
		"OTEL_LOGS_EXPORTER":                 "none",
		"OTEL_PROPAGATORS":                   "tracecontext,baggage",
		"OTEL_TRACES_SAMPLER":                "parentbased_traceidratio",
		"OTEL_TRACES_SAMPLER_ARG":            "0.5",
		"OTEL_SERVICE_NAME":                  "ext",
		"OTEL_RESOURCE_ATTRIBUTES":           "deployment.environment.name=test",
		"PLUGTRACE_PLUGIN_ID":                "ext",
		"PLUGTRACE_TRACING_ENABLED":          "true",
		"PLUGTRACE_TRACER_NAME":              "probe-tracer",
		"PLUGTRACE_TRACER_VERSION":           "1.2.3",
		"PLUGTRACE_CAPTURE_END_USER":         "false",
		"PROBE_SETTING":                      "on",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if ep := env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]; !strings.HasPrefix(ep, "http://127.0.0.1:") {
		t.Errorf("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = %q, want the host's loopback relay", ep)
	}
	if hd := env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"]; !strings.HasPrefix(hd, "authorization=Bearer%20") || len(hd) < 60 {
		t.Errorf("OTEL_EXPORTER_OTLP_TRACES_HEADERS = %q, want the plugin's relay token", hd)
	}
	for _, leaked := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "HOSTTEST_SECRET", "OTEL_SDK_DISABLED"} {
		if v, ok := env[leaked]; ok {
			t.Errorf("%s=%q reached the plugin", leaked, v)
		}
	}
	for k := range env {
		if strings.HasPrefix(k, "OTEL_") {
			if _, ok := want[k]; !ok && k != "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" && k != "OTEL_EXPORTER_OTLP_TRACES_HEADERS" {
				t.Errorf("unexpected %s in the plugin's environment", k)
			}
		}
	}
}

// pluginEnv returns the environment the external test plugin ext runs with.
func pluginEnv(t *testing.T, h *testHost) map[string]string {
	t.Helper()
	status, body := h.do(t, "GET", "/api/ext/env", staticToken, "")
	var environ []string
	if err := json.Unmarshal([]byte(body), &environ); err != nil || status != http.StatusOK {
		t.Fatalf("GET /env = %d %s", status, body)
	}
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

func TestHandoffFollowsTheSwitches(t *testing.T) {
	t.Run("enabledByDefault false", func(t *testing.T) {
		env := pluginEnv(t, startHostWith(t, "plugins: {enabledByDefault: false}", externalPlugin("ext", "probe")))
		if env["OTEL_TRACES_SAMPLER"] != "always_off" || env["OTEL_TRACES_EXPORTER"] != "none" || env["PLUGTRACE_TRACING_ENABLED"] != "false" {
			t.Fatalf("SAMPLER=%q EXPORTER=%q TRACING_ENABLED=%q", env["OTEL_TRACES_SAMPLER"], env["OTEL_TRACES_EXPORTER"], env["PLUGTRACE_TRACING_ENABLED"])
		}
		if _, off := env["OTEL_SDK_DISABLED"]; off {
			t.Fatal("OTEL_SDK_DISABLED is handed to a disabled plugin; most SDKs then stop propagating")
		}
	})
	t.Run("enabledByDefault false, plugin enabled", func(t *testing.T) {
		env := pluginEnv(t, startHostWith(t, "plugins: {enabledByDefault: false}\nplugin: {ext: {enabled: true}}", externalPlugin("ext", "probe")))
		if env["OTEL_TRACES_SAMPLER"] == "always_off" || env["OTEL_TRACES_EXPORTER"] != "otlp" || env["PLUGTRACE_TRACING_ENABLED"] != "true" {
			t.Fatalf("SAMPLER=%q EXPORTER=%q TRACING_ENABLED=%q", env["OTEL_TRACES_SAMPLER"], env["OTEL_TRACES_EXPORTER"], env["PLUGTRACE_TRACING_ENABLED"])
		}
	})
	t.Run("export direct", func(t *testing.T) {
		h := startHostWith(t, "plugins: {export: direct}", externalPlugin("ext", "probe"))
		env := pluginEnv(t, h)
		if env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != "http://"+h.rec.Endpoint() || env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] != "" {
			t.Fatalf("direct export: endpoint %q headers %q, want the upstream's", env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"])
		}
	})
}

func TestRelayRefusesExportsWithoutAValidToken(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("ext", "probe"))
	env := pluginEnv(t, h)
	relayURL := env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
	for name, headers := range map[string]map[string]string{
		"no token":    nil,
		"wrong token": {"authorization": "Bearer 0000"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(relayURL), otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false})}
			if headers != nil {
				opts = append(opts, otlptracegrpc.WithHeaders(headers))
			}
			exp, err := otlptracegrpc.New(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer exp.Shutdown(context.Background())
			tp := sdktrace.NewTracerProvider()
			_, span := tp.Tracer("intruder").Start(context.Background(), "forged span")
			span.End()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = exp.ExportSpans(ctx, []sdktrace.ReadOnlySpan{spanSnapshot(t, tp, "forged span")})
			if err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
				t.Fatalf("export = %v, want Unauthenticated", err)
			}
			_ = tp.Shutdown(context.Background())
		})
	}
	// With the plugin's own token, the relay accepts, and drops enduser.id
	// (capture.endUser is off) whatever the exporting SDK sent.
	token := strings.TrimPrefix(env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"], "authorization=Bearer%20")
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpointURL(relayURL),
		otlptracegrpc.WithHeaders(map[string]string{"authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "todos"), attribute.String("plugtrace.plugin.id", "todos")))) // posing as another plugin
	_, span := tp.Tracer("other-language-sdk").Start(context.Background(), "accepted span")
	span.SetAttributes(attribute.String("enduser.id", "user:default/alice"), attribute.String("kept", "yes"))
	span.End()
	_ = tp.Shutdown(context.Background())

	shutdown(t, h)
	spans := h.rec.Spans()
	if n := len(otlptest.ByName(spans, "forged span")); n != 0 {
		t.Fatalf("%d forged spans reached the upstream", n)
	}
	accepted := one(t, spans, "accepted span")
	if _, leaked := accepted.Attributes["enduser.id"]; leaked || accepted.Attributes["kept"] != "yes" {
		t.Fatalf("relayed span attributes %v: want enduser.id dropped, the rest kept", accepted.Attributes)
	}
	if accepted.Resource["plugtrace.plugin.id"] != "ext" {
		t.Fatalf("relayed span resource %v: want plugtrace.plugin.id of the token's plugin, ext", accepted.Resource)
	}
}

func TestDisabledPluginPropagatesContext(t *testing.T) {
	up := newUpstream(t)
	h := startHostWith(t, "plugin: {ext: {enabled: false}}", externalPlugin("ext", "probe"))
	status, body := h.do(t, "GET", "/api/ext/propagate?url="+up.URL, staticToken, "")
	if status != http.StatusOK {
		t.Fatalf("GET /propagate = %d %s", status, body)
	}
	var got map[string]string
	_ = json.Unmarshal([]byte(body), &got)
	shutdown(t, h)
	spans := h.rec.Spans()
	server := one(t, spans, "GET /api/ext/propagate")
	if got["traceId"] != server.TraceID {
		t.Fatalf("plugin ran in trace %s, want the host's %s", got["traceId"], server.TraceID)
	}
	if seen := up.seen(); len(seen) != 1 || !strings.Contains(seen[0], server.TraceID) {
		t.Fatalf("upstream saw %v, want a traceparent of trace %s", seen, server.TraceID)
	}
	for _, s := range spans {
		if s.Resource["service.name"] == "ext" {
			t.Fatalf("disabled plugin exported span %q", s.Name)
		}
	}
	one(t, spans, "plugtrace.plugin.v2.Plugin/CallResource") // the host's client span only
}

func TestCrashedPluginIsRestarted(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("ext", "probe"))
	status, body := h.do(t, "GET", "/api/ext/crash", staticToken, "")
	if status != http.StatusBadGateway && status != http.StatusServiceUnavailable {
		t.Fatalf("request that crashes the plugin = %d %s, want 502", status, body)
	}
	if !strings.Contains(body, `"error"`) {
		t.Fatalf("no JSON error: %s", body)
	}
	// The host and its other plugins keep serving meanwhile.
	if status, _ := h.do(t, "GET", "/api/todos/", "", ""); status != http.StatusOK {
		t.Fatalf("in-process plugin while ext is down: %d", status)
	}
	var p host.PluginInfo
	await.True(t, 20*time.Second, func() bool {
		_, body = h.do(t, "GET", "/api/plugins", staticToken, "")
		var list struct{ Plugins []host.PluginInfo }
		_ = json.Unmarshal([]byte(body), &list)
		p = list.Plugins[len(list.Plugins)-1]
		return p.ID == "ext" && p.State == "running" && p.Restarts >= 1
	}, "plugin not restarted: %s", await.Value(&body))
	if p.LastError == "" {
		t.Fatalf("restarted plugin reports no error: %+v", p)
	}
	if status, _ := h.do(t, "GET", "/api/ext/nothing", staticToken, ""); status != http.StatusNoContent {
		t.Fatalf("after restart: %d", status)
	}
}

func TestOversizedBodyGets413(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("ext", "probe"), host.WithExternalLimits(host.ExternalLimits{MaxRequestBody: 1024}))
	status, body := h.do(t, "POST", "/api/ext/size", staticToken, strings.Repeat("x", 1024))
	if status != http.StatusOK || body != "1024" {
		t.Fatalf("body at the limit: %d %s", status, body)
	}
	status, body = h.do(t, "POST", "/api/ext/size", staticToken, strings.Repeat("x", 1025))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"error"`) {
		t.Fatalf("body over the limit: %d %s, want 413 JSON", status, body)
	}
}

func TestCallTimeoutGets504(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("ext", "probe"), host.WithExternalLimits(host.ExternalLimits{CallTimeout: 200 * time.Millisecond}))
	status, body := h.do(t, "GET", "/api/ext/slow?d=5s", staticToken, "")
	if status != http.StatusGatewayTimeout || !strings.Contains(body, "did not answer") {
		t.Fatalf("slow plugin: %d %s, want 504", status, body)
	}
}

func TestIncompatiblePluginFailsClearly(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("future", "future-protocol"))
	status, body := h.do(t, "GET", "/api/future/x", staticToken, "")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("incompatible plugin: %d %s, want 503", status, body)
	}
	_, body = h.do(t, "GET", "/api/plugins", staticToken, "")
	if !strings.Contains(body, "incompatible API version") || !strings.Contains(body, "protocol versions 1 and 2") {
		t.Fatalf("/api/plugins does not explain the mismatch: %s", body)
	}
}

func TestDirectExportRefusesTLSFiles(t *testing.T) {
	cfgYAML := "backend:\n  listen: 127.0.0.1:0\n  tracing:\n    exporter: otlp\n    otlp: {endpoint: \"collector:4317\", tls: {caFile: testdata/none.pem}}\n    plugins: {export: direct}\nplugins:\n" +
		indent(externalPlugin("ext", "probe"), "  ")
	cfg, err := config.Parse([]byte(cfgYAML), config.WithLookupEnv(noEnv))
	if err != nil {
		// The config package already refuses the missing file; either
		// refusal is fine, as long as it names the key.
		if !strings.Contains(err.Error(), "tls") {
			t.Fatalf("err = %v", err)
		}
		return
	}
	_, err = host.New(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "backend.tracing.plugins.export") {
		t.Fatalf("err = %v", err)
	}
}

func TestPluginEnvErrorHidesTheValue(t *testing.T) {
	cfgYAML := "backend:\n  listen: 127.0.0.1:0\n  tracing: {exporter: none}\nplugins:\n" +
		indent(externalPlugin("ext", "probe", "OTEL_RESOURCE_ATTRIBUTES: s3cr3t-without-equals"), "  ")
	err := newHostError(t, cfgYAML)
	if err == nil || !strings.Contains(err.Error(), "plugins[0].env.OTEL_RESOURCE_ATTRIBUTES") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("err = %v; want the key named and the value hidden", err)
	}
}

func TestPluginEnvMayNotOverrideTheHandoff(t *testing.T) {
	cfgYAML := "backend:\n  listen: 127.0.0.1:0\n  tracing: {exporter: none}\nplugins:\n" +
		indent(externalPlugin("ext", "probe", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: http://elsewhere:4317"), "  ")
	err := newHostError(t, cfgYAML)
	if err == nil || !strings.Contains(err.Error(), "plugins[0].env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
		t.Fatalf("err = %v, want one naming the key", err)
	}
}

// TestViewerShowsBothProcesses follows a cross-process trace into the
// embedded viewer's JSON API: the relay feeds the store like the host does.
func TestViewerShowsBothProcesses(t *testing.T) {
	up := newUpstream(t)
	h := startHostWith(t, "", externalPlugin("weather", "weather", "WEATHER_UPSTREAM_URL: "+up.URL))
	if status, body := h.do(t, "GET", "/api/weather/forecast?city=Oslo", staticToken, ""); status != http.StatusOK {
		t.Fatalf("forecast: %d %s", status, body)
	}
	h.flushed(t) // the host's own spans
	var list struct {
		Traces []struct {
			TraceID   string   `json:"traceId"`
			RootName  string   `json:"rootName"`
			SpanCount int      `json:"spanCount"`
			Plugins   []string `json:"plugins"`
		} `json:"traces"`
	}
	var listBody string
	// The plugin's spans come through the relay, after its batch delay.
	await.True(t, 10*time.Second, func() bool {
		_, listBody = h.do(t, "GET", "/traces/api/traces?plugin=weather", "", "")
		_ = json.Unmarshal([]byte(listBody), &list)
		return len(list.Traces) == 1 && list.Traces[0].SpanCount == 5
	}, "viewer list: %s", await.Value(&listBody))
	if tr := list.Traces[0]; tr.RootName != "GET /api/weather/forecast" || len(tr.Plugins) != 1 || tr.Plugins[0] != "weather" {
		t.Fatalf("trace summary %+v", tr)
	}
	_, body := h.do(t, "GET", "/traces/api/traces/"+list.Traces[0].TraceID, "", "")
	var detail struct {
		Spans []struct {
			Name     string            `json:"name"`
			Resource map[string]any    `json:"resource"`
			Kind     string            `json:"kind"`
			Scope    map[string]string `json:"scope"`
		} `json:"spans"`
	}
	if err := json.Unmarshal([]byte(body), &detail); err != nil {
		t.Fatal(err)
	}
	services := map[any]int{}
	for _, s := range detail.Spans {
		services[s.Resource["service.name"]]++
	}
	if services["plugtrace"] != 2 || services["weather"] != 3 {
		t.Fatalf("spans per service %v, want plugtrace 2 and weather 3; body %s", services, body)
	}
}

// TestPluginLogsReachTheHostLogger checks that a plugin's log records arrive
// as structured records of the host's slog logger, with the plugin's id and
// the trace ids of the request.
func TestPluginLogsReachTheHostLogger(t *testing.T) {
	up := newUpstream(t)
	h := startHostWith(t, "", externalPlugin("weather", "weather", "WEATHER_UPSTREAM_URL: "+up.URL))
	h.do(t, "GET", "/api/weather/forecast?city=Rome", staticToken, "")
	shutdown(t, h)
	// The plugin logs in its handler, with r.Context(): the span there is
	// the plugin's server span.
	var forecast otlptest.Span
	for _, s := range otlptest.ByName(h.rec.Spans(), "plugtrace.plugin.v2.Plugin/CallResource") {
		if s.Kind == tracepb.Span_SPAN_KIND_SERVER {
			forecast = s
		}
	}
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if !strings.Contains(line, "forecast served") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON record of the host's logger: %s", line)
		}
		if rec["plugin_id"] != "weather" || rec["city"] != "Rome" || rec["trace_id"] != forecast.TraceID || rec["span_id"] != forecast.SpanID {
			t.Fatalf("plugin log record %v, want plugin_id weather, city Rome, trace %s span %s", rec, forecast.TraceID, forecast.SpanID)
		}
		return
	}
	t.Fatalf("the plugin's log record did not reach the host's logger:\n%s", h.logs.String())
}

func TestShutdownInterruptsAHangingStart(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "in-handshake")
	yaml := "backend:\n  listen: 127.0.0.1:0\n  tracing: {exporter: none}\nplugins:\n" +
		indent(externalPlugin("ext", "hang", "HOSTTEST_READY_FILE: "+strconv.Quote(ready)), "  ")
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.New(context.Background(), cfg, host.WithExternalLimits(host.ExternalLimits{StartTimeout: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- h.Start() }()
	await.True(t, 10*time.Second, func() bool { _, err := os.Stat(ready); return err == nil },
		"the hanging plugin did not start")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begin := time.Now()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Fatalf("Shutdown waited %v for a plugin stuck in its handshake", took)
	}
	select {
	case <-started: // an error or nil; either way Start returned
	case <-time.After(5 * time.Second):
		t.Fatal("Start still blocked after Shutdown")
	}
}
