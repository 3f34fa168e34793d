package config_test

import (
	"reflect"
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

// Where the YAML is silent the OTEL_* variables apply, signal-specific
// ones first; explicit YAML values always win.
func TestEnvFallback(t *testing.T) {
	otlp := func(c *config.Config) any { return c.Backend.Tracing.OTLP }
	sampler := func(c *config.Config) any { return c.Backend.Tracing.Sampler }
	propagators := func(c *config.Config) any { return c.Backend.Tracing.Propagators }
	resource := func(c *config.Config) any { return c.Backend.Tracing.Resource }
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		got  func(*config.Config) any
		want any
	}{
		// Endpoint.
		{"traces endpoint", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "c:1"},
			otlp, config.OTLP{Endpoint: "c:1", Protocol: "grpc"}},
		{"general endpoint", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "c:2"},
			otlp, config.OTLP{Endpoint: "c:2", Protocol: "grpc"}},
		{"traces endpoint wins", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "c:1", "OTEL_EXPORTER_OTLP_ENDPOINT": "c:2"},
			otlp, config.OTLP{Endpoint: "c:1", Protocol: "grpc"}},
		{"YAML endpoint wins", "backend: {tracing: {otlp: {endpoint: 'y:3'}}}",
			map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "c:1", "OTEL_EXPORTER_OTLP_ENDPOINT": "c:2"},
			otlp, config.OTLP{Endpoint: "y:3", Protocol: "grpc"}},
		{"empty variable counts as unset", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "", "OTEL_EXPORTER_OTLP_ENDPOINT": "c:2"},
			otlp, config.OTLP{Endpoint: "c:2", Protocol: "grpc"}},
		{"http URL endpoint means insecure", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"},
			otlp, config.OTLP{Endpoint: "http://c:4317", Protocol: "grpc", Insecure: true}},
		{"general endpoint is a base URL for http/protobuf", "",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c:4318/otlp/", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			otlp, config.OTLP{Endpoint: "https://c:4318/otlp/v1/traces", Protocol: "http/protobuf"}},
		{"general endpoint without a path for http/protobuf", "backend: {tracing: {otlp: {protocol: http/protobuf}}}",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
			otlp, config.OTLP{Endpoint: "http://c:4318/v1/traces", Protocol: "http/protobuf", Insecure: true}},
		{"traces endpoint URL is kept as given", "",
			map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://c:4318/custom", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			otlp, config.OTLP{Endpoint: "https://c:4318/custom", Protocol: "http/protobuf"}},
		// Protocol.
		{"protocol sets the default endpoint", "", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			otlp, config.OTLP{Endpoint: "localhost:4318", Protocol: "http/protobuf"}},
		{"traces protocol wins", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc"}},
		{"YAML protocol wins", "backend: {tracing: {otlp: {protocol: grpc}}}", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc"}},
		// Insecure.
		{"insecure", "", map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "TRUE"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc", Insecure: true}},
		{"traces insecure wins", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_INSECURE": "false", "OTEL_EXPORTER_OTLP_INSECURE": "true"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc"}},
		{"YAML insecure wins", "backend: {tracing: {otlp: {insecure: false}}}", map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "true"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc"}},
		{"a URL's scheme wins over insecure", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c:1", "OTEL_EXPORTER_OTLP_INSECURE": "true"},
			otlp, config.OTLP{Endpoint: "https://c:1", Protocol: "grpc"}},
		// Headers.
		{"headers, percent-decoded", "", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": " authorization = Basic%20abc%3D ,x-team=a%2Cb,,"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc",
				Headers: map[string]string{"authorization": "Basic abc=", "x-team": "a,b"}}},
		{"traces headers replace general ones", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "a=1", "OTEL_EXPORTER_OTLP_HEADERS": "b=2"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc", Headers: map[string]string{"a": "1"}}},
		{"YAML headers replace the variables'", "backend: {tracing: {otlp: {headers: {c: '3'}}}}", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "b=2"},
			otlp, config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc", Headers: map[string]string{"c": "3"}}},
		// Sampler.
		{"sampler", "", map[string]string{"OTEL_TRACES_SAMPLER": "always_off"},
			sampler, config.Sampler{Type: "always_off", Ratio: 1}},
		{"sampler with its argument", "", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": " 0.25 "},
			sampler, config.Sampler{Type: "traceidratio", Ratio: 0.25}},
		{"argument of a YAML ratio sampler", "backend: {tracing: {sampler: {type: parentbased_traceidratio}}}",
			map[string]string{"OTEL_TRACES_SAMPLER": "always_off", "OTEL_TRACES_SAMPLER_ARG": "0.5"},
			sampler, config.Sampler{Type: "parentbased_traceidratio", Ratio: 0.5}},
		{"argument ignored by other samplers", "", map[string]string{"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "x"},
			sampler, config.Sampler{Type: "always_on", Ratio: 1}},
		{"YAML sampler wins", "backend: {tracing: {sampler: {type: traceidratio, ratio: 0}}}",
			map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote", "OTEL_TRACES_SAMPLER_ARG": "0.5"},
			sampler, config.Sampler{Type: "traceidratio", Ratio: 0}},
		// Propagators.
		{"propagators", "", map[string]string{"OTEL_PROPAGATORS": " b3 , jaeger,"},
			propagators, []string{"b3", "jaeger"}},
		{"propagators none", "", map[string]string{"OTEL_PROPAGATORS": "none"},
			propagators, []string{"none"}},
		{"YAML propagators win", "backend: {tracing: {propagators: [baggage]}}", map[string]string{"OTEL_PROPAGATORS": "b3"},
			propagators, []string{"baggage"}},
		// Resource.
		{"resource attributes", "", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "team=a%20b, region = eu ,service.name=from-attrs"},
			resource, map[string]string{"team": "a b", "region": "eu", "service.name": "from-attrs"}},
		{"service name wins over resource attributes", "",
			map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs", "OTEL_SERVICE_NAME": "from-name"},
			resource, map[string]string{"service.name": "from-name"}},
		{"YAML resource wins key by key", "backend: {tracing: {resource: {service.name: from-yaml, team: y}}}",
			map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "team=e,region=eu", "OTEL_SERVICE_NAME": "from-name"},
			resource, map[string]string{"service.name": "from-yaml", "team": "y", "region": "eu"}},
		// Keys without variables are left alone.
		{"unrelated keys", "", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"},
			func(c *config.Config) any { return c.Backend.Tracing.Exporters }, []string{"embedded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.yaml, envOf(tt.env))
			if got := tt.got(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// Without WithLookupEnv, Parse reads the process environment.
func TestEnvProcess(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "from-process")
	t.Setenv("PLUGTRACE_TEST_LISTEN", ":9999")
	c := mustParse(t, "backend:\n  listen: ${PLUGTRACE_TEST_LISTEN}\n")
	if got := c.Backend.Tracing.Resource["service.name"]; got != "from-process" {
		t.Errorf("service.name = %q, want from-process", got)
	}
	if c.Backend.Listen != ":9999" {
		t.Errorf("listen = %q, want :9999", c.Backend.Listen)
	}
}
