// SPDX-License-Identifier: Apache-2.0

package config

import (
	"time"

	"github.com/plugtrace/plugtrace/tracing"
)

// Config is the whole configuration of a plugtrace host. Every key is
// optional; Parse and Load fill in, where the YAML is silent, the standard
// OTEL_* environment variables and then the defaults (see Default).
//
// The `config` struct tags drive decoding and redaction: "secret" marks
// values that errors never show and Redacted masks; "endpoint" marks an
// endpoint, which errors show and Redacted keeps without its user info and
// query; "scalarOrList" lets a list key take a single name too.
type Config struct {
	Backend Backend          `yaml:"backend"`
	Plugins []ExternalPlugin `yaml:"plugins"`
}

// Backend configures the host itself.
type Backend struct {
	// Listen is the HTTP listen address. Default "127.0.0.1:7007".
	Listen  string  `yaml:"listen"`
	Auth    Auth    `yaml:"auth"`
	Tracing Tracing `yaml:"tracing"`
	HTTP    HTTP    `yaml:"http"`
}

// HTTP bounds what the host's server accepts from callers.
type HTTP struct {
	// MaxRequestBody is the largest request body any plugin route accepts;
	// a larger one answers 413. In YAML a size such as 16MiB, 512KiB or a
	// number of bytes. Default DefaultMaxRequestBody (16 MiB); must be
	// positive.
	MaxRequestBody ByteSize `yaml:"maxRequestBody"`
	// ReadTimeout bounds reading a whole request, headers and body. In YAML
	// a Go duration such as 60s or 2m (a bare number is refused). Default
	// DefaultReadTimeout (60s); must be positive.
	ReadTimeout time.Duration `yaml:"readTimeout"`
	// IdleTimeout closes keep-alive connections idle for this long. Default
	// DefaultIdleTimeout (120s); must be positive.
	IdleTimeout time.Duration `yaml:"idleTimeout"`
}

// ByteSize is a number of bytes. As text (YAML, JSON, flag.TextVar) it is
// a whole number of bytes, or a whole number with a unit: 512KiB, 16MiB,
// 2GB (see UnmarshalText).
type ByteSize int64

// Auth configures how callers are authenticated.
type Auth struct {
	// ExternalAccess maps static bearer tokens to service principals.
	ExternalAccess []ExternalAccess `yaml:"externalAccess"`
	// UserTokens configures HS256 user tokens.
	UserTokens UserTokens `yaml:"userTokens"`
	// PublicRoutes opens routes to anonymous callers: http.ServeMux
	// patterns on full paths, "GET /api/weather/health". Every other plugin
	// route needs credentials.
	PublicRoutes []string `yaml:"publicRoutes"`
}

// ExternalAccess is one static service token.
type ExternalAccess struct {
	Token   string `yaml:"token" config:"secret"` // required, at least 16 bytes, unique
	Subject string `yaml:"subject"`               // required, e.g. "external:my-service"
}

// UserTokens configures user tokens: HS256 JWTs whose `sub` is the user
// entity ref.
type UserTokens struct {
	// Secret is the HS256 key, at least 32 bytes. Empty: user tokens are
	// refused.
	Secret string `yaml:"secret" config:"secret"`
}

// Exporter names.
const (
	ExporterEmbedded = "embedded"
	ExporterOTLP     = "otlp"
	ExporterConsole  = "console"
	ExporterNone     = "none"
)

// Tracing configures the host's telemetry and the plugins' tracing.
type Tracing struct {
	// Exporters lists where spans go. In YAML the key is `exporter` and
	// takes a name or a list of names. Default [embedded]. "none" cannot be
	// combined with another exporter.
	Exporters []string `yaml:"exporter" config:"scalarOrList"`
	OTLP      OTLP     `yaml:"otlp"`
	Sampler   Sampler  `yaml:"sampler"`
	// Propagators are OTEL_PROPAGATORS names: tracecontext, baggage, b3,
	// b3multi, jaeger, or none alone. Default from OTEL_PROPAGATORS, else
	// [tracecontext, baggage].
	Propagators []string `yaml:"propagators,omitempty"`
	// Resource holds resource attributes. Keys the YAML does not set come
	// from OTEL_SERVICE_NAME (service.name), then OTEL_RESOURCE_ATTRIBUTES;
	// service.name defaults to "plugtrace".
	Resource map[string]string `yaml:"resource"`
	Capture  Capture           `yaml:"capture"`
	Plugins  PluginDefaults    `yaml:"plugins"`
	// Plugin holds per-plugin settings keyed by plugin id.
	Plugin map[string]PluginTracing `yaml:"plugin"`
	// TrustIncomingContext says whose trace context a request may continue:
	// Trust* names. Default "authenticated".
	TrustIncomingContext string   `yaml:"trustIncomingContext"`
	Embedded             Embedded `yaml:"embedded"`
}

// TrustIncomingContext values.
const (
	// TrustAuthenticated continues the trace of authenticated callers only;
	// other requests start a new trace whose root links to the caller's.
	TrustAuthenticated = "authenticated"
	// TrustAlways continues every caller's trace.
	TrustAlways = "always"
	// TrustNever starts a new, linked trace for every request.
	TrustNever = "never"
)

