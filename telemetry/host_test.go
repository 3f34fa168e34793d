// SPDX-License-Identifier: Apache-2.0

package telemetry_test

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/otlptest"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
	"github.com/plugtrace/plugtrace/telemetry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func baseTracing(exporters ...string) config.Tracing {
	return config.Tracing{
		Exporters:   exporters,
		Sampler:     config.Sampler{Type: config.SamplerParentBasedAlwaysOn, Ratio: 1},
		Propagators: []string{"tracecontext", "baggage"},
		Resource:    map[string]string{"service.name": "plugtrace"},
		OTLP:        config.OTLP{Protocol: "grpc"},
	}
}

func newHost(t *testing.T, cfg config.Tracing, opts ...telemetry.HostOption) *telemetry.Host {
	t.Helper()
	opts = append([]telemetry.HostOption{telemetry.WithQueue(64, 16, 20*time.Millisecond, time.Second)}, opts...)
	h, err := telemetry.NewHost(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	return h
}

func flush(t *testing.T, h *telemetry.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOTLPGRPCWithHeaders(t *testing.T) {
	rec := otlptest.NewReceiver(t)
	cfg := baseTracing("otlp")
	cfg.OTLP = config.OTLP{Endpoint: rec.Endpoint(), Protocol: "grpc", Insecure: true,
		Headers: map[string]string{"authorization": "Bearer upstream-secret"}}
	cfg.Resource = map[string]string{"service.name": "my-host", "deployment.environment.name": "test"}
	h := newHost(t, cfg)
	_, span := h.TracerProvider().Tracer("t").Start(context.Background(), "op")
	span.End()
	flush(t, h)
	s := rec.WaitForSpans(t, 5*time.Second, func(s []otlptest.Span) bool { return len(s) == 1 })[0]
	if s.Name != "op" || s.Resource["service.name"] != "my-host" || s.Resource["deployment.environment.name"] != "test" ||
		s.Resource["telemetry.sdk.language"] != "go" {
		t.Fatalf("span %q resource %v", s.Name, s.Resource)
	}
	if got := rec.Headers()[0].Get("authorization"); len(got) != 1 || got[0] != "Bearer upstream-secret" {
		t.Fatalf("authorization header = %v", got)
	}
}

// httpReceiver is a real OTLP/HTTP protobuf endpoint.
type httpReceiver struct {
	mu      sync.Mutex
	spans   []otlptest.Span
	headers []http.Header
}

func (r *httpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "unexpected "+req.URL.Path, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(req.Body)
	var msg collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.spans = append(r.spans, otlptest.Flatten(msg.GetResourceSpans())...)
	r.headers = append(r.headers, req.Header.Clone())
	r.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func TestOTLPHTTPProtobuf(t *testing.T) {
	recv := &httpReceiver{}
	t.Run("insecure host:port", func(t *testing.T) {
		srv := httptest.NewServer(recv)
		defer srv.Close()
		cfg := baseTracing("otlp")
		cfg.OTLP = config.OTLP{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Protocol: "http/protobuf", Insecure: true,
			Headers: map[string]string{"X-Tenant": "acme"}}
		exportOne(t, cfg, "over http")
		recv.mu.Lock()
		defer recv.mu.Unlock()
		if len(recv.spans) != 1 || recv.spans[0].Name != "over http" || recv.headers[0].Get("X-Tenant") != "acme" {
			t.Fatalf("received %v with headers %v", otlptest.Names(recv.spans), recv.headers)
		}
	})
	// The YAML's http/protobuf wins over a JSON encoding in the
	// environment, which the client would otherwise take up.
	t.Run("protobuf when the environment asks for JSON", func(t *testing.T) {
		srv := httptest.NewServer(recv)
		defer srv.Close()
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")
		cfg := baseTracing("otlp")
		cfg.OTLP = config.OTLP{Endpoint: srv.URL, Protocol: "http/protobuf"}
		exportOne(t, cfg, "not json")
		recv.mu.Lock()
		defer recv.mu.Unlock()
		if n := len(otlptest.ByName(recv.spans, "not json")); n != 1 {
			t.Fatalf("%d spans arrived as protobuf, want 1", n)
		}
	})
	t.Run("TLS with a CA file and a URL endpoint", func(t *testing.T) {
		srv := httptest.NewTLSServer(recv)
		defer srv.Close()
		ca := filepath.Join(t.TempDir(), "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := baseTracing("otlp")
		cfg.OTLP = config.OTLP{Endpoint: srv.URL, Protocol: "http/protobuf", TLS: config.TLS{CAFile: ca}}
		exportOne(t, cfg, "over tls")
		recv.mu.Lock()
		defer recv.mu.Unlock()
		if n := len(otlptest.ByName(recv.spans, "over tls")); n != 1 {
			t.Fatalf("TLS export: %d spans arrived", n)
		}
	})
}

func exportOne(t *testing.T, cfg config.Tracing, name string) {
	t.Helper()
	h, err := telemetry.NewHost(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, span := h.TracerProvider().Tracer("t").Start(context.Background(), name)
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*config.Tracing)
		opts []telemetry.HostOption
		want string
	}{
		{"embedded without a store", func(c *config.Tracing) { c.Exporters = []string{"embedded"} }, nil, "embedded: this host has no embedded span store"},
		{"unknown exporter", func(c *config.Tracing) { c.Exporters = []string{"zipkin"} }, nil, `unknown exporter "zipkin"`},
		{"unknown sampler", func(c *config.Tracing) { c.Sampler.Type = "sometimes" }, nil, `unknown sampler "sometimes"`},
		{"unknown propagator", func(c *config.Tracing) { c.Propagators = []string{"xray"} }, nil, `unknown propagator "xray"`},
		{"missing CA file", func(c *config.Tracing) {
			c.Exporters = []string{"otlp"}
			c.OTLP.TLS.CAFile = "/nonexistent/ca.pem"
		}, nil, "backend.tracing.otlp.tls.caFile"},
		{"bad endpoint URL", func(c *config.Tracing) {
			c.Exporters = []string{"otlp"}
			c.OTLP.Endpoint = "ftp://collector"
		}, nil, "neither host:port nor an http(s) URL"},
		{"bad queue", func(*config.Tracing) {}, []telemetry.HostOption{telemetry.WithQueue(0, 1, time.Second, time.Second)}, "every value must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseTracing("none")
			tt.mod(&cfg)
			_, err := telemetry.NewHost(context.Background(), cfg, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSamplers(t *testing.T) {
	sampledParent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: [16]byte{1}, SpanID: [8]byte{1}, TraceFlags: trace.FlagsSampled, Remote: true}))
	tests := []struct {
		typ                string
		ratio              float64
		rootSampled, child bool
	}{
		{config.SamplerAlwaysOn, 1, true, true},
		{config.SamplerAlwaysOff, 1, false, false},
		{config.SamplerTraceIDRatio, 0, false, false},
		{config.SamplerTraceIDRatio, 1, true, true},
		{config.SamplerParentBasedAlwaysOn, 1, true, true},
		{config.SamplerParentBasedAlwaysOff, 1, false, true},
		{config.SamplerParentBasedTraceIDRatio, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			cfg := baseTracing("none")
			cfg.Sampler = config.Sampler{Type: tt.typ, Ratio: tt.ratio}
			h := newHost(t, cfg)
			tr := h.TracerProvider().Tracer("t")
			_, root := tr.Start(context.Background(), "root")
			_, child := tr.Start(sampledParent, "child")
			if root.SpanContext().IsSampled() != tt.rootSampled || child.SpanContext().IsSampled() != tt.child {
				t.Fatalf("root sampled %v child sampled %v, want %v %v", root.SpanContext().IsSampled(), child.SpanContext().IsSampled(), tt.rootSampled, tt.child)
			}
		})
	}
}

// propagatorOf returns the propagator of a host configured with names.
func propagatorOf(t *testing.T, names []string) (propagation.TextMapPropagator, error) {
	t.Helper()
	cfg := baseTracing("none")
	cfg.Propagators = names
	h, err := telemetry.NewHost(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	return h.Propagator(), nil
}

func TestPropagators(t *testing.T) {
	tests := []struct {
		names  []string
		header string
	}{
		{[]string{"tracecontext"}, "traceparent"},
		{[]string{"b3"}, "b3"},
		{[]string{"b3multi"}, "x-b3-traceid"},
		{[]string{"jaeger"}, "uber-trace-id"},
	}
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: [16]byte{1, 2}, SpanID: [8]byte{3}, TraceFlags: trace.FlagsSampled}))
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			p, err := propagatorOf(t, tt.names)
			if err != nil {
				t.Fatal(err)
			}
			carrier := propagation.MapCarrier{}
			p.Inject(ctx, carrier)
			if carrier.Get(tt.header) == "" {
				t.Fatalf("%v injected %v, want header %s", tt.names, carrier, tt.header)
			}
			got := trace.SpanContextFromContext(p.Extract(context.Background(), carrier))
			if got.TraceID() != (trace.TraceID{1, 2}) {
				t.Fatalf("round trip lost the trace id: %v", got.TraceID())
			}
		})
	}
	p, _ := propagatorOf(t, []string{"none"})
	carrier := propagation.MapCarrier{}
	p.Inject(ctx, carrier)
	if len(carrier) != 0 {
		t.Fatalf("none injected %v", carrier)
	}
}

