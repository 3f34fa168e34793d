// SPDX-License-Identifier: Apache-2.0

package telemetry_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/otlptest"
	"github.com/plugtrace/plugtrace/telemetry"
)

// Where the YAML is silent, the SDK reads the standard OTEL_* variables;
// explicit YAML values win. These tests set the process environment (the
// SDK reads it) and look at what reached a real receiver.

// hostFromYAML parses yaml in the process environment, as plugtrace serve
// does, and builds the host's telemetry from it.
func hostFromYAML(t *testing.T, yaml string) *telemetry.Host {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return newHost(t, cfg.Backend.Tracing)
}

func exportSpan(t *testing.T, h *telemetry.Host, name string) {
	t.Helper()
	_, span := h.TracerProvider().Tracer("t").Start(context.Background(), name)
	span.End()
	flush(t, h)
}

func received(t *testing.T, rec *otlptest.Receiver, name string) otlptest.Span {
	t.Helper()
	return otlptest.ByName(rec.WaitForSpans(t, 5*time.Second, func(s []otlptest.Span) bool {
		return len(otlptest.ByName(s, name)) == 1
	}), name)[0]
}

func TestEnvEndpoint(t *testing.T) {
	t.Run("traces endpoint wins over the general one", func(t *testing.T) {
		traces, general := otlptest.NewReceiver(t), otlptest.NewReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+traces.Endpoint())
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+general.Endpoint())
		exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp}}"), "to traces")
		received(t, traces, "to traces")
		if general.Requests() != 0 {
			t.Fatal("the general endpoint got the export")
		}
	})
	t.Run("general endpoint", func(t *testing.T) {
		rec := otlptest.NewReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+rec.Endpoint())
		exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp}}"), "to general")
		received(t, rec, "to general")
	})
	t.Run("YAML endpoint wins", func(t *testing.T) {
		yamlRec, envRec := otlptest.NewReceiver(t), otlptest.NewReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+envRec.Endpoint())
		exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp, otlp: {endpoint: 'http://"+yamlRec.Endpoint()+"'}}}"), "to yaml")
		received(t, yamlRec, "to yaml")
		if envRec.Requests() != 0 {
			t.Fatal("the variable's endpoint got the export")
		}
	})
	t.Run("headers from the variable; YAML headers replace them", func(t *testing.T) {
		rec := otlptest.NewReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+rec.Endpoint())
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=a%2Cb")
		exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp}}"), "env headers")
		received(t, rec, "env headers")
		exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp, otlp: {headers: {x-yaml: '1'}}}}"), "yaml headers")
		received(t, rec, "yaml headers")
		hs := rec.Headers()
		if got := hs[0].Get("x-team"); len(got) != 1 || got[0] != "a,b" {
			t.Fatalf("x-team = %v, want a,b (percent-decoded)", got)
		}
		if got := hs[len(hs)-1]; len(got.Get("x-team")) != 0 || len(got.Get("x-yaml")) != 1 {
			t.Fatalf("with YAML headers the export carried %v", got)
		}
	})
}

func TestEnvProtocol(t *testing.T) {
	recv := &httpReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	// The general endpoint is a base URL: the exporter adds /v1/traces.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp}}"), "over http")
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.spans) != 1 || recv.spans[0].Name != "over http" {
		t.Fatalf("received %v", otlptest.Names(recv.spans))
	}
}

func TestEnvSampler(t *testing.T) {
	t.Setenv("OTEL_TRACES_SAMPLER", "always_off")
	_, span := hostFromYAML(t, "backend: {tracing: {exporter: none}}").TracerProvider().Tracer("t").Start(context.Background(), "off")
	if span.SpanContext().IsSampled() {
		t.Fatal("OTEL_TRACES_SAMPLER=always_off: the span is sampled")
	}
	span.End()
	_, span = hostFromYAML(t, "backend: {tracing: {exporter: none, sampler: {type: always_on}}}").TracerProvider().Tracer("t").Start(context.Background(), "on")
	if !span.SpanContext().IsSampled() {
		t.Fatal("the YAML sampler always_on did not win over OTEL_TRACES_SAMPLER")
	}
	span.End()
}

func TestEnvSamplerArgOfAYAMLRatioSampler(t *testing.T) {
	t.Setenv("OTEL_TRACES_SAMPLER_ARG", "0")
	tp := hostFromYAML(t, "backend: {tracing: {exporter: none, sampler: {type: traceidratio}}}").TracerProvider()
	for range 20 {
		_, span := tp.Tracer("t").Start(context.Background(), "x")
		if span.SpanContext().IsSampled() {
			t.Fatal("ratio 0 from OTEL_TRACES_SAMPLER_ARG sampled a span")
		}
		span.End()
	}
}

func TestEnvPropagators(t *testing.T) {
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: [16]byte{1, 2}, SpanID: [8]byte{3}, TraceFlags: trace.FlagsSampled}))
	t.Setenv("OTEL_PROPAGATORS", "b3,jaeger")
	carrier := propagation.MapCarrier{}
	hostFromYAML(t, "backend: {tracing: {exporter: none}}").Propagator().Inject(ctx, carrier)
	if carrier.Get("b3") == "" || carrier.Get("uber-trace-id") == "" || carrier.Get("traceparent") != "" {
		t.Fatalf("OTEL_PROPAGATORS=b3,jaeger injected %v", carrier)
	}
	carrier = propagation.MapCarrier{}
	hostFromYAML(t, "backend: {tracing: {exporter: none, propagators: [tracecontext]}}").Propagator().Inject(ctx, carrier)
	if carrier.Get("traceparent") == "" || carrier.Get("b3") != "" {
		t.Fatalf("YAML propagators did not win: %v", carrier)
	}
}

func TestEnvResource(t *testing.T) {
	rec := otlptest.NewReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+rec.Endpoint())
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=e,region=eu,service.name=from-attrs,service.version=9")
	t.Setenv("OTEL_SERVICE_NAME", "from-name")
	exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp}}"), "variables")
	if res := received(t, rec, "variables").Resource; res["service.name"] != "from-name" || res["team"] != "e" || res["region"] != "eu" {
		t.Fatalf("resource %v: OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES", res)
	}
	h := hostFromYAML(t, "backend: {tracing: {exporter: otlp, resource: {service.name: from-yaml, team: y}}}")
	exportSpan(t, h, "yaml")
	if res := received(t, rec, "yaml").Resource; res["service.name"] != "from-yaml" || res["team"] != "y" || res["region"] != "eu" {
		t.Fatalf("resource %v: the YAML wins key by key", res)
	}
	dep := h.DeploymentAttributes()
	if dep["team"] != "y" || dep["region"] != "eu" || dep["service.name"] != "" || dep["service.version"] != "" {
		t.Fatalf("DeploymentAttributes() = %v, want the deployment without the host's service identity", dep)
	}
}

func TestDefaultServiceName(t *testing.T) {
	rec := otlptest.NewReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+rec.Endpoint())
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	exportSpan(t, hostFromYAML(t, "backend: {tracing: {exporter: otlp}}"), "default")
	if res := received(t, rec, "default").Resource; res["service.name"] != "plugtrace" || !strings.HasPrefix(res["telemetry.sdk.language"], "go") {
		t.Fatalf("resource %v, want service.name plugtrace", res)
	}
}
