// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/handoff"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
	"github.com/plugtrace/plugtrace/tracing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestManageOutsideAHost(t *testing.T) {
	t.Setenv(pluginproto.Handshake.MagicCookieKey, "")
	err := Manage("weather", func(context.Context, Env) (http.Handler, error) { return http.NotFoundHandler(), nil }, ManageOpts{})
	if !errors.Is(err, ErrNotStartedByHost) {
		t.Fatalf("err = %v, want ErrNotStartedByHost", err)
	}
	if err := Manage("Bad Id", nil, ManageOpts{}); !errors.Is(err, tracing.ErrInvalidPluginID) {
		t.Fatalf("invalid id: %v", err)
	}
}

func TestRuntimeFromHandoff(t *testing.T) {
	t.Run("id mismatch", func(t *testing.T) {
		_, err := newRuntime(context.Background(), "weather", lookup(map[string]string{handoff.EnvPluginID: "todos"}), io.Discard, ManageOpts{})
		if err == nil || !strings.Contains(err.Error(), `started this plugin as "todos"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("malformed hand-off", func(t *testing.T) {
		_, err := newRuntime(context.Background(), "weather", lookup(map[string]string{
			handoff.EnvPluginID: "weather", handoff.EnvTracingEnabled: "maybe"}), io.Discard, ManageOpts{})
		if err == nil || !strings.Contains(err.Error(), "PLUGTRACE_TRACING_ENABLED") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("disabled: no-op tracer, context still flows", func(t *testing.T) {
		rt, err := newRuntime(context.Background(), "weather", lookup(map[string]string{
			handoff.EnvPluginID: "weather", handoff.EnvTracingEnabled: "false"}), io.Discard, ManageOpts{})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.shutdown(time.Second)
		parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{7}, SpanID: [8]byte{7}, TraceFlags: trace.FlagsSampled, Remote: true})
		ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
		_, span := tracing.DefaultTracer().Start(ctx, "op")
		if span.IsRecording() || span.SpanContext().TraceID() != parent.TraceID() {
			t.Fatalf("disabled plugin: recording=%v trace %v, want a non-recording span in the caller's trace", span.IsRecording(), span.SpanContext().TraceID())
		}
		headers := http.Header{}
		rt.telemetry.prop.Inject(ctx, propagationCarrier(headers))
		if !strings.Contains(headers.Get("Traceparent"), parent.TraceID().String()) {
			t.Fatalf("traceparent %q does not carry the caller's trace", headers.Get("Traceparent"))
		}
	})
}

func TestLoggerSpeaksGoPluginJSON(t *testing.T) {
	var buf bytes.Buffer
	rt, err := newRuntime(context.Background(), "weather", lookup(nil), &buf, ManageOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.shutdown(time.Second)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{1}, SpanID: [8]byte{2}, TraceFlags: trace.FlagsSampled})
	rt.env.Logger.WarnContext(trace.ContextWithSpanContext(context.Background(), sc), "upstream slow", "city", "Paris")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if rec["@message"] != "upstream slow" || rec["@level"] != "warn" || rec["plugin_id"] != "weather" ||
		rec["city"] != "Paris" || rec["trace_id"] != sc.TraceID().String() || rec["span_id"] != sc.SpanID().String() {
		t.Fatalf("record %v", rec)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", rec["@timestamp"].(string)); err != nil {
		t.Fatalf("@timestamp %v is not in go-plugin's layout: %v", rec["@timestamp"], err)
	}
}

func TestCallResource(t *testing.T) {
	var seen struct {
		creds  auth.Credentials
		path   string
		query  string
		body   string
		header string
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen.creds, _ = auth.CredentialsFromContext(r.Context())
		seen.path, seen.query, seen.header = r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Request-Id")
		b, _ := io.ReadAll(r.Body)
		seen.body = string(b)
		w.Header().Set("X-Item", r.PathValue("id"))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	tel, err := newTelemetry(context.Background(), handoff.Plugin{ID: "items"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := &serverV1{server: &server{handler: mux, telemetry: tel, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}

	resp, err := s.CallResource(context.Background(), &pluginv1.CallResourceRequest{
		Method: "POST", Path: "/items/42", RawQuery: "dry=1", Body: []byte("payload"),
		Headers:   pluginproto.HeaderToProto(http.Header{"X-Request-Id": {"abc"}}),
		Principal: pluginproto.CredentialsToProto(auth.UserCredentials("user:default/alice")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetStatus() != 201 || string(resp.GetBody()) != "ok" || resp.GetRoute() != "POST /items/{id}" ||
		pluginproto.HeaderFromProto(resp.GetHeaders()).Get("X-Item") != "42" {
		t.Fatalf("response %v", resp)
	}
	if seen.creds != auth.UserCredentials("user:default/alice") || seen.path != "/items/42" || seen.query != "dry=1" ||
		seen.body != "payload" || seen.header != "abc" {
		t.Fatalf("handler saw %+v", seen)
	}
	// The handler sees the trace context of the call, not the one the
	// caller's headers carried into the host.
	var got string
	mux.HandleFunc("GET /traceparent", func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("Traceparent") })
	call := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{0xca}, SpanID: [8]byte{0x11}, TraceFlags: trace.FlagsSampled})
	_, err = s.CallResource(trace.ContextWithSpanContext(context.Background(), call), &pluginv1.CallResourceRequest{
		Method: "GET", Path: "/traceparent",
		Headers: pluginproto.HeaderToProto(http.Header{"Traceparent": {"00-0000000000000000000000000000dead-000000000000beef-01"}}),
	})
	if err != nil || !strings.Contains(got, call.TraceID().String()) || !strings.Contains(got, call.SpanID().String()) {
		t.Fatalf("handler saw traceparent %q (%v), want the call's %s", got, err, call.SpanID())
	}
	resp, err = s.CallResource(context.Background(), &pluginv1.CallResourceRequest{Method: "GET", Path: "/panic"})
	if err != nil || resp.GetStatus() != 500 || !strings.Contains(string(resp.GetBody()), `"error"`) {
		t.Fatalf("panicking handler: %v %v", resp, err)
	}
}
