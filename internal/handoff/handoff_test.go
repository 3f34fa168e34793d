// SPDX-License-Identifier: Apache-2.0

package handoff_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/internal/handoff"
)

func environMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestRoundTrip(t *testing.T) {
	in := handoff.Settings{
		PluginID: "weather", Enabled: true,
		Endpoint: "http://127.0.0.1:4317", Protocol: "grpc",
		Headers:     map[string]string{"authorization": "Bearer a b,c"},
		Propagators: []string{"tracecontext", "baggage"},
		Sampler:     "parentbased_traceidratio", SamplerArg: "0.25",
		ServiceName: "weather", Resource: map[string]string{"deployment.environment.name": "prod", "team": "a=b"},
		TracerName: "custom", TracerVersion: "2.0.0", TracerSchemaURL: "https://example.com/schema",
		CaptureEndUser: true,
	}
	env := environMap(in.Environ())
	if env[handoff.EnvOTLPHeaders] != "authorization=Bearer%20a%20b%2Cc" {
		t.Fatalf("headers encoded as %q", env[handoff.EnvOTLPHeaders])
	}
	for k, want := range map[string]string{
		handoff.EnvOTLPEndpoint: "http://127.0.0.1:4317", handoff.EnvOTLPProtocol: "grpc",
		handoff.EnvPropagators: "tracecontext,baggage", handoff.EnvSampler: "parentbased_traceidratio",
		handoff.EnvSamplerArg: "0.25", handoff.EnvServiceName: "weather",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	headers, err := handoff.DecodeKeyValues(env[handoff.EnvOTLPHeaders])
	if err != nil || headers["authorization"] != "Bearer a b,c" {
		t.Fatalf("headers decode to %v (%v)", headers, err)
	}
	res, err := handoff.DecodeKeyValues(env[handoff.EnvResource])
	if err != nil || res["team"] != "a=b" || res["deployment.environment.name"] != "prod" {
		t.Fatalf("resource decodes to %v (%v)", res, err)
	}

	out, started, err := handoff.FromEnv(lookupIn(env))
	if err != nil || !started {
		t.Fatalf("FromEnv: %v %v", started, err)
	}
	want := handoff.Plugin{ID: "weather", Enabled: true, TracerName: "custom", TracerVersion: "2.0.0",
		TracerSchemaURL: "https://example.com/schema", CaptureEndUser: true}
	if out != want {
		t.Fatalf("FromEnv = %+v, want %+v", out, want)
	}
}

func TestDisabled(t *testing.T) {
	off := handoff.Settings{PluginID: "weather", Enabled: false, Endpoint: "http://x:1", Headers: map[string]string{"a": "b"},
		Sampler: "always_on", Propagators: []string{"tracecontext"}}
	env := environMap(off.Environ())
	if env[handoff.EnvSampler] != "always_off" || env[handoff.EnvExporter] != "none" || env[handoff.EnvPropagators] != "tracecontext" {
		t.Fatalf("disabled hand-off: %v", env)
	}
	if _, ok := env["OTEL_SDK_DISABLED"]; ok {
		t.Errorf("disabled hand-off sets OTEL_SDK_DISABLED, with which most SDKs stop propagating")
	}
	for _, k := range []string{handoff.EnvOTLPEndpoint, handoff.EnvOTLPHeaders, handoff.EnvSamplerArg} {
		if _, ok := env[k]; ok {
			t.Errorf("disabled hand-off sets %s", k)
		}
	}
	p, _, err := handoff.FromEnv(lookupIn(env))
	if err != nil || p.Enabled {
		t.Fatalf("FromEnv of a disabled hand-off: %+v %v", p, err)
	}
}

func TestFromEnvErrors(t *testing.T) {
	if _, started, _ := handoff.FromEnv(lookupIn(nil)); started {
		t.Fatal("no PLUGTRACE_PLUGIN_ID must mean no hand-off")
	}
	for _, name := range []string{handoff.EnvTracingEnabled, handoff.EnvCaptureEndUser} {
		_, _, err := handoff.FromEnv(lookupIn(map[string]string{handoff.EnvPluginID: "x", name: "maybe"}))
		if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "backend.") {
			t.Errorf("%s=maybe: %v, want an error naming the variable and no YAML key", name, err)
		}
	}
}

func TestDecodeKeyValues(t *testing.T) {
	m, err := handoff.DecodeKeyValues(" a = 1 ,, b=x%2Cy ")
	if err != nil || len(m) != 2 || m["a"] != "1" || m["b"] != "x,y" {
		t.Fatalf("got %v (%v)", m, err)
	}
	m, err = handoff.DecodeKeyValues("ok=1,secret-token,=v,c=%zz")
	if m["ok"] != "1" || len(m) != 1 {
		t.Fatalf("good entries: %v", m)
	}
	var problems []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var kv *handoff.KeyValueError
		if !errors.As(e, &kv) {
			t.Fatalf("%T is not a *KeyValueError", e)
		}
		problems = append(problems, kv.Secret())
	}
	want := "entry 2 has no =|entry 3 has an empty key|entry 4 has a malformed %-escape in its value"
	if got := strings.Join(problems, "|"); got != want {
		t.Fatalf("problems %q, want %q", got, want)
	}
	if strings.Contains(strings.Join(problems, ""), "secret-token") {
		t.Fatal("Secret() shows the entry")
	}
	if enc := handoff.EncodeKeyValues(map[string]string{"b": "x y", "a": "1"}); enc != "a=1,b=x%20y" {
		t.Fatalf("EncodeKeyValues = %q", enc)
	}
}

func TestIsReserved(t *testing.T) {
	for name, want := range map[string]bool{"OTEL_SERVICE_NAME": true, "PLUGTRACE_PLUGIN_ID": true, "PATH": false, "otel_x": false} {
		if handoff.IsReserved(name) != want {
			t.Errorf("IsReserved(%q) != %v", name, want)
		}
	}
}
