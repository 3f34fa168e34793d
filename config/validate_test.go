// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/config"
)

// Validate checks a Config built in Go, with the same key paths and no
// lines.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*config.Config)
		want   []string
	}{
		{"defaults", func(*config.Config) {}, nil},
		{"a valid full config", func(c *config.Config) {
			c.Backend.Auth.ExternalAccess = []config.ExternalAccess{{Token: "0123456789abcdef", Subject: "external:x"}}
			c.Backend.Auth.UserTokens.Secret = strings.Repeat("s", 32)
			c.Backend.Tracing.Exporters = []string{"otlp", "console"}
			c.Backend.Tracing.OTLP = config.OTLP{Endpoint: "http://c:4318/v1/traces", Protocol: "http/protobuf", Insecure: true,
				Headers: map[string]string{"Authorization": "Bearer x\ty"}}
			c.Backend.Tracing.Plugin = map[string]config.PluginTracing{"todos": {Tracer: config.TracerOverride{SchemaURL: "https://s.example/1"}}}
			c.Plugins = []config.ExternalPlugin{{ID: "weather", Command: []string{"w"}, Env: map[string]string{"_X1": ""}}}
		}, nil},
		{"an empty tracer name is the default in Go", func(c *config.Config) {
			c.Backend.Tracing.Plugin = map[string]config.PluginTracing{"todos": {Tracer: config.TracerOverride{Version: "1"}}}
		}, nil},
		{"insecure must follow an http URL", func(c *config.Config) {
			c.Backend.Tracing.OTLP.Endpoint = "http://c:4317"
		}, []string{`backend.tracing.otlp.insecure: false contradicts the http endpoint "http://c:4317"; the scheme of a URL decides; remove insecure or change the scheme`}},
		{"listen on port 0 is fine", func(c *config.Config) { c.Backend.Listen = "127.0.0.1:0" }, nil},
		{"endpoint port 0", func(c *config.Config) { c.Backend.Tracing.OTLP.Endpoint = "c:0" },
			[]string{`backend.tracing.otlp.endpoint: "c:0" is neither host:port nor an http(s) URL; for example localhost:4317, or https://collector:4318/v1/traces`}},
		{"TLS files are only checked for the otlp exporter", func(c *config.Config) {
			c.Backend.Tracing.OTLP.TLS = config.TLS{CAFile: "nope.pem", CertFile: "nope.pem", KeyFile: "nope.pem"}
		}, nil},
		{"nil lists and maps", func(c *config.Config) {
			c.Backend.Tracing.Exporters, c.Backend.Tracing.Propagators, c.Backend.Tracing.Resource = nil, nil, nil
		}, []string{
			// nil propagators are OTEL_PROPAGATORS', or the SDK's default.
			"backend.tracing.exporter: the list is empty; name at least one of embedded, otlp, console, none (none to turn it off)",
		}},
		{"the security keys", func(c *config.Config) {
			c.Backend.Auth.PublicRoutes = []string{"GET /api/weather/health", "/api/todos/{$}", "POST /api/todos/{id}/done"}
			c.Backend.Tracing.TrustIncomingContext = config.TrustNever
			c.Backend.Tracing.Embedded = config.Embedded{MaxSpans: 10_000_000, Viewers: []string{"user:default/alice", "external:ops", "*"}}
			c.Backend.HTTP = config.HTTP{MaxRequestBody: 1, ReadTimeout: time.Nanosecond, IdleTimeout: time.Hour}
		}, []string{
			`backend.tracing.embedded.viewers: "*" is combined with other names; "*" admits every authenticated caller; use it alone`,
		}},
		{"maxSpans above the store's bound", func(c *config.Config) { c.Backend.Tracing.Embedded.MaxSpans = 4_000_000_000 }, []string{
			"backend.tracing.embedded.maxSpans: 4000000000 is more than 10000000; that is the most the embedded store holds; export to otlp to keep more",
		}},
		{"negative http values", func(c *config.Config) {
			c.Backend.HTTP = config.HTTP{MaxRequestBody: -2 << 20, ReadTimeout: -time.Second, IdleTimeout: 0}
		}, []string{
			"backend.http.maxRequestBody: -2MiB is not positive; give a size such as 16MiB, the default",
			"backend.http.readTimeout: -1s is not positive; give a duration such as 60s, the default",
			"backend.http.idleTimeout: 0s is not positive; give a duration such as 120s, the default",
		}},
		{"an empty list of viewers is not unset", func(c *config.Config) { c.Backend.Tracing.Embedded.Viewers = []string{} }, []string{
			"backend.tracing.embedded.viewers: the list is empty; name who may read the viewer, or remove the key (then, on loopback, local callers may)",
		}},
		{"a host:port endpoint with user info", func(c *config.Config) { c.Backend.Tracing.OTLP.Endpoint = "key@collector:4317" }, []string{
			`backend.tracing.otlp.endpoint: "<redacted>@collector:4317" is neither host:port nor an http(s) URL; for example localhost:4317, or https://collector:4318/v1/traces`,
		}},
		{"an empty list of propagators", func(c *config.Config) { c.Backend.Tracing.Propagators = []string{} }, []string{
			"backend.tracing.propagators: the list is empty; name at least one of tracecontext, baggage, b3, b3multi, jaeger, none (none to turn it off)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(c)
			var got []string
			for _, e := range config.Errors(c.Validate()) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Validate():\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// The zero Config is not valid: start from Default. (Its empty OTLP,
// sampler and propagator keys are: the SDK fills them in.)
func TestValidateZero(t *testing.T) {
	err := (&config.Config{}).Validate()
	want := []string{
		`backend.listen: "" is not host:port; for example 127.0.0.1:7007, or :7007 for every interface`,
		"backend.http.maxRequestBody: 0B is not positive; give a size such as 16MiB, the default",
		"backend.http.readTimeout: 0s is not positive; give a duration such as 60s, the default",
		"backend.http.idleTimeout: 0s is not positive; give a duration such as 120s, the default",
		"backend.tracing.exporter: the list is empty; name at least one of embedded, otlp, console, none (none to turn it off)",
		`backend.tracing.plugins.export: "" is not an export mode; use relay or direct`,
		`backend.tracing.trustIncomingContext: "" is not a trust mode; use authenticated (the default), always or never`,
		"backend.tracing.embedded.maxSpans: 0 is not positive",
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("Validate():\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}
