// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/examples/todos"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/benchproc"
	"github.com/plugtrace/plugtrace/internal/otlptest"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
	"github.com/plugtrace/plugtrace/telemetry"
	"github.com/plugtrace/plugtrace/tracing"
)

// TestMain doubles as the external plugins of the tests: the host starts
// this test binary again, with HOSTTEST_PLUGIN naming the plugin to be. It
// is also every process of the cross-process benchmarks (benchproc.Main).
func TestMain(m *testing.M) {
	benchproc.Main()
	if name := os.Getenv("HOSTTEST_PLUGIN"); name != "" {
		os.Exit(runTestPlugin(name))
	}
	goleak.VerifyTestMain(m)
}

const (
	testSecret  = "test-secret-that-is-at-least-32-bytes-long"
	staticToken = "static-token-of-the-nightly-job"
)

// probe is a test plugin whose handlers count how often they run.
type probe struct {
	calls   atomic.Int32
	release chan struct{} // closed to let /slow finish
	started chan struct{} // receives when /slow is running
}

func (p *probe) plugin() host.Plugin {
	return host.Plugin{ID: "probe", Init: func(_ context.Context, env host.Env) error {
		env.Router.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
			p.calls.Add(1)
			_ = env.Tracing.StartActiveSpan(r.Context(), "probe.count", func(context.Context, tracing.Span) error { return nil }, tracing.WithRequest(r))
			w.WriteHeader(http.StatusNoContent)
		})
		client, err := env.HTTPClient.New(httpClientOptions())
		if err != nil {
			return err
		}
		env.Router.HandleFunc("GET /fetch", func(w http.ResponseWriter, r *http.Request) {
			err := env.Tracing.StartActiveSpan(r.Context(), "probe.fetch", func(ctx context.Context, _ tracing.Span) error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL.Query().Get("url"), nil)
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				return resp.Body.Close()
			})
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
			}
		})
		// /leak sets enduser.id behind the tracing service's back, on the
		// host's server span.
		env.Router.HandleFunc("GET /leak", func(w http.ResponseWriter, r *http.Request) {
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("enduser.id", "user:default/alice"))
			w.WriteHeader(http.StatusNoContent)
		})
		env.Router.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})
		env.Router.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
			p.calls.Add(1)
			panic("probe exploded")
		})
		env.Router.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
			_ = env.Tracing.StartActiveSpan(r.Context(), "probe.slow", func(ctx context.Context, span tracing.Span) error {
				p.started <- struct{}{}
				<-p.release
				return nil
			})
			_, _ = io.WriteString(w, "done")
		})
		return nil
	}}
}

type testHost struct {
	*host.Host
	rec   *otlptest.Receiver
	probe *probe
	logs  *syncbuf.Buffer
}

// startHost runs a host on a free loopback port that exports to an in-test
// OTLP receiver. extra is YAML appended under backend.tracing.
func startHost(t *testing.T, tracingYAML string) *testHost {
	t.Helper()
	return startHostWith(t, tracingYAML, "")
}

// startHostWith is startHost with external plugins: pluginsYAML is the
// list under the top-level plugins key.
func startHostWith(t *testing.T, tracingYAML, pluginsYAML string, opts ...host.Option) *testHost {
	t.Helper()
	return startHostYAML(t, hostYAML{tracing: tracingYAML, plugins: pluginsYAML}, opts...)
}

// hostYAML is what a test adds to the test host's configuration: YAML
// under backend.auth, backend, backend.tracing, and the plugins list.
type hostYAML struct {
	auth, backend, tracing, plugins string
}

