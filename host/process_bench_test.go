// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/internal/benchpair"
	"github.com/plugtrace/plugtrace/internal/benchproc"
	"github.com/plugtrace/plugtrace/internal/otlptest"
)

// The benchmarks of this file measure CPU time, not wall time: the CPU
// that each system's processes use per request (a host and its plugin
// processes; the anchor's proxy and its backend), read from the kernel
// (internal/proccpu) while the load client, the upstream and the OTLP
// receiver run in the benchmark's own process, unmeasured. Both systems
// run at once and take alternating rounds of requests
// (benchpair.CompareCPU). BENCHPROC_CONCURRENCY sets how many requests are
// in flight (default 4, see benchproc.Concurrency); BENCHPROC_PROFILE_DIR
// makes every process write a CPU profile (see internal/benchproc).

// benchHost is the host config of these benchmarks: a static service
// token, the tracing YAML under backend.tracing, and the plugins list.
func benchHost(tracingYAML, pluginsYAML string) string {
	return fmt.Sprintf("backend:\n  listen: 127.0.0.1:0\n  auth:\n    externalAccess: [{token: %s, subject: external:bench}]\n  tracing:\n%s\nplugins:\n%s",
		staticToken, indent(tracingYAML, "    "), indent(pluginsYAML, "  "))
}

const untracedProcYAML = "exporter: none\nsampler: {type: always_off}\nplugins: {enabledByDefault: false}"

func tracedProcYAML(rec *otlptest.Receiver) string {
	return fmt.Sprintf("exporter: otlp\notlp: {endpoint: %q, protocol: grpc, insecure: true}", rec.Endpoint())
}

// side is one system of a benchmark, with its load client.
func side(s *benchproc.System, c *benchproc.Client, settle func()) benchpair.Side {
	return benchpair.Side{Run: c.Run, CPU: s.CPU, Settle: settle}
}

// exported waits until rec has every span of c's requests, perRequest
// each: the last exports come up to a batch interval after the answers.
func exported(b *testing.B, rec *otlptest.Receiver, c *benchproc.Client, perRequest int) func() {
	return func() {
		want := int(c.Requests()) * perRequest
		deadline := time.Now().Add(20 * time.Second)
		for rec.SpanCount() < want {
			if time.Now().After(deadline) {
				b.Fatalf("the receiver has %d spans of %d requests, want %d each", rec.SpanCount(), c.Requests(), perRequest)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// warmUp sends enough requests to open every connection and grow the
// processes' heaps.
func warmUp(clients ...*benchproc.Client) {
	for _, c := range clients {
		c.Run(200)
	}
}

// BenchmarkInProcessRequestCPU measures the host's CPU per request of
// GET /api/todos/ (the in-process example), traced (every span exported
// over OTLP/gRPC to a receiver) against untraced (exporter none, sampler
// always_off).
func BenchmarkInProcessRequestCPU(b *testing.B) {
	rec := otlptest.NewReceiver(b, otlptest.Discard())
	traced := benchproc.StartHost(b, "traced", benchHost(tracedProcYAML(rec), ""))
	untraced := benchproc.StartHost(b, "untraced", benchHost(untracedProcYAML, ""))
	tc := benchproc.NewClient(b, traced.URL+"/api/todos/", staticToken)
	uc := benchproc.NewClient(b, untraced.URL+"/api/todos/", staticToken)
	warmUp(tc, uc)
	// The server span and the plugin's todos.list.
	benchpair.CompareCPU(b, side(traced, tc, exported(b, rec, tc, 2)), side(untraced, uc, nil))
}

const forecastPath = "/api/weather/forecast?city=Paris"

// BenchmarkCrossProcessVersusReverseProxyCPU measures the CPU per request
// of GET /api/weather/forecast, untraced, through a host and its weather
// plugin process (which fetches the forecast from an upstream through the
// SDK's HTTP client and answers it as JSON), against the anchor: a plain
// httputil.ReverseProxy to a child process that does the same upstream
// call over pooled keep-alive connections and answers the same JSON. Each
// side's CPU is that of both its processes.
//
// In weather, the plugin is the example as it is, which also logs a line
// per request (the host parses it and logs it again); in same-work, that
// line is discarded in the plugin, which then does exactly what the
// anchor's backend does.
func BenchmarkCrossProcessVersusReverseProxyCPU(b *testing.B) {
	for _, v := range []struct {
		name string
		logs bool
	}{{"weather", true}, {"same-work", false}} {
		b.Run(v.name, func(b *testing.B) {
			upstream := benchproc.NewUpstream(b)
			ours := benchproc.StartHost(b, "host", benchHost(untracedProcYAML, benchproc.WeatherPlugin(b, "host", upstream, v.logs)))
			theirs := benchproc.StartReverseProxy(b, "proxy", upstream)
			oc := benchproc.NewClient(b, ours.URL+forecastPath, staticToken)
			tc := benchproc.NewClient(b, theirs.URL+forecastPath, staticToken)
			warmUp(oc, tc)
			if n := ours.Processes(); n != 2 {
				b.Fatalf("the host runs %d processes, want 2 (itself and the plugin)", n)
			}
			if n := theirs.Processes(); n != 2 {
				b.Fatalf("the anchor runs %d processes, want 2 (the proxy and its backend)", n)
			}
			benchpair.CompareCPU(b, side(ours, oc, nil), side(theirs, tc, nil))
		})
	}
}

// BenchmarkCrossProcessTracedVersusUntracedCPU measures the CPU per
// request of host and plugin for GET /api/weather/forecast traced against
// untraced (nothing sampled, plugin tracing off). In relay, the default,
// the plugin exports to the host's relay and the host to an OTLP/gRPC
// receiver; in direct (backend.tracing.plugins.export: direct), the plugin
// exports to the receiver itself, as Grafana's plugins do.
func BenchmarkCrossProcessTracedVersusUntracedCPU(b *testing.B) {
	for _, export := range []string{"relay", "direct"} {
		b.Run(export, func(b *testing.B) {
			upstream := benchproc.NewUpstream(b)
			rec := otlptest.NewReceiver(b, otlptest.Discard())
			tracedYAML := tracedProcYAML(rec) + "\nplugins: {export: " + export + "}"
			traced := benchproc.StartHost(b, "traced", benchHost(tracedYAML, benchproc.WeatherPlugin(b, "traced", upstream, true)))
			untraced := benchproc.StartHost(b, "untraced", benchHost(untracedProcYAML, benchproc.WeatherPlugin(b, "untraced", upstream, true)))
			tc := benchproc.NewClient(b, traced.URL+forecastPath, staticToken)
			uc := benchproc.NewClient(b, untraced.URL+forecastPath, staticToken)
			warmUp(tc, uc)
			// The host's server and client spans; the plugin's server span,
			// its weather.forecast and the HTTP client span of the upstream
			// call.
			benchpair.CompareCPU(b, side(traced, tc, exported(b, rec, tc, 5)), side(untraced, uc, nil))
		})
	}
}
