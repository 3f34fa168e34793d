// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A plugin serving concurrent requests calls its upstream concurrently: the
// default transport keeps enough idle connections for a second wave of 16
// requests to open none.
func TestConcurrentRequestsReuseConnections(t *testing.T) {
	const concurrency = 16
	for _, tc := range []struct {
		name        string
		idlePerHost int
		wantNew     func(n int64) bool
		want        string
	}{
		{"default pool", 0, func(n int64) bool { return n == 0 }, "none"},
		// net/http's default of 2 would dial again for most of them.
		{"MaxIdleConnsPerHost 2", 2, func(n int64) bool { return n >= concurrency-2 }, "at least 14"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int64
			wave := newBarrier(concurrency)
			srv := newServerWith(t, func(w http.ResponseWriter, r *http.Request) {
				// Hold every request until all of the wave have come, so
				// that each needs a connection of its own.
				wave.wait(r.Context())
			}, func(s *http.Server) {
				s.ConnState = func(_ net.Conn, s http.ConnState) {
					if s == http.StateNew {
						conns.Add(1)
					}
				}
			})
			tel := newTelemetry(t)
			o := tel.options()
			o.MaxIdleConnsPerHost = tc.idlePerHost
			c := newClient(t, o)

			// Counts the connections the transport has taken back, idle or
			// not: the second wave starts once all are back.
			var returned atomic.Int64
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				PutIdleConn: func(error) { returned.Add(1) },
			})
			sendWave := func() {
				t.Helper()
				var wg sync.WaitGroup
				for range concurrency {
					wg.Go(func() {
						if _, err := do(t, ctx, c, http.MethodGet, srv.URL); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
			}

			sendWave()
			if n := conns.Load(); n != concurrency {
				t.Fatalf("the first wave opened %d connections, want %d", n, concurrency)
			}
			deadline := time.Now().Add(testTimeout)
			for returned.Load() < concurrency && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			wave.reset()
			sendWave()
			if n := conns.Load() - concurrency; !tc.wantNew(n) {
				t.Errorf("the second wave opened %d new connections, want %s", n, tc.want)
			}
		})
	}
}

// barrier holds callers until n of them are waiting.
type barrier struct {
	mu      sync.Mutex
	n, seen int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) {
	b.mu.Lock()
	b.seen++
	release := b.release
	if b.seen == b.n {
		close(release)
	}
	b.mu.Unlock()
	select {
	case <-release:
	case <-ctx.Done():
	}
}

func (b *barrier) reset() {
	b.mu.Lock()
	b.seen, b.release = 0, make(chan struct{})
	b.mu.Unlock()
}