func startHostYAML(t *testing.T, y hostYAML, opts ...host.Option) *testHost {
	t.Helper()
	rec := otlptest.NewReceiver(t)
	yaml := fmt.Sprintf(`
backend:
  listen: 127.0.0.1:0
  auth:
    externalAccess:
      - token: %s
        subject: external:nightly
    userTokens:
      secret: %s
%s
  tracing:
    exporter: [otlp, embedded]
    otlp: {endpoint: %q, protocol: grpc, insecure: true}
%s
%s
plugins:
%s`, staticToken, testSecret, indent(y.auth, "    "), rec.Endpoint(), indent(y.tracing, "    "),
		indent(y.backend, "  "), indent(y.plugins, "  "))
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	p := &probe{release: make(chan struct{}), started: make(chan struct{}, 1)}
	logs := &syncbuf.Buffer{}
	opts = append([]host.Option{
		host.WithPlugins(todos.Plugin(), p.plugin()),
		host.WithLogger(slog.New(slog.NewJSONHandler(logs, nil))),
		host.WithTelemetryOptions(telemetry.WithQueue(1024, 64, 50*time.Millisecond, time.Second)),
		host.WithExternalLimits(host.ExternalLimits{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}),
	}, opts...)
	h, err := host.New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
	return &testHost{Host: h, rec: rec, probe: p, logs: logs}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

var client = &http.Client{Timeout: 10 * time.Second}

func (h *testHost) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.URL()+path, strings.NewReader(body))
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
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func userToken(t *testing.T, ref string) string {
	t.Helper()
	tok, err := auth.MintUserToken([]byte(testSecret), ref, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// flushed flushes the host's spans and returns what the receiver has.
func (h *testHost) flushed(t *testing.T) []otlptest.Span {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Telemetry().ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	return h.rec.Spans()
}

func one(t *testing.T, spans []otlptest.Span, name string) otlptest.Span {
	t.Helper()
	found := otlptest.ByName(spans, name)
	if len(found) != 1 {
		t.Fatalf("want one span %q, got %d among %v", name, len(found), otlptest.Names(spans))
	}
	return found[0]
}

func TestSpanTreePerCaller(t *testing.T) {
	for _, capture := range []bool{false, true} {
		callers := []struct {
			name, token, principal, endUser string
		}{
			{"user", "", "user", "user:default/alice"},
			{"service", staticToken, "service", "external:nightly"},
			{"anonymous", "", "none", ""},
		}
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s/capture=%v", c.name, capture), func(t *testing.T) {
				y := hostYAML{tracing: fmt.Sprintf("capture: {endUser: %v}", capture)}
				if c.name == "anonymous" { // the operator opens the route
					y.auth = `publicRoutes: ["POST /api/todos/{$}"]`
				}
				h := startHostYAML(t, y)
				token := c.token
				if c.name == "user" {
					token = userToken(t, "user:default/alice")
				}
				status, body := h.do(t, "POST", "/api/todos/", token, `{"title":"write docs"}`)
				if status != http.StatusCreated {
					t.Fatalf("POST = %d %s", status, body)
				}
				spans := h.flushed(t)
				server := one(t, spans, "POST /api/todos/")
				plugin := one(t, spans, "todos.create")

				if server.Kind != tracepb.Span_SPAN_KIND_SERVER || server.ParentSpanID != "" {
					t.Fatalf("server span: kind %v parent %q", server.Kind, server.ParentSpanID)
				}
				if server.Attributes["http.route"] != "/api/todos/" || server.Resource["service.name"] != "plugtrace" {
					t.Fatalf("server span attributes %v resource %v", server.Attributes, server.Resource)
				}
				if plugin.TraceID != server.TraceID || plugin.ParentSpanID != server.SpanID {
					t.Fatalf("plugin span %s/%s parent %s, want child of server span %s/%s",
						plugin.TraceID, plugin.SpanID, plugin.ParentSpanID, server.TraceID, server.SpanID)
				}
				if plugin.Kind != tracepb.Span_SPAN_KIND_INTERNAL || plugin.Scope != "plugtrace-plugin-todos" {
					t.Fatalf("plugin span kind %v scope %q", plugin.Kind, plugin.Scope)
				}
				if plugin.Attributes["plugtrace.plugin.id"] != "todos" || plugin.Attributes["plugtrace.principal.type"] != c.principal {
					t.Fatalf("plugin span attributes %v, want plugin todos, principal %s", plugin.Attributes, c.principal)
				}
				got, has := plugin.Attributes["enduser.id"]
				switch {
				case capture && c.endUser != "":
					if got != c.endUser {
						t.Fatalf("enduser.id = %q, want %q", got, c.endUser)
					}
				case has:
					t.Fatalf("enduser.id = %q present; capture=%v caller=%s", got, capture, c.name)
				}
				for _, s := range spans {
					if _, ok := s.Attributes["enduser.id"]; ok && !capture {
						t.Fatalf("span %q leaked enduser.id with capture off", s.Name)
					}
				}
			})
		}
	}
}

func TestBadTodoIs400WithErrorSpan(t *testing.T) {
	h := startHost(t, "")
	for _, body := range []string{`[1]`, `{"title": ""}`, `{"title": 3}`, `not json`, `{}`} {
		status, resp := h.do(t, "POST", "/api/todos/", staticToken, body)
		if status != http.StatusBadRequest || !strings.Contains(resp, `"error"`) {
			t.Fatalf("POST %s = %d %s, want 400 with a JSON error", body, status, resp)
		}
	}
	spans := h.flushed(t)
	creates := otlptest.ByName(spans, "todos.create")
	if len(creates) != 5 {
		t.Fatalf("%d todos.create spans, want 5", len(creates))
	}
	for _, s := range creates {
		if s.StatusCode != tracepb.Status_STATUS_CODE_ERROR || s.Attributes["error.type"] != "invalid_todo" {
			t.Fatalf("span status %v error.type %q, want ERROR invalid_todo", s.StatusCode, s.Attributes["error.type"])
		}
		if len(s.Events) == 0 || s.Events[0].Name != "exception" {
			t.Fatalf("no exception event: %+v", s.Events)
		}
	}
	status, body := h.do(t, "GET", "/api/todos/", "", "")
	if status != http.StatusOK || !strings.Contains(body, `"todos":[]`) {
		t.Fatalf("GET after bad POSTs = %d %s, want an empty list", status, body)
	}
}

