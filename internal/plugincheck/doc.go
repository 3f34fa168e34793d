// SPDX-License-Identifier: Apache-2.0

// Package plugincheck checks an external plugin executable, written in any
// language, against the host–plugin protocol: it starts the plugin the way
// the host does (go-plugin over gRPC, the telemetry hand-off, a span relay
// of its own on loopback) and runs, in order, the checks of [Checks]:
// handshake, health, describe (protocol 2), a request round trip, trace
// continuation, flush and a graceful stop. It is what
// `plugtrace plugin check` runs.
package plugincheck
