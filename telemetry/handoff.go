package telemetry

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The hand-off: environment variables through which a host tells an external
// plugin process how to trace. The OTEL_* ones are the standard variables, so
// a plugin built with any OpenTelemetry SDK, in any language, is configured
// by them; the PLUGTRACE_* ones carry what the standard does not name.
const (
	EnvOTLPEndpoint      = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvOTLPProtocol      = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvOTLPHeaders       = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	EnvPropagators       = "OTEL_PROPAGATORS"
	EnvSampler           = "OTEL_TRACES_SAMPLER"
	EnvSamplerArg        = "OTEL_TRACES_SAMPLER_ARG"
	EnvServiceName       = "OTEL_SERVICE_NAME"
	EnvResource          = "OTEL_RESOURCE_ATTRIBUTES"
	EnvSDKDisabled       = "OTEL_SDK_DISABLED"
	EnvPluginID          = "PLUGTRACE_PLUGIN_ID"
	EnvTracingEnabled    = "PLUGTRACE_TRACING_ENABLED"
	EnvTracerName        = "PLUGTRACE_TRACER_NAME"
	EnvTracerVersion     = "PLUGTRACE_TRACER_VERSION"
	EnvTracerSchemaURL   = "PLUGTRACE_TRACER_SCHEMA_URL"
	EnvCaptureEndUser    = "PLUGTRACE_CAPTURE_END_USER"
	handoffOTELPrefix    = "OTEL_"
	handoffPlugtraceName = "PLUGTRACE_"
)

// IsHandoffVariable reports whether name belongs to the hand-off's
// namespaces (OTEL_* or PLUGTRACE_*), which a host never passes through from
// its own environment.
func IsHandoffVariable(name string) bool {
	return strings.HasPrefix(name, handoffOTELPrefix) || strings.HasPrefix(name, handoffPlugtraceName)
}

// Handoff is what a host tells a plugin about tracing.
type Handoff struct {
	PluginID string
	// Enabled is false when tracing is off for the plugin: the plugin then
	// exports nothing but still propagates trace context.
	Enabled bool
	// Endpoint is the OTLP traces endpoint as a URL: "http://127.0.0.1:4317"
	// (the scheme says whether TLS is used).
	Endpoint string
	Protocol string // "grpc" or "http/protobuf"
	Headers  map[string]string
	// Propagators are OTEL_PROPAGATORS names.
	Propagators []string
	Sampler     string
	SamplerArg  string
	ServiceName string
	Resource    map[string]string
	// The plugin's tracer scope; empty fields keep the defaults.
	TracerName, TracerVersion, TracerSchemaURL string
	CaptureEndUser                             bool
}

// Environ returns h as KEY=VALUE pairs, sorted by key.
func (h Handoff) Environ() []string {
	env := map[string]string{
		EnvPluginID:       h.PluginID,
		EnvTracingEnabled: strconv.FormatBool(h.Enabled),
		EnvCaptureEndUser: strconv.FormatBool(h.CaptureEndUser),
		EnvPropagators:    strings.Join(h.Propagators, ","),
		EnvServiceName:    h.ServiceName,
	}
	if !h.Enabled {
		env[EnvSDKDisabled] = "true"
	} else {
		env[EnvOTLPEndpoint] = h.Endpoint
		env[EnvOTLPProtocol] = h.Protocol
		if len(h.Headers) > 0 {
			env[EnvOTLPHeaders] = encodeKeyValues(h.Headers)
		}
		env[EnvSampler] = h.Sampler
		if h.SamplerArg != "" {
			env[EnvSamplerArg] = h.SamplerArg
		}
	}
	if len(h.Resource) > 0 {
		env[EnvResource] = encodeKeyValues(h.Resource)
	}
	for k, v := range map[string]string{EnvTracerName: h.TracerName, EnvTracerVersion: h.TracerVersion, EnvTracerSchemaURL: h.TracerSchemaURL} {
		if v != "" {
			env[k] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	slices.Sort(out)
	return out
}

// encodeKeyValues writes the OTEL_*_HEADERS / OTEL_RESOURCE_ATTRIBUTES
// form: "k1=v1,k2=v2", values percent-encoded.
func encodeKeyValues(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + url.PathEscape(m[k])
	}
	return strings.Join(parts, ",")
}

// ParseKeyValues parses the "k1=v1,k2=v2" form of OTEL_RESOURCE_ATTRIBUTES
// and OTEL_*_HEADERS, values percent-decoded; name is the variable, for
// errors.
func ParseKeyValues(name, s string) (map[string]string, error) { return decodeKeyValues(name, s) }

func decodeKeyValues(name, s string) (map[string]string, error) {
	m := map[string]string{}
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s: %q is not key=value", name, part)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s: value of %q: %w", name, k, err)
		}
		m[strings.TrimSpace(k)] = dv
	}
	return m, nil
}

// HandoffFromEnv reads the hand-off from the environment. ok is false when
// the process was not started by a plugtrace host (no PLUGTRACE_PLUGIN_ID).
func HandoffFromEnv(lookup func(string) (string, bool)) (h Handoff, ok bool, err error) {
	id, ok := lookup(EnvPluginID)
	if !ok {
		return Handoff{}, false, nil
	}
	get := func(k string) string { v, _ := lookup(k); return v }
	h = Handoff{
		PluginID:        id,
		Endpoint:        get(EnvOTLPEndpoint),
		Protocol:        get(EnvOTLPProtocol),
		Sampler:         get(EnvSampler),
		SamplerArg:      get(EnvSamplerArg),
		ServiceName:     get(EnvServiceName),
		TracerName:      get(EnvTracerName),
		TracerVersion:   get(EnvTracerVersion),
		TracerSchemaURL: get(EnvTracerSchemaURL),
	}
	if h.Enabled, err = parseBool(EnvTracingEnabled, get(EnvTracingEnabled), true); err != nil {
		return h, true, err
	}
	disabled, err := parseBool(EnvSDKDisabled, get(EnvSDKDisabled), false)
	if err != nil {
		return h, true, err
	}
	h.Enabled = h.Enabled && !disabled
	if h.CaptureEndUser, err = parseBool(EnvCaptureEndUser, get(EnvCaptureEndUser), false); err != nil {
		return h, true, err
	}
	if p := get(EnvPropagators); p != "" {
		for name := range strings.SplitSeq(p, ",") {
			h.Propagators = append(h.Propagators, strings.TrimSpace(name))
		}
	}
	if v := get(EnvOTLPHeaders); v != "" {
		if h.Headers, err = decodeKeyValues(EnvOTLPHeaders, v); err != nil {
			return h, true, err
		}
	}
	if v := get(EnvResource); v != "" {
		if h.Resource, err = decodeKeyValues(EnvResource, v); err != nil {
			return h, true, err
		}
	}
	return h, true, nil
}

func parseBool(name, v string, def bool) (bool, error) {
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s: %q is not true or false", name, v)
	}
	return b, nil
}
