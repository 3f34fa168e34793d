// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"fmt"
	"strings"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// localSpans records the ids of the check's own spans (its request span
// and otelgrpc's client span), so that the trace check knows which parents
// are the call's.
type localSpans struct {
	mu  sync.Mutex
	ids map[trace.SpanID]bool
}

var _ sdktrace.SpanProcessor = (*localSpans)(nil)

func (l *localSpans) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids[s.SpanContext().SpanID()] = true
}

func (l *localSpans) has(id trace.SpanID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[id]
}

func (l *localSpans) OnEnd(sdktrace.ReadOnlySpan)      {}
func (l *localSpans) Shutdown(context.Context) error   { return nil }
func (l *localSpans) ForceFlush(context.Context) error { return nil }

// trace asks the plugin to flush, then waits until a span of the call's
// trace arrives at the relay whose parent chain reaches the call's span.
func (c *checker) trace(ctx context.Context) (string, error) {
	c.flushErr, c.flushed = c.callFlush(ctx), true
	ctx, cancel := c.timeout(ctx)
	defer cancel()
	for {
		got, refused, changed := c.relay.received()
		if names := c.continuing(got); len(names) > 0 {
			return fmt.Sprintf("%s, continuing the call's trace %s: %s", spans(len(names)), c.call.TraceID(), strings.Join(names, ", ")), nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return "", c.traceFailure(got, refused)
		}
	}
}

// maxNames bounds the span names a report lists.
const maxNames = 5

// continuing returns the names of the spans of the call's trace that
// descend from the check's own spans.
func (c *checker) continuing(spans []receivedSpan) []string {
	known := map[trace.SpanID]bool{}
	in := map[int]bool{}
	for grew := true; grew; {
		grew = false
		for i, s := range spans {
			parented := known[s.parent] || c.local.has(s.parent)
			if in[i] || s.traceID != c.call.TraceID() || !parented {
				continue
			}
			in[i], known[s.spanID], grew = true, true, true
		}
	}
	var names []string
	for i, s := range spans {
		if in[i] {
			names = append(names, quote(s.name))
		}
	}
	if len(names) > maxNames {
		names = append(names[:maxNames], "...")
	}
	return names
}

// traceFailure explains why no span continued the call's trace.
func (c *checker) traceFailure(got []receivedSpan, refused int) error {
	var err error
	inTrace := 0
	for _, s := range got {
		if s.traceID == c.call.TraceID() {
			inTrace++
		}
	}
	switch {
	case inTrace > 0:
		err = fmt.Errorf("%s arrived in the call's trace, but none descends from the call's span: the plugin does not parent its spans on the span context it extracts", spans(inTrace))
	case len(got) > 0:
		err = fmt.Errorf("%s arrived but in another trace: the plugin does not extract the traceparent from gRPC metadata", spans(len(got)))
	case refused == 1:
		err = fmt.Errorf("no spans within %v: an export was refused for a missing or wrong bearer token: is OTEL_EXPORTER_OTLP_TRACES_HEADERS honoured?", c.opts.Timeout)
	case refused > 1:
		err = fmt.Errorf("no spans within %v: %d exports were refused for a missing or wrong bearer token: is OTEL_EXPORTER_OTLP_TRACES_HEADERS honoured?", c.opts.Timeout, refused)
	default:
		err = fmt.Errorf("no spans within %v: is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT honoured?", c.opts.Timeout)
	}
	if c.flushErr != nil {
		err = fmt.Errorf("%w (and %w)", err, c.flushErr)
	}
	return err
}

// spans says "1 span", "2 spans".
func spans(n int) string {
	if n == 1 {
		return "1 span"
	}
	return fmt.Sprintf("%d spans", n)
}
