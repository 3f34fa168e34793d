// SPDX-License-Identifier: Apache-2.0

package config

import (
	"time"

	"github.com/plugtrace/plugtrace/traceview"
)

// The defaults of backend.http, for a host that builds its server from a
// Config it did not parse.
const (
	// DefaultMaxRequestBody is the default of backend.http.maxRequestBody.
	DefaultMaxRequestBody ByteSize = 16 << 20
	// DefaultReadTimeout is the default of backend.http.readTimeout.
	DefaultReadTimeout = 60 * time.Second
	// DefaultIdleTimeout is the default of backend.http.idleTimeout.
	DefaultIdleTimeout = 120 * time.Second
)

// Key paths that defaults fill in, or the OTEL_* variables stand for, when
// the YAML leaves them unset.
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
	pathViewers          = "backend.tracing.embedded.viewers"
	pathTrust            = "backend.tracing.trustIncomingContext"
	pathPublicRoutes     = "backend.auth.publicRoutes"
	pathMaxRequestBody   = "backend.http.maxRequestBody"
	pathReadTimeout      = "backend.http.readTimeout"
	pathIdleTimeout      = "backend.http.idleTimeout"
)

// serviceNameKey is the resource attribute that names the service.
const serviceNameKey = "service.name"

// Default returns the configuration of an empty YAML file:
//
//	backend.listen                           127.0.0.1:7007
//	backend.tracing.exporter                 [embedded]
//	backend.tracing.otlp.insecure            false, or true for an http:// endpoint URL
//	backend.tracing.sampler.ratio            1
//	backend.tracing.capture.endUser          false
//	backend.tracing.plugins.enabledByDefault true
//	backend.tracing.plugins.export           relay
//	backend.tracing.trustIncomingContext     authenticated
//	backend.tracing.embedded.maxSpans        100000
//	backend.http.maxRequestBody              16MiB
//	backend.http.readTimeout                 60s
//	backend.http.idleTimeout                 120s
//
// Every other key is empty: no public routes, and no viewers list (the
// viewer is open to local callers when the host listens on loopback only,
// and off otherwise). The empty OTLP, sampler, propagator and resource
// keys are left to the OpenTelemetry SDK, which reads the standard OTEL_*
// variables and otherwise uses its defaults: OTLP over grpc to
// localhost:4317 (localhost:4318/v1/traces over http/protobuf) with TLS,
// parentbased_always_on, [tracecontext, baggage], and service.name
// "plugtrace" (see package telemetry). To build a configuration in Go, start
// from Default and change what differs.
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
	def(pathInsecure, func() {
		// The scheme of a URL decides, as the OTel specification says.
		if u, ok := parseEndpointURL(t.OTLP.Endpoint); ok {
			t.OTLP.Insecure = u.Scheme == "http"
		}
	})
	def(pathSamplerRatio, func() { t.Sampler.Ratio = 1 })
	def(pathEnabledByDefault, func() { t.Plugins.EnabledByDefault = true })
	def(pathExport, func() { t.Plugins.Export = ExportRelay })
	def(pathTrust, func() { t.TrustIncomingContext = TrustAuthenticated })
	def(pathMaxSpans, func() { t.Embedded.MaxSpans = traceview.DefaultMaxSpans })
	def(pathMaxRequestBody, func() { b.HTTP.MaxRequestBody = DefaultMaxRequestBody })
	def(pathReadTimeout, func() { b.HTTP.ReadTimeout = DefaultReadTimeout })
	def(pathIdleTimeout, func() { b.HTTP.IdleTimeout = DefaultIdleTimeout })
}
