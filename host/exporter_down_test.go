// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/examples/todos"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
	"github.com/plugtrace/plugtrace/telemetry"
)

// blackhole accepts TCP connections and never answers: a collector that
// hangs, the worst case for an exporter.
func blackhole(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		lis.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return lis.Addr().String()
}

func TestCollectorDownRequestsStillSucceedQuickly(t *testing.T) {
	yaml := fmt.Sprintf(`
backend:
  listen: 127.0.0.1:0
  tracing:
    exporter: otlp
    otlp: {endpoint: %q, insecure: true}
`, blackhole(t))
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	h, err := host.New(context.Background(), cfg,
		host.WithPlugins(todos.Plugin()),
		host.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		// A tiny queue, so that the hung collector makes it overflow.
		host.WithTelemetryOptions(telemetry.WithQueue(8, 4, 10*time.Millisecond, 50*time.Millisecond)),
	)
	if err != nil {
		t.Fatalf("start-up must not depend on the collector: %v", err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}

	// 50 requests, each creating 2 spans, with the export of the first
	// batch hung for its whole 10s timeout: none may wait for it.
	start := time.Now()
	for i := range 50 {
		resp, err := client.Get(h.URL() + "/api/todos/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	// Far below the 10s export timeout: requests never wait on the exporter.
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("50 requests took %v with the collector down", elapsed)
	}
	if h.Telemetry().Dropped() == 0 {
		t.Fatal("no span counted as dropped although the queue overflowed")
	}
	await.True(t, 5*time.Second, func() bool { return contains(logs.String(), "spans dropped: export queue full") },
		"dropped spans were not logged:\n%s", logs)

	// Shutdown honours its deadline even though the collector hangs.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = h.Shutdown(ctx)
	if err == nil {
		t.Fatal("Shutdown reported success although spans could not be flushed")
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("Shutdown took %v, beyond its 500ms deadline", elapsed)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
