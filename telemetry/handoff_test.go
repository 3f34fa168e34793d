package telemetry_test

import (
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/telemetry"
)

func TestHandoffRoundTrip(t *testing.T) {
	in := telemetry.Handoff{
		PluginID: "weather", Enabled: true,
		Endpoint: "http://127.0.0.1:4317", Protocol: "grpc",
		Headers:     map[string]string{"authorization": "Bearer a b,c"},
		Propagators: []string{"tracecontext", "baggage"},
		Sampler:     "parentbased_traceidratio", SamplerArg: "0.25",
		ServiceName: "weather", Resource: map[string]string{"deployment.environment.name": "prod", "team": "a=b"},
		TracerName: "custom", TracerVersion: "2.0.0", TracerSchemaURL: "https://example.com/schema",
		CaptureEndUser: true,
	}
	env := map[string]string{}
	for _, kv := range in.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] != "authorization=Bearer%20a%20b%2Cc" {
		t.Fatalf("headers encoded as %q", env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"])
	}
	out, ok, err := telemetry.HandoffFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil || !ok {
		t.Fatalf("HandoffFromEnv: %v %v", ok, err)
	}
	if out.Headers["authorization"] != "Bearer a b,c" || out.Resource["team"] != "a=b" || out.SamplerArg != "0.25" ||
		out.TracerSchemaURL != in.TracerSchemaURL || !out.CaptureEndUser || !out.Enabled || len(out.Propagators) != 2 {
		t.Fatalf("round trip lost something: %+v", out)
	}

	off := telemetry.Handoff{PluginID: "weather", Enabled: false, Endpoint: "http://x:1", Propagators: []string{"tracecontext"}}
	joined := strings.Join(off.Environ(), "\n")
	if !strings.Contains(joined, "OTEL_SDK_DISABLED=true") || strings.Contains(joined, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
		t.Fatalf("disabled hand-off:\n%s", joined)
	}
	if _, ok, _ := telemetry.HandoffFromEnv(func(string) (string, bool) { return "", false }); ok {
		t.Fatal("no PLUGTRACE_PLUGIN_ID must mean no hand-off")
	}
	if _, _, err := telemetry.HandoffFromEnv(func(k string) (string, bool) {
		return map[string]string{"PLUGTRACE_PLUGIN_ID": "x", "OTEL_RESOURCE_ATTRIBUTES": "novalue"}[k], true
	}); err == nil || !strings.Contains(err.Error(), "OTEL_RESOURCE_ATTRIBUTES") {
		t.Fatalf("malformed resource: %v", err)
	}
}