// OTLP configures the OTLP exporter.
type OTLP struct {
	// Endpoint is host:port, or an http(s) URL that is the traces URL
	// itself, as in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (see EndpointURL);
	// both forms work with both protocols. Default from
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT (a
	// base URL, to which Parse appends /v1/traces for http/protobuf), else
	// "localhost:4317" for grpc and "localhost:4318" for http/protobuf.
	Endpoint string `yaml:"endpoint" config:"endpoint"`
	// Protocol is "grpc" or "http/protobuf". Default from
	// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL, else
	// "grpc".
	Protocol string `yaml:"protocol"`
	// Insecure disables TLS for a host:port endpoint. The scheme of a URL
	// endpoint decides for itself, and Insecure must agree with it: Parse
	// sets it from the scheme when the YAML does not. Default from
	// OTEL_EXPORTER_OTLP_TRACES_INSECURE / OTEL_EXPORTER_OTLP_INSECURE
	// (for a host:port endpoint), else false.
	Insecure bool `yaml:"insecure"`
	// Headers are sent with every export; their values are secrets.
	// Default from OTEL_EXPORTER_OTLP_TRACES_HEADERS /
	// OTEL_EXPORTER_OTLP_HEADERS; a YAML map replaces them as a whole.
	Headers map[string]string `yaml:"headers" config:"secret"`
	TLS     TLS               `yaml:"tls"`
}

// OTLP protocols.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// TLS names PEM files for the OTLP connection. CertFile and KeyFile go
// together. When the otlp exporter is on, Validate checks that the files
// exist; relative paths are relative to the working directory.
type TLS struct {
	CAFile   string `yaml:"caFile"`
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
}

// Sampler names.
const (
	SamplerAlwaysOn                = "always_on"
	SamplerAlwaysOff               = "always_off"
	SamplerTraceIDRatio            = "traceidratio"
	SamplerParentBasedAlwaysOn     = "parentbased_always_on"
	SamplerParentBasedAlwaysOff    = "parentbased_always_off"
	SamplerParentBasedTraceIDRatio = "parentbased_traceidratio"
)

// Sampler configures head sampling.
type Sampler struct {
	// Type is one of the Sampler* names; empty leaves it to the SDK:
	// OTEL_TRACES_SAMPLER, else parentbased_always_on.
	Type string `yaml:"type"`
	// Ratio in [0, 1] for the ratio samplers. Default from
	// OTEL_TRACES_SAMPLER_ARG when Type is a ratio sampler, else 1.
	Ratio float64 `yaml:"ratio"`
}

// IsRatio reports whether a sampler of this type takes a ratio
// (traceidratio, parentbased_traceidratio).
func IsRatio(samplerType string) bool {
	return samplerType == SamplerTraceIDRatio || samplerType == SamplerParentBasedTraceIDRatio
}

// Capture says what personal data spans may carry.
type Capture struct {
	// EndUser records enduser.id. Default false.
	EndUser bool `yaml:"endUser"`
}

// Plugin span export modes.
const (
	ExportRelay  = "relay"
	ExportDirect = "direct"
)

// PluginDefaults applies to every plugin, in-process and external.
type PluginDefaults struct {
	// EnabledByDefault traces plugins without their own `enabled`. Default
	// true.
	EnabledByDefault bool `yaml:"enabledByDefault"`
	// Export is how external plugins export spans: "relay" (default) or
	// "direct".
	Export string `yaml:"export"`
}

// PluginTracing is one plugin's tracing settings.
type PluginTracing struct {
	Enabled *bool          `yaml:"enabled"`
	Tracer  TracerOverride `yaml:"tracer"`
}

// TracerOverride overrides a plugin's instrumentation scope. A `name` given
// in YAML must not be empty.
type TracerOverride struct {
	Name      string `yaml:"name,omitempty"`
	Version   string `yaml:"version,omitempty"`
	SchemaURL string `yaml:"schemaUrl,omitempty"`
}

// Embedded configures the embedded span store.
type Embedded struct {
	// MaxSpans bounds the store. Default 100000; at least 1, at most
	// 10,000,000.
	MaxSpans int `yaml:"maxSpans"`
	// Viewers names who may read the viewer when the host does not listen
	// on loopback only (or whenever it is set): principals such as
	// "user:default/alice" or "external:ops-dashboard", or "*" for any
	// authenticated caller. Unset on loopback: local callers only; unset
	// elsewhere: the viewer is off. An empty list is refused, so that nil
	// alone means unset.
	Viewers []string `yaml:"viewers,omitempty"`
}

// ExternalPlugin is one plugin executable the host starts.
type ExternalPlugin struct {
	ID      string            `yaml:"id"`                  // a valid plugin id, unique
	Command []string          `yaml:"command"`             // argv; non-empty
	Env     map[string]string `yaml:"env" config:"secret"` // extra environment; values are secrets
}

// TracingConfig returns the tracing service configuration this config
// describes.
func (c *Config) TracingConfig() tracing.Config {
	t := tracing.Config{
		CaptureEndUser:   c.Backend.Tracing.Capture.EndUser,
		DisableByDefault: !c.Backend.Tracing.Plugins.EnabledByDefault,
	}
	if len(c.Backend.Tracing.Plugin) > 0 {
		t.Plugins = make(map[string]tracing.PluginConfig, len(c.Backend.Tracing.Plugin))
		for id, p := range c.Backend.Tracing.Plugin {
			t.Plugins[id] = tracing.PluginConfig{
				Enabled: p.Enabled,
				Tracer:  tracing.TracerConfig(p.Tracer),
			}
		}
	}
	return t
}
