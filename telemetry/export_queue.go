// SPDX-License-Identifier: Apache-2.0

package telemetry

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

// exportQueue is a span processor that batches ended spans and exports them
// from a goroutine of its own, through a bounded queue.
//
// It exists beside the SDK's batch span processor because that one drops
// spans silently when its queue is full; plugtrace promises that drops are
// counted and reported.
type exportQueue struct {
	name     string
	exporter sdktrace.SpanExporter
	logger   *slog.Logger

	queue         chan sdktrace.ReadOnlySpan
	batchSize     int
	interval      time.Duration
	exportTimeout time.Duration
	reportEvery   time.Duration

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

type queueSettings struct {
	size, batchSize                      int
	interval, exportTimeout, reportEvery time.Duration
}

func newExportQueue(name string, exp sdktrace.SpanExporter, s queueSettings, logger *slog.Logger) *exportQueue {
	q := &exportQueue{
		name:          name,
		exporter:      exp,
		logger:        logger,
		queue:         make(chan sdktrace.ReadOnlySpan, s.size),
		batchSize:     s.batchSize,
		interval:      s.interval,
		exportTimeout: s.exportTimeout,
		reportEvery:   s.reportEvery,
		flushReq:      make(chan chan struct{}),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
	}
	q.runCtx, q.cancelRun = context.WithCancel(context.Background())
	go q.loop()
	return q
}

var _ sdktrace.SpanProcessor = (*exportQueue)(nil)

func (q *exportQueue) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd enqueues s, or drops and counts it when the queue is full. It never
// blocks.
func (q *exportQueue) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() || q.stopped.Load() {
		return
	}
	select {
	case q.queue <- s:
	default:
		q.dropped.Add(1)
		q.droppedTotal.Add(1)
		q.maybeReport()
	}
}

// maybeReport logs the drops at most once per reportEvery. It runs on the
// dropping goroutine, not the export loop, which may be stuck in an export.
func (q *exportQueue) maybeReport() {
	now := time.Now().UnixNano()
	last := q.lastReport.Load()
	if now-last < int64(q.reportEvery) || !q.lastReport.CompareAndSwap(last, now) {
		return
	}
	q.reportDrops()
}

func (q *exportQueue) loop() {
	defer close(q.done)
	batch := make([]sdktrace.ReadOnlySpan, 0, q.batchSize)
	tick := time.NewTicker(q.interval)
	defer tick.Stop()

	export := func(ctx context.Context) {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, q.exportTimeout)
		defer cancel()
		if err := q.exporter.ExportSpans(ctx, batch); err != nil {
			q.logger.Warn("span export failed", "exporter", q.name, "spans", len(batch), "error", err)
		}
		// A fresh slice: exporters may keep what they were given.
		batch = make([]sdktrace.ReadOnlySpan, 0, q.batchSize)
	}
	// drain exports everything queued right now.
	drain := func(ctx context.Context) {
		for {
			select {
			case s := <-q.queue:
				batch = append(batch, s)
				if len(batch) >= q.batchSize {
					export(ctx)
				}
			default:
				export(ctx)
				return
			}
		}
	}

	for {
		select {
		case s := <-q.queue:
			batch = append(batch, s)
			if len(batch) >= q.batchSize {
				export(q.runCtx)
			}
		case <-tick.C:
			export(q.runCtx)
		case ack := <-q.flushReq:
			drain(q.runCtx)
			close(ack)
		case <-q.stop:
			drain(q.stopCtx)
			q.reportDrops()
			return
		}
	}
}

func (q *exportQueue) reportDrops() {
	if n := q.dropped.Swap(0); n > 0 {
		q.logger.Warn("spans dropped: export queue full",
			"exporter", q.name, "dropped", n, "dropped_total", q.droppedTotal.Load(),
			"queue_size", cap(q.queue))
	}
}

// ForceFlush exports every queued span, within ctx's deadline.
func (q *exportQueue) ForceFlush(ctx context.Context) error {
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
func (q *exportQueue) Shutdown(ctx context.Context) error {
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
