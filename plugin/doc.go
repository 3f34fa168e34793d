// SPDX-License-Identifier: Apache-2.0

// Package plugin is the SDK for external plugins: executables that a
// plugtrace host starts and supervises, and talks to over gRPC
// (hashicorp/go-plugin).
//
// A plugin author writes an ordinary http.Handler and hands its factory to
// Manage:
//
//	func main() {
//		err := plugin.Manage("weather", newHandler, plugin.ManageOpts{
//			Version:      "1.4.2",
//			PublicRoutes: []string{"GET /health"}, // open to callers without credentials
//		})
//		...
//	}
//
// Manage reads the telemetry hand-off the host put in the environment, sets
// up the plugin's tracer provider (installed as tracing.DefaultTracer), and
// serves the handler. Each request arrives with the host's trace context and
// the caller's credentials in r.Context(): the plugin's spans continue the
// host's trace, and tracing.WithRequest(r) finds the caller.
//
// Manage speaks both versions of the host-plugin protocol; go-plugin
// settles on the newest the host speaks too. In version 2 both bodies
// stream: r.Body yields the request body as the caller sends it, and the
// response reaches the caller as the handler flushes it (http.Flusher, or
// http.NewResponseController(w).Flush), so Server-Sent Events and
// downloads of any size work in flat memory; r.Context() ends when the
// caller goes away. A host that speaks only version 1 gets whole bodies,
// and ignores ManageOpts.Version and PublicRoutes.
package plugin
