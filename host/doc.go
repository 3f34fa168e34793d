// SPDX-License-Identifier: Apache-2.0

// Package host is the plugtrace plugin host: one HTTP server whose requests
// are traced and authenticated, in front of two kinds of plugin.
//
//   - In-process plugins ([Plugin], [WithPlugins]) are Go code compiled into
//     the host. Each gets an [Env]: its own tracing service, logger, router
//     and HTTP clients.
//   - External plugins (plugins[] in the configuration) are executables the
//     host starts with hashicorp/go-plugin, supervises (restarting a crashed
//     one with backoff), and forwards requests to over gRPC. Their spans reach
//     the host's exporters through a loopback OTLP relay, one bearer token
//     per plugin.
//
// Every plugin is mounted at /api/<pluginId>/, and every route there needs
// a caller with credentials (401 JSON before any plugin code runs) unless
// it is open: an in-process plugin opens routes with [Env.AllowAnonymous],
// the operator with backend.auth.publicRoutes. The host is the trust
// boundary between callers, plugins and traces: see the README's Security
// section for what it trusts each of them with. The server span of each
// request is named after its route ("POST /api/todos/"), and a plugin's own
// spans are its children, so one request is one trace, across processes.
//
// The files follow the concepts: options.go (how a Host is configured),
// host.go (New and the routes), lifecycle.go (Start, Shutdown, Run),
// inprocess.go, external.go and supervisor.go (the two kinds of plugin),
// handoff.go (the environment an external plugin starts with), forward.go
// and forward_v2.go (a request's way to a plugin process; head_wait.go bounds the wait for v2's answer), plugin_log.go
// and hclog_adapter.go (a plugin's log lines and go-plugin's records, in
// the host's log), relay.go (the way back for its spans), plugin_list.go
// (/api/plugins), access.go (who may call which route), body_limit.go
// (backend.http.maxRequestBody for in-process plugins), viewer.go (who may
// read the trace viewer), server_span.go, server_attributes.go and
// server_metrics.go (the outermost handler: the caller, the server span
// and its metrics, panics), middleware.go (route names).
package host