func TestInvalidTokenGets401BeforePluginCode(t *testing.T) {
	h := startHost(t, "")
	expired, _ := auth.MintUserToken([]byte(testSecret), "user:default/alice", time.Minute, time.Now().Add(-time.Hour))
	wrong, _ := auth.MintUserToken([]byte("another-secret-that-is-32-bytes-long!!"), "user:default/alice", time.Hour, time.Now())
	for name, token := range map[string]string{"garbage": "garbage", "expired": expired, "wrong secret": wrong} {
		status, body := h.do(t, "GET", "/api/probe/count", token, "")
		var e struct{ Error string }
		if status != http.StatusUnauthorized || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Fatalf("%s: %d %s, want 401 with a JSON error", name, status, body)
		}
	}
	if n := h.probe.calls.Load(); n != 0 {
		t.Fatalf("plugin code ran %d times for refused requests", n)
	}
	if status, _ := h.do(t, "GET", "/api/probe/count", userToken(t, "user:default/bob"), ""); status != http.StatusNoContent {
		t.Fatalf("valid token: %d", status)
	}
	spans := h.flushed(t)
	if n := len(otlptest.ByName(spans, "probe.count")); n != 1 {
		t.Fatalf("%d plugin spans, want 1 (only the authenticated request)", n)
	}
	if n := len(otlptest.ByName(spans, "GET /api/probe/")); n != 3 {
		t.Fatalf("refused requests: %d server spans named after the mount, want 3; have %v", n, otlptest.Names(spans))
	}
}

func TestTracerOverride(t *testing.T) {
	h := startHost(t, `
plugin:
  todos:
    tracer: {name: custom-name, version: 2.0.0, schemaUrl: "https://example.com/schema"}
`)
	h.do(t, "GET", "/api/todos/", "", "")
	s := one(t, h.flushed(t), "todos.list")
	if s.Scope != "custom-name" || s.ScopeVersion != "2.0.0" || s.ScopeSchemaURL != "https://example.com/schema" {
		t.Fatalf("scope %q %q %q", s.Scope, s.ScopeVersion, s.ScopeSchemaURL)
	}
}

func TestDisabledPluginStillServes(t *testing.T) {
	h := startHost(t, `
plugin:
  todos: {enabled: false}
`)
	if status, _ := h.do(t, "GET", "/api/todos/", "", ""); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	spans := h.flushed(t)
	one(t, spans, "GET /api/todos/")
	if n := len(otlptest.ByName(spans, "todos.list")); n != 0 {
		t.Fatal("disabled plugin exported a span")
	}
}

