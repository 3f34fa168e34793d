// SPDX-License-Identifier: Apache-2.0

// Package spanqueue is the span processor behind plugtrace's exporters, in
// the host and in plugins built with the SDK: it batches ended spans and
// exports them from a goroutine of its own, through a bounded queue whose
// drops are counted and reported.
//
// It exists beside the SDK's batch span processor for two reasons. That
// one drops spans silently when its queue is full; plugtrace promises that
// drops are counted and reported. And it wakes its export goroutine for
// every span that ends (a channel send each), where this queue wakes it
// once per batch: for a process that ends a few spans per request, those
// wake-ups cost more than building the spans.
package spanqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Settings configure a Queue.
type Settings struct {
	// Size is how many spans wait for export at most; more are dropped.
	Size int
	// BatchSize is how many spans one export takes at most. A full batch
	// is exported at once.
	BatchSize int
	// Interval is how long spans wait at most for their batch to fill.
	Interval time.Duration
	// ExportTimeout bounds one export.
	ExportTimeout time.Duration
	// ReportEvery is how often drops are logged at most.
	ReportEvery time.Duration
}

// Queue is a span processor that exports batches of spans through
// exporter. Create it with New.
type Queue struct {
	name     string
	exporter sdktrace.SpanExporter
	logger   *slog.Logger
	s        Settings

	mu      sync.Mutex
	pending []sdktrace.ReadOnlySpan // at most s.Size

	full chan struct{} // a full batch waits; capacity 1

	dropped      atomic.Uint64 // since the last report
	droppedTotal atomic.Uint64
	lastReport   atomic.Int64 // unix nanoseconds

	flushReq  chan chan struct{}
	runCtx    context.Context // for exports outside Shutdown
	cancelRun context.CancelFunc
	stop      chan struct{}   // closed by Shutdown, after stopCtx is set
	stopCtx   context.Context // Shutdown's deadline, for the final exports
	done      chan struct{}   // closed when the goroutine has returned
	stopOnce  sync.Once
	stopped   atomic.Bool
}

var _ sdktrace.SpanProcessor = (*Queue)(nil)

// New starts a queue that exports through exp; name names it in the log,
// where logger reports failed exports and dropped spans.
func New(name string, exp sdktrace.SpanExporter, s Settings, logger *slog.Logger) *Queue {
	q := &Queue{
		name:     name,
		exporter: exp,
		logger:   logger,
		s:        s,
		full:     make(chan struct{}, 1),
		flushReq: make(chan chan struct{}),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	q.runCtx, q.cancelRun = context.WithCancel(context.Background())
	go q.loop()
	return q
}

// OnStart does nothing.
func (q *Queue) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd enqueues s, or drops and counts it when the queue is full. It never
// blocks.
func (q *Queue) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() || q.stopped.Load() {
		return
	}
	q.mu.Lock()
	if len(q.pending) >= q.s.Size {
		q.mu.Unlock()
		q.drop(1)
		return
	}
	q.pending = append(q.pending, s)
	full := len(q.pending) == q.s.BatchSize
	q.mu.Unlock()
	if full {
		select {
		case q.full <- struct{}{}:
		default: // the goroutine has been told already
		}
	}
}

// Enqueue enqueues spans that ended elsewhere (in another process), as
// OnEnd does each.
func (q *Queue) Enqueue(spans []sdktrace.ReadOnlySpan) {
	if q.stopped.Load() {
		return
	}
	q.mu.Lock()
	before := len(q.pending)
	var dropped uint64
	for _, s := range spans {
		if !s.SpanContext().IsSampled() {
			continue
		}
		if len(q.pending) >= q.s.Size {
			dropped++
			continue
		}
		q.pending = append(q.pending, s)
	}
	full := before < q.s.BatchSize && len(q.pending) >= q.s.BatchSize
	q.mu.Unlock()
	if dropped > 0 {
		q.drop(dropped)
	}
	if full {
		select {
		case q.full <- struct{}{}:
		default:
		}
	}
}

func (q *Queue) drop(n uint64) {
	q.dropped.Add(n)
	q.droppedTotal.Add(n)
	q.maybeReport()
}

// Dropped returns how many spans the queue has dropped since it started.
func (q *Queue) Dropped() uint64 { return q.droppedTotal.Load() }

// maybeReport logs the drops at most once per ReportEvery. It runs on the
// dropping goroutine, not the export loop, which may be stuck in an export.
func (q *Queue) maybeReport() {
	now := time.Now().UnixNano()
	last := q.lastReport.Load()
	if now-last < int64(q.s.ReportEvery) || !q.lastReport.CompareAndSwap(last, now) {
		return
	}
	q.reportDrops()
}

func (q *Queue) reportDrops() {
	if n := q.dropped.Swap(0); n > 0 {
		q.logger.Warn("spans dropped: export queue full",
			"exporter", q.name, "dropped", n, "dropped_total", q.droppedTotal.Load(),
			"queue_size", q.s.Size)
	}
}

// take removes what is pending, or only the full batches of it.
func (q *Queue) take(fullOnly bool) []sdktrace.ReadOnlySpan {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.pending)
	if fullOnly {
		n -= n % q.s.BatchSize
	}
	if n == 0 {
		return nil
	}
	out := q.pending[:n:n]
	// The rest goes to a new array: the exporters may keep what they get.
	q.pending = append(make([]sdktrace.ReadOnlySpan, 0, max(len(q.pending)-n, q.s.BatchSize)), q.pending[n:]...)
	return out
}

// export exports spans in batches of at most BatchSize.
func (q *Queue) export(ctx context.Context, spans []sdktrace.ReadOnlySpan) {
	for len(spans) > 0 {
		n := min(len(spans), q.s.BatchSize)
		ectx, cancel := context.WithTimeout(ctx, q.s.ExportTimeout)
		if err := q.exporter.ExportSpans(ectx, spans[:n:n]); err != nil {
			q.logger.Warn("span export failed", "exporter", q.name, "spans", n, "error", err)
		}
		cancel()
		spans = spans[n:]
	}
}

func (q *Queue) loop() {
	defer close(q.done)
	tick := time.NewTicker(q.s.Interval)
	defer tick.Stop()
	for {
		select {
		case <-q.full:
			q.export(q.runCtx, q.take(true))
		case <-tick.C:
			q.export(q.runCtx, q.take(false))
		case ack := <-q.flushReq:
			q.export(q.runCtx, q.take(false))
			close(ack)
		case <-q.stop:
			q.export(q.stopCtx, q.take(false))
			q.reportDrops()
			return
		}
	}
}

// ForceFlush exports every queued span, within ctx's deadline.
func (q *Queue) ForceFlush(ctx context.Context) error {
	if q.stopped.Load() {
		return nil
	}
	ack := make(chan struct{})
	select {
	case q.flushReq <- ack:
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
	case <-ctx.Done():
		return ctx.Err()
	}
	if f, ok := q.exporter.(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}

// Shutdown exports what is queued and shuts the exporter down, within ctx's
// deadline. Spans that end later are ignored.
func (q *Queue) Shutdown(ctx context.Context) error {
	var err error
	q.stopOnce.Do(func() {
		q.stopped.Store(true)
		q.stopCtx = ctx
		close(q.stop)
		select {
		case <-q.done:
		case <-ctx.Done():
			// Out of time: abort the export in flight and give up on the
			// rest, so that no goroutine outlives Shutdown.
			err = fmt.Errorf("exporter %s: flush: %w", q.name, ctx.Err())
			q.cancelRun()
			<-q.done
		}
		q.cancelRun()
		err = errors.Join(err, q.exporter.Shutdown(ctx))
	})
	return err
}
