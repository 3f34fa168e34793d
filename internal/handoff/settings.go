// SPDX-License-Identifier: Apache-2.0

package handoff

import (
	"slices"
	"strconv"
	"strings"
)

// Settings is what a host tells one plugin about tracing.
type Settings struct {
	PluginID string
	// Enabled is false when tracing is off for the plugin: it then records
	// and exports nothing (OTEL_TRACES_SAMPLER=always_off,
	// OTEL_TRACES_EXPORTER=none), but still propagates trace context.
	Enabled bool
	// Endpoint is the OTLP traces endpoint as a URL, "http://127.0.0.1:4317";
	// the scheme says whether TLS is used.
	Endpoint string
	Protocol string // "grpc" or "http/protobuf"
	Headers  map[string]string
	// Propagators are OTEL_PROPAGATORS names; none keeps the SDK's default.
	Propagators []string
	Sampler     string
	SamplerArg  string
	ServiceName string
	Resource    map[string]string
	// The plugin's tracer scope; empty fields keep the defaults.
	TracerName, TracerVersion, TracerSchemaURL string
	CaptureEndUser                             bool
	// Exporter holds KEY=VALUE pairs of [ExporterVariables] that the host
	// passes on as they are (direct export without a configured endpoint);
	// the fields above win over them.
	Exporter []string
}

// Environ returns s as KEY=VALUE pairs, sorted, without empty values.
func (s Settings) Environ() []string {
	env := map[string]string{
		EnvPluginID:        s.PluginID,
		EnvTracingEnabled:  strconv.FormatBool(s.Enabled),
		EnvCaptureEndUser:  strconv.FormatBool(s.CaptureEndUser),
		EnvPropagators:     strings.Join(s.Propagators, ","),
		EnvServiceName:     s.ServiceName,
		EnvResource:        EncodeKeyValues(s.Resource),
		EnvTracerName:      s.TracerName,
		EnvTracerVersion:   s.TracerVersion,
		EnvTracerSchemaURL: s.TracerSchemaURL,
		EnvMetricsExporter: "none",
		EnvLogsExporter:    "none",
	}
	if s.Enabled {
		env[EnvExporter] = "otlp"
		env[EnvOTLPEndpoint] = s.Endpoint
		env[EnvOTLPProtocol] = s.Protocol
		env[EnvOTLPHeaders] = EncodeKeyValues(s.Headers)
		env[EnvSampler] = s.Sampler
		env[EnvSamplerArg] = s.SamplerArg
	} else {
		// Not OTEL_SDK_DISABLED: with it most SDKs (JavaScript's among
		// them) install no propagator, and the trace stops at the plugin.
		// A sampler that records nothing and no exporter keep the
		// propagation.
		env[EnvSampler] = "always_off"
		env[EnvExporter] = "none"
	}
	for _, kv := range s.Exporter {
		if k, v, ok := strings.Cut(kv, "="); ok && s.Enabled && env[k] == "" {
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
