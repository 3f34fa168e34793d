// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/benchpair"
)

// BenchmarkExternalRoundTrip measures one request through the host to an
// external plugin's handler that does nothing, with tracing on (every span
// recorded into the embedded store: host server span, host client span,
// plugin server span) and off (nothing sampled, plugin tracing disabled), in
// one run.
func BenchmarkExternalRoundTrip(b *testing.B) {
	modes := []struct{ name, tracing string }{
		{"traced", tracedYAML},
		{"untraced", untracedYAML},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			get := startBenchHost(b, m.tracing)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				get()
			}
		})
	}
}

// BenchmarkExternalRoundTripVersusUntraced runs the traced and the untraced
// host of BenchmarkExternalRoundTrip at once and alternates short rounds of
// requests between them (see internal/benchpair), reporting both ns/op and
// their ratio, so that the machine's drift cancels out.
func BenchmarkExternalRoundTripVersusUntraced(b *testing.B) {
	traced := startBenchHost(b, tracedYAML)
	untraced := startBenchHost(b, untracedYAML)
	benchpair.Compare(b, traced, untraced)
}

const (
	tracedYAML   = "exporter: embedded\n    sampler: {type: parentbased_always_on}"
	untracedYAML = "exporter: none\n    sampler: {type: always_off}\n    plugins: {enabledByDefault: false}"
)

// startBenchHost starts a host with the external test plugin and returns a
// function that makes one request to its handler that does nothing.
func startBenchHost(b *testing.B, tracingYAML string) func() {
	b.Helper()
	yaml := fmt.Sprintf("backend:\n  listen: 127.0.0.1:0\n  auth:\n    externalAccess: [{token: %s, subject: external:bench}]\n  tracing:\n    %s\nplugins:\n%s",
		staticToken, tracingYAML, indent(externalPlugin("ext", "probe"), "  "))
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(noEnv))
	if err != nil {
		b.Fatal(err)
	}
	h, err := host.New(context.Background(), cfg,
		host.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	if err := h.Start(); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
	b.Cleanup(func() {
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
	url := h.URL() + "/api/ext/nothing"
	get := func() {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+staticToken)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	for range 50 { // warm up the connections of both hops
		get()
	}
	return get
}