func TestRouteNamesAndHostEndpoints(t *testing.T) {
	h := startHost(t, "")
	if status, body := h.do(t, "GET", "/healthz", "", ""); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", status, body)
	}
	status, body := h.do(t, "GET", "/api/plugins", staticToken, "")
	var list struct {
		Plugins []host.PluginInfo `json:"plugins"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Plugins) != 2 {
		t.Fatalf("/api/plugins = %d %s", status, body)
	}
	if p := list.Plugins[0]; p.ID != "todos" || p.Kind != "in-process" || p.State != "running" || !p.Tracing || p.Mount != "/api/todos/" {
		t.Fatalf("plugin info %+v", p)
	}
	h.do(t, "GET", "/api/probe/items/42", staticToken, "")
	spans := h.flushed(t)
	one(t, spans, "GET /healthz")
	one(t, spans, "GET /api/plugins")
	item := one(t, spans, "GET /api/probe/items/{id}")
	if item.Attributes["http.route"] != "/api/probe/items/{id}" {
		t.Fatalf("http.route = %q", item.Attributes["http.route"])
	}
}

func TestPanicBecomes500AndHostKeepsServing(t *testing.T) {
	h := startHost(t, "")
	status, body := h.do(t, "GET", "/api/probe/panic", staticToken, "")
	if status != http.StatusInternalServerError || !strings.Contains(body, `"error"`) {
		t.Fatalf("panic: %d %s, want 500 JSON", status, body)
	}
	if status, _ := h.do(t, "GET", "/api/probe/count", staticToken, ""); status != http.StatusNoContent {
		t.Fatalf("after panic: %d", status)
	}
	s := one(t, h.flushed(t), "GET /api/probe/panic")
	if s.StatusCode != tracepb.Status_STATUS_CODE_ERROR || s.Attributes["http.response.status_code"] != "500" {
		t.Fatalf("server span status %v attrs %v", s.StatusCode, s.Attributes)
	}
	if len(s.Events) == 0 || s.Events[0].Name != "exception" || !strings.Contains(s.Events[0].Attributes["exception.message"], "probe exploded") ||
		s.Events[0].Attributes["exception.stacktrace"] == "" {
		t.Fatalf("panic not recorded on the server span: %+v", s.Events)
	}
}

func TestLogsCarryTraceIDs(t *testing.T) {
	h := startHost(t, "")
	h.do(t, "POST", "/api/todos/", staticToken, `{"title":"x"}`)
	create := one(t, h.flushed(t), "todos.create")
	var rec map[string]any
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, "todo created") {
			_ = json.Unmarshal([]byte(line), &rec)
		}
	}
	if rec["plugin_id"] != "todos" || rec["trace_id"] != create.TraceID || rec["span_id"] != create.SpanID {
		t.Fatalf("log record %v, want plugin_id todos, trace_id %s, span_id %s", rec, create.TraceID, create.SpanID)
	}
}

func TestShutdownFinishesInFlightAndFlushes(t *testing.T) {
	h := startHost(t, "")
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, h.URL()+"/api/probe/slow", nil)
		req.Header.Set("Authorization", "Bearer "+staticToken)
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-h.probe.started // the request is inside plugin code

	shutdownDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shutdownDone <- h.Shutdown(ctx)
	}()
	// New connections are refused while the in-flight request finishes.
	await.True(t, 5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", h.Addr(), time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	}, "host still accepts connections during shutdown")
	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned (%v) before the in-flight request finished", err)
	default:
	}
	close(h.probe.release)
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-shutdownDone; err != nil {
		t.Fatal(err)
	}
	// Shutdown returned: the spans of the in-flight request were exported.
	spans := h.rec.Spans()
	one(t, spans, "probe.slow")
	one(t, spans, "GET /api/probe/slow")
}

func TestInProcessPluginHTTPClient(t *testing.T) {
	up := newUpstream(t)
	h := startHost(t, "propagators: [tracecontext, b3]")
	if status, body := h.do(t, "GET", "/api/probe/fetch?url="+up.URL+"/x", staticToken, ""); status != http.StatusOK {
		t.Fatalf("fetch: %d %s", status, body)
	}
	spans := h.flushed(t)
	fetch := one(t, spans, "probe.fetch")
	var client otlptest.Span
	for _, s := range spans {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && s.ParentSpanID == fetch.SpanID {
			client = s
		}
	}
	if client.SpanID == "" || client.Attributes["plugtrace.plugin.id"] != "probe" {
		t.Fatalf("no client span attributed to the plugin under probe.fetch: %v", otlptest.Names(spans))
	}
	if seen := up.seen(); len(seen) != 1 || !strings.Contains(seen[0], client.SpanID) {
		t.Fatalf("upstream saw traceparent %v, want span %s", seen, client.SpanID)
	}
}

func TestEndUserNeverExportedWithCaptureOff(t *testing.T) {
	for _, capture := range []bool{false, true} {
		t.Run(fmt.Sprintf("capture=%v", capture), func(t *testing.T) {
			h := startHost(t, fmt.Sprintf("capture: {endUser: %v}", capture))
			if status, _ := h.do(t, "GET", "/api/probe/leak", staticToken, ""); status != http.StatusNoContent {
				t.Fatalf("status %d", status)
			}
			server := one(t, h.flushed(t), "GET /api/probe/leak")
			if _, has := server.Attributes["enduser.id"]; has != capture {
				t.Fatalf("capture=%v: server span enduser.id present=%v", capture, has)
			}
		})
	}
}

func TestStartOnceAndShutdownWithoutStart(t *testing.T) {
	h := startHost(t, "")
	if err := h.Start(); !errors.Is(err, host.ErrStarted) {
		t.Fatalf("second Start = %v, want ErrStarted", err)
	}
	yaml := "backend:\n  listen: 127.0.0.1:0\n  tracing: {exporter: none}\nplugins:\n" + indent(externalPlugin("ext", "probe"), "  ")
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	never, err := host.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := never.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown of a host never started: %v", err)
	}
}
