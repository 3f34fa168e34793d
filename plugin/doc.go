// SPDX-License-Identifier: Apache-2.0

// Package plugin is the SDK for external plugins: executables that a
// plugtrace host starts and supervises, and talks to over gRPC
// (hashicorp/go-plugin).
//
// A plugin author writes an ordinary http.Handler and hands its factory to
// Manage:
//
//	func main() {
//		err := plugin.Manage("weather", newHandler, plugin.ManageOpts{})
//		...
//	}
//
// Manage reads the telemetry hand-off the host put in the environment, sets
// up the plugin's tracer provider (installed as tracing.DefaultTracer), and
// serves the handler. Each request arrives with the host's trace context and
// the caller's credentials in r.Context(): the plugin's spans continue the
// host's trace, and tracing.WithRequest(r) finds the caller.
package plugin
