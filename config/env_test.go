// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

// Where the YAML is silent the SDK reads the OTEL_* variables (package
// telemetry tests what reaches a receiver); the configuration keeps those
// keys empty, and takes OTEL_TRACES_SAMPLER_ARG only for a ratio sampler
// named in the YAML without a ratio.
func TestEnvLeavesKeysToTheSDK(t *testing.T) {
	env := envOf(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
		"OTEL_EXPORTER_OTLP_HEADERS": "a=1", "OTEL_TRACES_SAMPLER": "always_off", "OTEL_TRACES_SAMPLER_ARG": "0.5",
		"OTEL_PROPAGATORS": "b3", "OTEL_RESOURCE_ATTRIBUTES": "team=a", "OTEL_SERVICE_NAME": "n",
	})
	tr := mustParse(t, "", env).Backend.Tracing
	if !reflect.DeepEqual(tr.OTLP, config.OTLP{}) || tr.Sampler != (config.Sampler{Ratio: 1}) || tr.Propagators != nil || tr.Resource != nil {
		t.Errorf("YAML-silent keys were filled from the environment: %+v", tr)
	}
	tr = mustParse(t, "backend: {tracing: {sampler: {type: parentbased_traceidratio}}}", env).Backend.Tracing
	if tr.Sampler != (config.Sampler{Type: "parentbased_traceidratio", Ratio: 0.5}) {
		t.Errorf("a YAML ratio sampler without a ratio: %+v, want ratio 0.5 from OTEL_TRACES_SAMPLER_ARG", tr.Sampler)
	}
	tr = mustParse(t, "backend: {tracing: {sampler: {type: traceidratio, ratio: 0}}}", env).Backend.Tracing
	if tr.Sampler != (config.Sampler{Type: "traceidratio", Ratio: 0}) {
		t.Errorf("YAML ratio: %+v", tr.Sampler)
	}
	// A bad variable behind a YAML value is not what the SDK reads: no error.
	mustParse(t, "backend: {tracing: {propagators: [b3], otlp: {protocol: grpc}}}",
		envOf(map[string]string{"OTEL_PROPAGATORS": "bogus", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}))
}

// Without WithLookupEnv, Parse reads the process environment.
func TestEnvProcess(t *testing.T) {
	t.Setenv("OTEL_TRACES_SAMPLER", "bogus")
	t.Setenv("PLUGTRACE_TEST_LISTEN", ":9999")
	if _, err := config.Parse([]byte("backend:\n  listen: ${PLUGTRACE_TEST_LISTEN}\n")); err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_SAMPLER") {
		t.Errorf("a bad OTEL_TRACES_SAMPLER in the process environment: %v", err)
	}
	t.Setenv("OTEL_TRACES_SAMPLER", "always_on")
	c := mustParse(t, "backend:\n  listen: ${PLUGTRACE_TEST_LISTEN}\n")
	if c.Backend.Listen != ":9999" {
		t.Errorf("listen = %q, want :9999", c.Backend.Listen)
	}
}
