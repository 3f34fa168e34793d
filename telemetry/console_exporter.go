// SPDX-License-Identifier: Apache-2.0

package telemetry

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/plugtrace/plugtrace/tracing"
)

// consoleExporter writes one line per span, for a person reading a terminal:
//
//	12:00:01.234 plugtrace/todos  list todos  internal 1.2ms ERROR "bad body"  trace=4bf92f35 span=00f067aa parent=53995c3f  k=v ...
//
// The SDK's stdouttrace exporter prints each span as a JSON document, which
// is complete but hard to scan while developing.
type consoleExporter struct {
	mu sync.Mutex
	w  io.Writer
}

var _ sdktrace.SpanExporter = (*consoleExporter)(nil)

func newConsoleExporter(w io.Writer) *consoleExporter { return &consoleExporter{w: w} }

func (e *consoleExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	bw := bufio.NewWriter(e.w)
	for _, s := range spans {
		writeSpanLine(bw, s)
	}
	return bw.Flush()
}

func (e *consoleExporter) Shutdown(context.Context) error { return nil }

func writeSpanLine(w *bufio.Writer, s sdktrace.ReadOnlySpan) {
	who := "?"
	if v, ok := s.Resource().Set().Value(semconv.ServiceNameKey); ok {
		who = v.AsString()
	}
	var attrs strings.Builder
	for _, kv := range s.Attributes() {
		if kv.Key == tracing.PluginIDKey {
			who += "/" + kv.Value.AsString()
			continue
		}
		fmt.Fprintf(&attrs, " %s=%s", kv.Key, kv.Value.String())
	}
	status := ""
	switch s.Status().Code {
	case codes.Error:
		status = fmt.Sprintf(" ERROR %q", s.Status().Description)
	case codes.Ok:
		status = " OK"
	}
	parent := ""
	if s.Parent().IsValid() {
		parent = " parent=" + s.Parent().SpanID().String()[:8]
	}
	fmt.Fprintf(w, "%s %s  %s  %s %s%s  trace=%s span=%s%s %s\n",
		s.StartTime().Local().Format("15:04:05.000"), who, s.Name(), s.SpanKind(),
		s.EndTime().Sub(s.StartTime()).Round(time.Microsecond), status,
		s.SpanContext().TraceID().String()[:8], s.SpanContext().SpanID().String()[:8], parent,
		strings.TrimSpace(attrs.String()))
}
