// SPDX-License-Identifier: Apache-2.0

package handoff

import "strings"

// The variables of the hand-off. A host sets each of them (or leaves it
// unset) for every plugin it starts; none passes through from the host's own
// environment.
const (
	EnvOTLPEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvOTLPProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvOTLPHeaders  = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	EnvPropagators  = "OTEL_PROPAGATORS"
	EnvSampler      = "OTEL_TRACES_SAMPLER"
	EnvSamplerArg   = "OTEL_TRACES_SAMPLER_ARG"
	EnvServiceName  = "OTEL_SERVICE_NAME"
	EnvResource     = "OTEL_RESOURCE_ATTRIBUTES"
	EnvExporter     = "OTEL_TRACES_EXPORTER"
	// The host receives traces only: a plugin is told to export no metrics
	// and no logs, which some SDKs (JavaScript's) would otherwise send to
	// the default endpoint.
	EnvMetricsExporter = "OTEL_METRICS_EXPORTER"
	EnvLogsExporter    = "OTEL_LOGS_EXPORTER"

	EnvPluginID        = "PLUGTRACE_PLUGIN_ID"
	EnvTracingEnabled  = "PLUGTRACE_TRACING_ENABLED"
	EnvTracerName      = "PLUGTRACE_TRACER_NAME"
	EnvTracerVersion   = "PLUGTRACE_TRACER_VERSION"
	EnvTracerSchemaURL = "PLUGTRACE_TRACER_SCHEMA_URL"
	EnvCaptureEndUser  = "PLUGTRACE_CAPTURE_END_USER"
)

// IsReserved reports whether name belongs to the hand-off's namespaces
// (OTEL_* or PLUGTRACE_*). A host never passes such a variable through from
// its own environment, and refuses it in a plugin's extra environment, but
// for OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, which it merges into
// the hand-off.
func IsReserved(name string) bool {
	return strings.HasPrefix(name, "OTEL_") || strings.HasPrefix(name, "PLUGTRACE_")
}

// ExporterVariables are the standard variables of an OTLP trace exporter
// that a host exporting directly passes on to its plugins, where its own
// configuration names no upstream.
var ExporterVariables = []string{
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
	"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
	"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
	"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
	"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
}
