package config

// Key paths that defaults and the OTEL_* fallbacks fill in when the YAML
// leaves them unset.
const (
	pathListen           = "backend.listen"
	pathExporter         = "backend.tracing.exporter"
	pathEndpoint         = "backend.tracing.otlp.endpoint"
	pathProtocol         = "backend.tracing.otlp.protocol"
	pathInsecure         = "backend.tracing.otlp.insecure"
	pathHeaders          = "backend.tracing.otlp.headers"
	pathSamplerType      = "backend.tracing.sampler.type"
	pathSamplerRatio     = "backend.tracing.sampler.ratio"
	pathPropagators      = "backend.tracing.propagators"
	pathResource         = "backend.tracing.resource"
	pathEnabledByDefault = "backend.tracing.plugins.enabledByDefault"
	pathExport           = "backend.tracing.plugins.export"
	pathPlugin           = "backend.tracing.plugin"
	pathMaxSpans         = "backend.tracing.embedded.maxSpans"
)

// serviceNameKey is the resource attribute that names the service.
const serviceNameKey = "service.name"

// Default returns the configuration of an empty YAML file in an empty
// environment:
//
//	backend.listen                           127.0.0.1:7007
//	backend.tracing.exporter                 [embedded]
//	backend.tracing.otlp.protocol            grpc
//	backend.tracing.otlp.endpoint            localhost:4317 (grpc), localhost:4318 (http/protobuf)
//	backend.tracing.otlp.insecure            false, or true for an http:// endpoint URL
//	backend.tracing.sampler                  {type: parentbased_always_on, ratio: 1}
//	backend.tracing.propagators              [tracecontext, baggage]
//	backend.tracing.resource                 {service.name: plugtrace}
//	backend.tracing.capture.endUser          false
//	backend.tracing.plugins.enabledByDefault true
//	backend.tracing.plugins.export           relay
//	backend.tracing.embedded.maxSpans        100000
//
// Every other key is empty. To build a configuration in Go, start from
// Default and change what differs.
func Default() *Config {
	c := &Config{}
	applyDefaults(c, func(string) bool { return false })
	return c
}

// applyDefaults gives each key that isSet reports as unset its default.
// It is the one place defaults are written down.
func applyDefaults(c *Config, isSet func(path string) bool) {
	b := &c.Backend
	t := &b.Tracing
	def := func(path string, apply func()) {
		if !isSet(path) {
			apply()
		}
	}
	def(pathListen, func() { b.Listen = "127.0.0.1:7007" })
	def(pathExporter, func() { t.Exporters = []string{ExporterEmbedded} })
	def(pathProtocol, func() { t.OTLP.Protocol = ProtocolGRPC })
	def(pathEndpoint, func() {
		t.OTLP.Endpoint = "localhost:4317"
		if t.OTLP.Protocol == ProtocolHTTPProtobuf {
			t.OTLP.Endpoint = "localhost:4318"
		}
	})
	def(pathInsecure, func() {
		// The scheme of a URL decides, as the OTel specification says.
		if u, ok := parseEndpointURL(t.OTLP.Endpoint); ok {
			t.OTLP.Insecure = u.Scheme == "http"
		}
	})
	def(pathSamplerType, func() { t.Sampler.Type = SamplerParentBasedAlwaysOn })
	def(pathSamplerRatio, func() { t.Sampler.Ratio = 1 })
	def(pathPropagators, func() { t.Propagators = []string{"tracecontext", "baggage"} })
	if t.Resource == nil {
		t.Resource = map[string]string{}
	}
	if _, ok := t.Resource[serviceNameKey]; !ok {
		t.Resource[serviceNameKey] = "plugtrace"
	}
	def(pathEnabledByDefault, func() { t.Plugins.EnabledByDefault = true })
	def(pathExport, func() { t.Plugins.Export = ExportRelay })
	def(pathMaxSpans, func() { t.Embedded.MaxSpans = 100000 })
}