func TestConsoleExporter(t *testing.T) {
	var buf syncbuf.Buffer
	h := newHost(t, baseTracing("console"), telemetry.WithConsoleWriter(&buf))
	_, span := h.TracerProvider().Tracer("t").Start(context.Background(), "list todos")
	span.SetAttributes(attrPlugin("todos"))
	span.SetStatus(codes.Error, "bad body")
	span.End()
	flush(t, h)
	line := buf.String()
	for _, want := range []string{"plugtrace/todos", "list todos", "internal", `ERROR "bad body"`, "trace="} {
		if !strings.Contains(line, want) {
			t.Fatalf("console line %q lacks %q", line, want)
		}
	}
}

func TestEmbeddedAndRelay(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	h := newHost(t, baseTracing("embedded", "none"), telemetry.WithEmbeddedExporter(mem))
	_, span := h.TracerProvider().Tracer("t").Start(context.Background(), "host span")
	span.End()
	relayed := tracetest.SpanStub{
		Name: "plugin span",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: [16]byte{9}, SpanID: [8]byte{9}, TraceFlags: trace.FlagsSampled}),
	}.Snapshot()
	unsampled := tracetest.SpanStub{Name: "unsampled", SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: [16]byte{8}, SpanID: [8]byte{8}})}.Snapshot()
	h.Relay([]sdktrace.ReadOnlySpan{relayed, unsampled})
	flush(t, h)
	var names []string
	for _, s := range mem.GetSpans() {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "host span,plugin span" {
		t.Fatalf("embedded exporter got %v", names)
	}
}

