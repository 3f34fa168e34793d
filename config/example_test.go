// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"fmt"

	"github.com/plugtrace/plugtrace/config"
)

// A configuration takes secrets from the environment with ${VAR}. What it
// leaves out of the OTLP, sampler, propagator and resource keys stays empty:
// the OpenTelemetry SDK reads the standard OTEL_* variables for them (Parse
// checks their values).
func Example() {
	yaml := `
backend:
  auth:
    userTokens:
      secret: ${PLUGTRACE_AUTH_SECRET}
  tracing:
    exporter: [embedded, otlp]
    sampler: {type: parentbased_traceidratio}
plugins:
  - id: weather
    command: [./bin/weather-plugin]
`
	env := map[string]string{
		"PLUGTRACE_AUTH_SECRET":       "an-example-secret-of-32-bytes-or-more",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example.com:4317",
		"OTEL_TRACES_SAMPLER_ARG":     "0.1",
		"OTEL_SERVICE_NAME":           "shop",
	}
	// In a real host the environment is the process's: leave out
	// WithLookupEnv.
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	t := cfg.Backend.Tracing
	fmt.Println("listen:", cfg.Backend.Listen)
	fmt.Println("exporters:", t.Exporters)
	fmt.Printf("otlp endpoint: %q (OTEL_EXPORTER_OTLP_ENDPOINT, read by the exporter)\n", t.OTLP.Endpoint)
	fmt.Println("sampler:", t.Sampler.Type, t.Sampler.Ratio)
	fmt.Printf("service.name: %q (OTEL_SERVICE_NAME, read by the SDK)\n", t.Resource["service.name"])
	fmt.Println("plugins:", cfg.Plugins[0].ID, cfg.Plugins[0].Command)
	// Output:
	// listen: 127.0.0.1:7007
	// exporters: [embedded otlp]
	// otlp endpoint: "" (OTEL_EXPORTER_OTLP_ENDPOINT, read by the exporter)
	// sampler: parentbased_traceidratio 0.1
	// service.name: "" (OTEL_SERVICE_NAME, read by the SDK)
	// plugins: weather [./bin/weather-plugin]
}

// Every problem is reported at once, with its key path, the offending
// value and its line.
func ExampleParse_errors() {
	yaml := `
backend:
  listen: localhost
  auth:
    userTokens:
      secret: ${PLUGTRACE_AUTH_SECRET}
  tracing:
    sampler:
      ratio: 2
    plugin:
      todos:
        tracer: {name: ""}
plugins:
  - id: weather
`
	env := map[string]string{"PLUGTRACE_AUTH_SECRET": "too-short"}
	_, err := config.Parse([]byte(yaml), config.WithLookupEnv(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}))
	fmt.Println(err)
	// Output:
	// backend.listen: "localhost" is not host:port (line 3); for example 127.0.0.1:7007, or :7007 for every interface
	// backend.auth.userTokens.secret: a value of 9 bytes is too short (line 6); use at least 32 random bytes, or leave it empty to refuse user tokens
	// backend.tracing.sampler.ratio: 2 is outside [0, 1] (line 9)
	// backend.tracing.plugin.todos.tracer.name: "" is empty (line 12); remove the key for the default name "plugtrace-plugin-todos"
	// plugins[0].command: is empty (line 14); give the executable and its arguments, e.g. [./bin/weather-plugin]
}

// Redacted masks secrets, for logging the effective configuration.
func ExampleConfig_Redacted() {
	cfg := config.Default()
	cfg.Backend.Auth.UserTokens.Secret = "0123456789abcdef0123456789abcdef"
	cfg.Backend.Tracing.OTLP.Headers = map[string]string{"authorization": "Bearer abc"}

	r := cfg.Redacted()
	fmt.Println(r.Backend.Auth.UserTokens.Secret)
	fmt.Println(r.Backend.Tracing.OTLP.Headers)
	// Output:
	// <redacted>
	// map[authorization:<redacted>]
}
