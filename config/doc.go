// SPDX-License-Identifier: Apache-2.0

// Package config loads, checks and describes the YAML configuration of a
// plugtrace host.
//
//	cfg, err := config.Load("plugtrace.yaml")
//	if err != nil {
//		log.Fatal(err) // every problem, one per line, each with its key path
//	}
//
// # Errors
//
// Every problem is an [*Error] naming the key path of the offending value
// in YAML terms, its line, and usually a hint; several are joined with
// [errors.Join] so that a user sees them all at once:
//
//	backend.tracing.sampler.ratio: 2 is outside [0, 1] (line 7)
//	backend.tracing.exporterz: unknown key (line 4); did you mean exporter? known keys under backend.tracing: ...
//	plugins[1].command: is empty (line 12); give the executable and its arguments, e.g. [./bin/weather-plugin]
//
// Secrets (tokens, the user-token secret, OTLP header values, plugin
// environment values) never appear in errors; their length does. Nor does
// the user info or query of an OTLP endpoint, with a scheme or without
// (key:secret@collector:4317), in errors or in [Config.Redacted].
//
// # Sizes and durations
//
// A size (backend.http.maxRequestBody) is a whole number of bytes, or a
// whole number with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB,
// GiB (powers of 1024), as in 16MiB or 512KiB; fractions are refused
// (write 1536KiB, not 1.5MiB). A duration (backend.http.readTimeout,
// idleTimeout) is a Go duration such as 60s, 2m or 1h30m; a bare number is
// refused, since it could mean seconds or nanoseconds.
//
// # Who may call what
//
// backend.auth.publicRoutes lists [net/http.ServeMux] patterns,
// "[METHOD ][HOST]/PATH", that anonymous callers may use; each path is
// under /api/ (/healthz is always open, and the viewer has its own list).
// backend.tracing.embedded.viewers names who may read the viewer: user
// entity refs (user:default/alice), service subjects (external:ops), or
// "*" alone for any authenticated caller. backend.tracing.trustIncomingContext
// says whose trace context a request continues: authenticated (the
// default), always or never.
//
// # Environment variables
//
// A value may refer to environment variables as ${NAME}; an unset
// variable is an error naming it. Write $${ for a literal ${; any other $
// is kept as it is. References are expanded in values, never in keys, and
// after the YAML is parsed, so a variable's value cannot change the
// document's structure. An unquoted reference is read as if its value had
// been written in its place (`ratio: ${RATIO}` is a number, and a variable
// set to "" leaves the key unset); a quoted one is always a string. Inside
// flow collections ({...}, [...]) braces are YAML syntax: quote the
// reference there, or use block style.
//
// Where the YAML leaves a key unset, the standard OpenTelemetry variables
// apply: the SDK, its OTLP exporters and contrib's autoprop read them
// themselves, the signal-specific form (…_TRACES_…) first, and explicit YAML
// values always win:
//
//	backend.tracing.otlp.endpoint  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT
//	backend.tracing.otlp.protocol  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL
//	backend.tracing.otlp.headers   OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_HEADERS
//	backend.tracing.otlp.insecure  OTEL_EXPORTER_OTLP_TRACES_INSECURE, OTEL_EXPORTER_OTLP_INSECURE
//	backend.tracing.sampler.type   OTEL_TRACES_SAMPLER
//	backend.tracing.sampler.ratio  OTEL_TRACES_SAMPLER_ARG
//	backend.tracing.propagators    OTEL_PROPAGATORS
//	backend.tracing.resource       OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
//
// The configuration keeps those keys empty and checks the variables' values
// (Parse and Load fail with an error naming the variable), so that a bad one
// is not silently replaced by the SDK's default. Headers come as a whole:
// YAML headers, if any, replace the variables'. Resource attributes merge
// key by key: the YAML's keys, then OTEL_SERVICE_NAME, then
// OTEL_RESOURCE_ATTRIBUTES, then the default service.name "plugtrace". A
// ratio sampler named in the YAML without a ratio takes
// OTEL_TRACES_SAMPLER_ARG.
//
// # OTLP endpoints
//
// backend.tracing.otlp.endpoint is host:port, or an http(s) URL. A URL is
// the traces URL itself, as in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; its
// scheme decides whether TLS is used, and insecure follows it (the general
// OTEL_EXPORTER_OTLP_ENDPOINT is a base URL, to which the exporter appends
// /v1/traces over http/protobuf). [OTLP.EndpointURL] gives a configured
// endpoint as a full URL, for the exporters' WithEndpointURL and for handing
// it to external plugins.
package config