// blockingExporter blocks every export until released or its context ends.
type blockingExporter struct{ release chan struct{} }

func (e blockingExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	select {
	case <-e.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (e blockingExporter) Shutdown(context.Context) error { return nil }

func TestQueueDropsCountsAndLogs(t *testing.T) {
	exp := blockingExporter{release: make(chan struct{})}
	var logs syncbuf.Buffer
	h, err := telemetry.NewHost(context.Background(), baseTracing("embedded"),
		telemetry.WithEmbeddedExporter(exp),
		telemetry.WithQueue(10, 5, 5*time.Millisecond, 20*time.Millisecond),
		telemetry.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	tr := h.TracerProvider().Tracer("t")
	start := time.Now()
	for range 1000 {
		_, s := tr.Start(context.Background(), "op")
		s.End()
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("ending 1000 spans behind a blocked exporter took %v", elapsed)
	}
	// The exporter holds one batch of 5, the queue 10: the rest is dropped.
	if d := h.Dropped(); d < 1000-10-5-5 {
		t.Fatalf("Dropped() = %d, want about 980", d)
	}
	await.True(t, 5*time.Second, func() bool { return strings.Contains(logs.String(), "spans dropped: export queue full") },
		"drops not logged: %s", &logs)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := h.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown behind a blocked exporter = %v, want a deadline error", err)
	}
}
