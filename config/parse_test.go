// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/tracing"
)

// noEnv parses without any environment variable.
var noEnv = config.WithLookupEnv(nil)

func envOf(kv map[string]string) config.Option { return config.WithLookupEnv(lookup(kv)) }

func ptr[T any](v T) *T { return &v }

func mustParse(t *testing.T, yaml string, opts ...config.Option) *config.Config {
	t.Helper()
	c, err := config.Parse([]byte(yaml), opts...)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror:\n%v", yaml, err)
	}
	return c
}

// fullEnv is the environment testdata/full.yaml refers to.
var fullEnv = map[string]string{
	"MY_SERVICE_TOKEN":      "my-service-token-0123456789",
	"PLUGTRACE_AUTH_SECRET": "0123456789abcdef0123456789abcdef",
	"OTLP_TOKEN":            "s3cret",
}

func TestLoadFull(t *testing.T) {
	got, err := config.Load(filepath.Join("testdata", "full.yaml"), envOf(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Config{
		Backend: config.Backend{
			Listen: "0.0.0.0:8080",
			Auth: config.Auth{
				ExternalAccess: []config.ExternalAccess{
					{Token: "my-service-token-0123456789", Subject: "external:my-service"},
					{Token: "another-static-token-0123", Subject: "external:batch"},
				},
				UserTokens:   config.UserTokens{Secret: "0123456789abcdef0123456789abcdef"},
				PublicRoutes: []string{"GET /api/weather/health", "/api/todos/{$}", "POST example.com/api/hooks/{id}"},
			},
			Tracing: config.Tracing{
				Exporters: []string{"embedded", "otlp"},
				OTLP: config.OTLP{
					Endpoint: "collector.example.com:4318",
					Protocol: "http/protobuf",
					Insecure: true,
					Headers:  map[string]string{"authorization": "Bearer s3cret", "x-team": "tracing"},
					TLS: config.TLS{
						CAFile:   "testdata/ca.pem",
						CertFile: "testdata/client.pem",
						KeyFile:  "testdata/client-key.pem",
					},
				},
				Sampler:     config.Sampler{Type: "parentbased_traceidratio", Ratio: 0.25},
				Propagators: []string{"tracecontext", "baggage", "b3"},
				Resource:    map[string]string{"service.name": "my-host", "deployment.environment": "prod"},
				Capture:     config.Capture{EndUser: true},
				Plugins:     config.PluginDefaults{EnabledByDefault: false, Export: "relay"},
				Plugin: map[string]config.PluginTracing{
					"todos": {Enabled: ptr(true), Tracer: config.TracerOverride{
						Name: "custom-name", Version: "2.0.0", SchemaURL: "https://example.com/schema"}},
					"weather": {Enabled: ptr(false)},
				},
				TrustIncomingContext: "never",
				Embedded:             config.Embedded{MaxSpans: 5000, Viewers: []string{"user:default/alice", "external:ops-dashboard"}},
			},
			HTTP: config.HTTP{MaxRequestBody: 512 << 10, ReadTimeout: 30 * time.Second, IdleTimeout: 5 * time.Minute},
		},
		Plugins: []config.ExternalPlugin{
			{ID: "weather", Command: []string{"./bin/weather-plugin", "--verbose"},
				Env: map[string]string{"WEATHER_UPSTREAM_URL": "http://127.0.0.1:9000"}},
			{ID: "audit-log", Command: []string{"./bin/audit"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(full.yaml) =\n%#v\nwant\n%#v", got, want)
	}

	// Every key of the Config is in full.yaml, with a value that is not its
	// default, so that no key goes untested.
	def := config.Default()
	checkAllSet(t, reflect.ValueOf(*got), reflect.ValueOf(*def), "")
}

// checkAllSet fails for each leaf of got that equals the same leaf in def.
func checkAllSet(t *testing.T, got, def reflect.Value, path string) {
	t.Helper()
	switch got.Kind() {
	case reflect.Struct:
		for i := range got.NumField() {
			checkAllSet(t, got.Field(i), def.Field(i), path+"."+got.Type().Field(i).Name)
		}
	default:
		// export: direct cannot go with the tls files full.yaml sets; it
		// has a test of its own (TestLoadDirectExport).
		if path == ".Backend.Tracing.Plugins.Export" {
			return
		}
		if reflect.DeepEqual(got.Interface(), def.Interface()) {
			t.Errorf("testdata/full.yaml leaves %s at its default %v", path, got.Interface())
		}
	}
}

// The example of DESIGN.md loads, and differs from the defaults only where
// it says so.
func TestLoadDesignExample(t *testing.T) {
	got, err := config.Load(filepath.Join("testdata", "design.yaml"), envOf(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.Backend.Auth = config.Auth{
		ExternalAccess: []config.ExternalAccess{{Token: fullEnv["MY_SERVICE_TOKEN"], Subject: "external:my-service"}},
		UserTokens:     config.UserTokens{Secret: fullEnv["PLUGTRACE_AUTH_SECRET"]},
		PublicRoutes:   []string{"GET /api/weather/health"},
	}
	want.Backend.Tracing.Embedded.Viewers = []string{"user:default/alice", "external:ops-dashboard"}
	want.Backend.Tracing.OTLP = config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc",
		Headers: map[string]string{"authorization": "Bearer ..."}}
	want.Backend.Tracing.Sampler.Type = "parentbased_always_on"
	want.Backend.Tracing.Propagators = []string{"tracecontext", "baggage"}
	want.Backend.Tracing.Resource = map[string]string{"service.name": "plugtrace"}
	want.Backend.Tracing.Plugin = map[string]config.PluginTracing{"todos": {Enabled: ptr(true),
		Tracer: config.TracerOverride{Name: "custom-name", Version: "2.0.0", SchemaURL: "https://example.com/schema"}}}
	want.Plugins = []config.ExternalPlugin{{ID: "weather", Command: []string{"./bin/weather-plugin"},
		Env: map[string]string{"WEATHER_UPSTREAM_URL": "http://127.0.0.1:9000"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(design.yaml) =\n%#v\nwant\n%#v", got, want)
	}
}

func TestDefault(t *testing.T) {
	c := config.Default()
	want := &config.Config{Backend: config.Backend{
		Listen: "127.0.0.1:7007",
		Tracing: config.Tracing{
			Exporters:            []string{"embedded"},
			Sampler:              config.Sampler{Ratio: 1},
			Plugins:              config.PluginDefaults{EnabledByDefault: true, Export: "relay"},
			TrustIncomingContext: "authenticated",
			Embedded:             config.Embedded{MaxSpans: 100000},
		},
		HTTP: config.HTTP{MaxRequestBody: 16 << 20, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() =\n%#v\nwant\n%#v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	// The exported defaults are the ones applied.
	if h := c.Backend.HTTP; h != (config.HTTP{MaxRequestBody: config.DefaultMaxRequestBody,
		ReadTimeout: config.DefaultReadTimeout, IdleTimeout: config.DefaultIdleTimeout}) {
		t.Errorf("Default().Backend.HTTP = %+v, want the Default* constants", h)
	}
	if got := c.TracingConfig(); !reflect.DeepEqual(got, tracing.Config{}) {
		t.Errorf("Default().TracingConfig() = %#v, want the zero tracing.Config", got)
	}
	if config.Default() == c || &config.Default().Backend.Tracing.Exporters[0] == &c.Backend.Tracing.Exporters[0] {
		t.Error("Default shares memory between calls")
	}
}

// An empty document, and keys given no value, mean the defaults.
func TestParseEmpty(t *testing.T) {
	for _, in := range []string{
		"",
		"# only a comment\n",
		"---\n",
		"~\n",
		"backend:\n",
		"backend: {tracing: {}}\nplugins: []\n",
		"backend:\n  listen: ~\n  tracing:\n    exporter:\n    otlp:\n    sampler: {type: null, ratio: ~}\n    plugins: {enabledByDefault: ~}\n",
	} {
		t.Run(strings.TrimSpace(in), func(t *testing.T) {
			c := mustParse(t, in, noEnv)
			def := config.Default()
			c.Plugins, def.Plugins = nil, nil // [] and nil
			if !reflect.DeepEqual(c, def) {
				t.Errorf("Parse(%q) =\n%#v\nwant Default()\n%#v", in, c, def)
			}
		})
	}
}

// Each key is read from the YAML, and the keys around it keep their
// defaults.
func TestParseKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		got  func(*config.Config) any
		want any
	}{
		{"listen", "backend: {listen: ':8080'}", func(c *config.Config) any { return c.Backend.Listen }, ":8080"},
		{"externalAccess", "backend:\n  auth:\n    externalAccess:\n      - {token: 0123456789abcdef, subject: 'external:a'}",
			func(c *config.Config) any { return c.Backend.Auth.ExternalAccess },
			[]config.ExternalAccess{{Token: "0123456789abcdef", Subject: "external:a"}}},
		{"userTokens.secret", "backend: {auth: {userTokens: {secret: 0123456789abcdef0123456789abcdef}}}",
			func(c *config.Config) any { return c.Backend.Auth.UserTokens.Secret }, "0123456789abcdef0123456789abcdef"},
		{"exporter as a name", "backend: {tracing: {exporter: console}}",
			func(c *config.Config) any { return c.Backend.Tracing.Exporters }, []string{"console"}},
		{"exporter as a list", "backend: {tracing: {exporter: [embedded, otlp, console]}}",
			func(c *config.Config) any { return c.Backend.Tracing.Exporters }, []string{"embedded", "otlp", "console"}},
		{"exporter none", "backend: {tracing: {exporter: [none]}}",
			func(c *config.Config) any { return c.Backend.Tracing.Exporters }, []string{"none"}},
		{"otlp.endpoint", "backend: {tracing: {otlp: {endpoint: 'collector:4317'}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP }, config.OTLP{Endpoint: "collector:4317"}},
		{"otlp.protocol leaves the endpoint to the exporter", "backend: {tracing: {otlp: {protocol: http/protobuf}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP }, config.OTLP{Protocol: "http/protobuf"}},
		{"otlp.insecure", "backend: {tracing: {otlp: {insecure: true}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP.Insecure }, true},
		{"otlp.insecure follows an http URL", "backend: {tracing: {otlp: {endpoint: 'http://c:4317'}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP.Insecure }, true},
		{"otlp.insecure follows an https URL", "backend: {tracing: {otlp: {endpoint: 'https://c:4317'}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP.Insecure }, false},
		{"otlp.headers", "backend: {tracing: {otlp: {headers: {authorization: 'Bearer x', X-Team: a}}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP.Headers },
			map[string]string{"authorization": "Bearer x", "X-Team": "a"}},
		{"otlp.tls", "backend: {tracing: {otlp: {tls: {caFile: ca.pem, certFile: c.pem, keyFile: k.pem}}}}",
			func(c *config.Config) any { return c.Backend.Tracing.OTLP.TLS },
			config.TLS{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"}},
		{"sampler", "backend: {tracing: {sampler: {type: traceidratio, ratio: 0.125}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Sampler }, config.Sampler{Type: "traceidratio", Ratio: 0.125}},
		{"sampler.ratio 0", "backend: {tracing: {sampler: {ratio: 0}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Sampler }, config.Sampler{Ratio: 0}},
		{"sampler.type alone", "backend: {tracing: {sampler: {type: always_off}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Sampler }, config.Sampler{Type: "always_off", Ratio: 1}},
		{"propagators", "backend: {tracing: {propagators: [b3multi, jaeger]}}",
			func(c *config.Config) any { return c.Backend.Tracing.Propagators }, []string{"b3multi", "jaeger"}},
		{"propagators none", "backend: {tracing: {propagators: [none]}}",
			func(c *config.Config) any { return c.Backend.Tracing.Propagators }, []string{"none"}},
		{"resource leaves service.name to the SDK's default", "backend: {tracing: {resource: {team: a}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Resource },
			map[string]string{"team": "a"}},
		{"resource service.name", "backend: {tracing: {resource: {service.name: me}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Resource }, map[string]string{"service.name": "me"}},
		{"capture.endUser", "backend: {tracing: {capture: {endUser: true}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Capture.EndUser }, true},
		{"YAML 1.1 booleans", "backend: {tracing: {capture: {endUser: yes}, plugins: {enabledByDefault: off}}}",
			func(c *config.Config) any {
				return [2]bool{c.Backend.Tracing.Capture.EndUser, c.Backend.Tracing.Plugins.EnabledByDefault}
			}, [2]bool{true, false}},
		{"plugins.enabledByDefault", "backend: {tracing: {plugins: {enabledByDefault: false}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Plugins }, config.PluginDefaults{EnabledByDefault: false, Export: "relay"}},
		{"plugins.export", "backend: {tracing: {plugins: {export: direct}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Plugins }, config.PluginDefaults{EnabledByDefault: true, Export: "direct"}},
		{"plugin.<id>", "backend: {tracing: {plugin: {todos: {enabled: false, tracer: {name: n, version: '1.0', schemaUrl: 'https://s.example/1'}}}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Plugin },
			map[string]config.PluginTracing{"todos": {Enabled: ptr(false),
				Tracer: config.TracerOverride{Name: "n", Version: "1.0", SchemaURL: "https://s.example/1"}}}},
		{"plugin.<id> without settings", "backend: {tracing: {plugin: {todos: , weather: {enabled: ~}}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Plugin },
			map[string]config.PluginTracing{"todos": {}, "weather": {}}},
		{"plugin version as a number", "backend: {tracing: {plugin: {todos: {tracer: {version: 2.0}}}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Plugin["todos"].Tracer.Version }, "2.0"},
		{"embedded.maxSpans", "backend: {tracing: {embedded: {maxSpans: 10}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Embedded.MaxSpans }, 10},
		{"embedded.maxSpans in exponent form", "backend: {tracing: {embedded: {maxSpans: 1e3}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Embedded.MaxSpans }, 1000},
		{"plugins", "plugins:\n  - id: weather\n    command: [./w, -v]\n    env: {A: '1', b_2: x}\n  - {id: other, command: [o]}",
			func(c *config.Config) any { return c.Plugins },
			[]config.ExternalPlugin{
				{ID: "weather", Command: []string{"./w", "-v"}, Env: map[string]string{"A": "1", "b_2": "x"}},
				{ID: "other", Command: []string{"o"}},
			}},
		{"anchors and merge keys", "backend:\n  tracing:\n    plugin:\n      a: &p {enabled: false, tracer: {version: '1'}}\n      b: {<<: *p, enabled: true}\n      c: {<<: [{tracer: {version: '3'}}, *p]}",
			func(c *config.Config) any { return c.Backend.Tracing.Plugin },
			map[string]config.PluginTracing{
				"a": {Enabled: ptr(false), Tracer: config.TracerOverride{Version: "1"}},
				"b": {Enabled: ptr(true), Tracer: config.TracerOverride{Version: "1"}},
				"c": {Enabled: ptr(false), Tracer: config.TracerOverride{Version: "3"}},
			}},
		{"a binary string", "backend: {listen: !!binary OjgwODA=}",
			func(c *config.Config) any { return c.Backend.Listen }, ":8080"},
		{"publicRoutes", "backend: {auth: {publicRoutes: ['GET /api/weather/health', '/api/todos/{id}', 'HEAD api.example.com/api/x/{rest...}']}}",
			func(c *config.Config) any { return c.Backend.Auth.PublicRoutes },
			[]string{"GET /api/weather/health", "/api/todos/{id}", "HEAD api.example.com/api/x/{rest...}"}},
		{"trustIncomingContext", "backend: {tracing: {trustIncomingContext: always}}",
			func(c *config.Config) any { return c.Backend.Tracing.TrustIncomingContext }, "always"},
		{"embedded.viewers", "backend: {tracing: {embedded: {viewers: ['user:default/alice', 'external:ops', 'svc-without-prefix']}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Embedded },
			config.Embedded{MaxSpans: 100000, Viewers: []string{"user:default/alice", "external:ops", "svc-without-prefix"}}},
		{"embedded.viewers any caller", "backend: {tracing: {embedded: {viewers: ['*']}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Embedded.Viewers }, []string{"*"}},
		{"embedded.maxSpans at its bound", "backend: {tracing: {embedded: {maxSpans: 10000000}}}",
			func(c *config.Config) any { return c.Backend.Tracing.Embedded.MaxSpans }, 10_000_000},
		{"http.readTimeout alone", "backend: {http: {readTimeout: 1h30m}}",
			func(c *config.Config) any { return c.Backend.HTTP },
			config.HTTP{MaxRequestBody: config.DefaultMaxRequestBody, ReadTimeout: 90 * time.Minute, IdleTimeout: config.DefaultIdleTimeout}},
		{"http.idleTimeout quoted, fractional", "backend: {http: {idleTimeout: '1.5s'}}",
			func(c *config.Config) any { return c.Backend.HTTP.IdleTimeout }, 1500 * time.Millisecond},
		{"http.maxRequestBody alone", "backend: {http: {maxRequestBody: 1MB}}",
			func(c *config.Config) any { return c.Backend.HTTP },
			config.HTTP{MaxRequestBody: 1_000_000, ReadTimeout: config.DefaultReadTimeout, IdleTimeout: config.DefaultIdleTimeout}},
		{"http keys given no value", "backend:\n  http:\n    maxRequestBody:\n    readTimeout: ~\n    idleTimeout: null\n",
			func(c *config.Config) any { return c.Backend.HTTP },
			config.HTTP{MaxRequestBody: 16 << 20, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}},
		{"http from a variable", "backend: {http: {maxRequestBody: \"${SIZE}\", readTimeout: \"${T}\"}}",
			func(c *config.Config) any { return [2]any{c.Backend.HTTP.MaxRequestBody, c.Backend.HTTP.ReadTimeout} },
			[2]any{config.ByteSize(2 << 30), 45 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.yaml, envOf(map[string]string{"SIZE": "2GiB", "T": "45s"}))
			if got := tt.got(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestTracingConfig(t *testing.T) {
	c := mustParse(t, `
backend:
  tracing:
    capture: {endUser: true}
    plugins: {enabledByDefault: false}
    plugin:
      todos: {enabled: true, tracer: {name: t, version: '2', schemaUrl: 'https://s.example/1'}}
`, noEnv)
	want := tracing.Config{
		CaptureEndUser:   true,
		DisableByDefault: true,
		Plugins: map[string]tracing.PluginConfig{
			"todos": {Enabled: ptr(true), Tracer: tracing.TracerConfig{Name: "t", Version: "2", SchemaURL: "https://s.example/1"}},
		},
	}
	got := c.TracingConfig()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TracingConfig() = %#v, want %#v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("tracing.Config.Validate() = %v", err)
	}
}

func TestLoad(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
		if config.Errors(err) != nil {
			t.Errorf("Errors(%v) = %v, want none", err, config.Errors(err))
		}
	})
	t.Run("errors name the file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(file, []byte("backend:\n  listen: nope\n  tracing: {sampler: {ratio: 3}}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(file, noEnv)
		want := file + ":2"
		for _, e := range config.Errors(err) {
			if e.File != file {
				t.Errorf("%v: File = %q, want %q", e, e.File, file)
			}
		}
		if got := err.Error(); !strings.Contains(got, `backend.listen: "nope" is not host:port (`+want+")") ||
			!strings.Contains(got, "backend.tracing.sampler.ratio: 3 is outside [0, 1] ("+file+":3)") {
			t.Errorf("err =\n%v", err)
		}
	})
}

func TestLoadDirectExport(t *testing.T) {
	ok := "backend:\n  tracing:\n    exporter: otlp\n    plugins: {export: direct}\nplugins:\n  - {id: weather, command: [./w]}\n"
	cfg, err := config.Parse([]byte(ok), envOf(nil))
	if err != nil || cfg.Backend.Tracing.Plugins.Export != "direct" {
		t.Fatalf("direct export: %v %v", cfg, err)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"without otlp": {"backend:\n  tracing:\n    exporter: embedded\n    plugins: {export: direct}\nplugins:\n  - {id: weather, command: [./w]}\n",
			"backend.tracing.plugins.export: direct hands plugins the OTLP upstream, but the exporters [embedded] include no otlp"},
		"with tls files": {"backend:\n  tracing:\n    exporter: otlp\n    otlp: {tls: {caFile: testdata/ca.pem}}\n    plugins: {export: direct}\nplugins:\n  - {id: weather, command: [./w]}\n",
			"backend.tracing.plugins.export: direct cannot hand plugins the files of backend.tracing.otlp.tls"},
		"hand-off variable": {"plugins:\n  - {id: weather, command: [./w], env: {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: x}}\n",
			"plugins[0].env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: is set by the host in the plugin's telemetry hand-off"},
		"bad resource list, value not shown": {"plugins:\n  - {id: weather, command: [./w], env: {OTEL_RESOURCE_ATTRIBUTES: s3cr3t}}\n",
			"plugins[0].env.OTEL_RESOURCE_ATTRIBUTES: is not a comma-separated list of key=value pairs"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml), envOf(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	allowed := "plugins:\n  - {id: weather, command: [./w], env: {OTEL_SERVICE_NAME: forecasts, OTEL_RESOURCE_ATTRIBUTES: \"team=a\"}}\n"
	if _, err := config.Parse([]byte(allowed), envOf(nil)); err != nil {
		t.Fatalf("OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES may be set: %v", err)
	}
}
