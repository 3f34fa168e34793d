// SPDX-License-Identifier: Apache-2.0

package spanqueue_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/spanqueue"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exporter records the size of each batch; block, when set, holds exports
// until it is closed.
type exporter struct {
	mu      sync.Mutex
	batches []int
	block   chan struct{}
}

func (e *exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches = append(e.batches, len(spans))
	return nil
}

func (e *exporter) Shutdown(context.Context) error { return nil }

func (e *exporter) sizes() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int(nil), e.batches...)
}

func (e *exporter) total() int {
	n := 0
	for _, s := range e.sizes() {
		n += s
	}
	return n
}

func span(sampled bool) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStub{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: [16]byte{1}, SpanID: [8]byte{1}, TraceFlags: map[bool]trace.TraceFlags{true: trace.FlagsSampled}[sampled],
	})}
	return stub.Snapshot()
}

func settings(size, batch int, interval time.Duration) spanqueue.Settings {
	return spanqueue.Settings{Size: size, BatchSize: batch, Interval: interval, ExportTimeout: time.Second, ReportEvery: time.Hour}
}

func shutdown(t *testing.T, q *spanqueue.Queue) {
	t.Helper()
	if err := q.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestFullBatchGoesAtOnce checks that a full batch does not wait for the
// interval, and that the rest waits for it.
func TestFullBatchGoesAtOnce(t *testing.T) {
	exp := &exporter{}
	q := spanqueue.New("test", exp, settings(100, 10, time.Hour), slog.New(slog.DiscardHandler))
	defer shutdown(t, q)
	for range 25 {
		q.OnEnd(span(true))
	}
	q.OnEnd(span(false)) // not sampled: not exported
	await.True(t, 5*time.Second, func() bool { return exp.total() == 20 }, "exported %v, want two batches of 10", await.Value(&exp.batches))
	time.Sleep(20 * time.Millisecond)
	if got := exp.sizes(); len(got) != 2 || got[0] != 10 || got[1] != 10 {
		t.Fatalf("batches %v, want [10 10] before the interval", got)
	}
	if err := q.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := exp.total(); got != 25 {
		t.Fatalf("after ForceFlush: %d spans exported (%v), want 25", got, exp.sizes())
	}
}

func TestIntervalExportsPartialBatches(t *testing.T) {
	exp := &exporter{}
	q := spanqueue.New("test", exp, settings(100, 10, 10*time.Millisecond), slog.New(slog.DiscardHandler))
	defer shutdown(t, q)
	q.Enqueue([]sdktrace.ReadOnlySpan{span(true), span(true), span(false)})
	await.True(t, 5*time.Second, func() bool { return exp.total() == 2 }, "exported %v, want the 2 sampled spans", await.Value(&exp.batches))
}

// TestDropsAreCountedAndReported fills the queue while the exporter hangs.
func TestDropsAreCountedAndReported(t *testing.T) {
	exp := &exporter{block: make(chan struct{})}
	logs := &syncbuf.Buffer{}
	s := settings(5, 5, time.Hour)
	s.ReportEvery = time.Nanosecond
	q := spanqueue.New("test", exp, s, slog.New(slog.NewTextHandler(logs, nil)))
	for range 5 {
		q.OnEnd(span(true)) // a full batch: the export takes it, and hangs
	}
	await.True(t, 5*time.Second, func() bool {
		q.OnEnd(span(true))
		return q.Dropped() > 0
	}, "nothing dropped")
	q.Enqueue([]sdktrace.ReadOnlySpan{span(true), span(true), span(true), span(true), span(true), span(true)})
	if q.Dropped() < 2 {
		t.Fatalf("dropped %d", q.Dropped())
	}
	close(exp.block)
	shutdown(t, q)
	if !strings.Contains(logs.String(), "spans dropped: export queue full") {
		t.Fatalf("log: %s", logs.String())
	}
	if got := uint64(exp.total()) + q.Dropped(); got < 11 {
		t.Fatalf("%d exported + %d dropped, want every span accounted for", exp.total(), q.Dropped())
	}
}

// TestShutdownWithinItsDeadline checks that a hanging export does not
// hold Shutdown past its context.
func TestShutdownWithinItsDeadline(t *testing.T) {
	exp := &exporter{block: make(chan struct{})}
	q := spanqueue.New("test", exp, settings(10, 5, time.Hour), slog.New(slog.DiscardHandler))
	for range 3 {
		q.OnEnd(span(true))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = q.Shutdown(ctx) // an error or none: the export gave up at the deadline too
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v, past its deadline of 50ms", d)
	}
	q.OnEnd(span(true)) // after Shutdown: ignored
}
