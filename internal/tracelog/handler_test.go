// SPDX-License-Identifier: Apache-2.0

package tracelog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/internal/tracelog"
)

func TestLogHandlerAddsTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(tracelog.NewHandler(slog.NewTextHandler(&buf, nil))).With("plugin_id", "todos")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{0xab}, SpanID: [8]byte{0xcd}, TraceFlags: trace.FlagsSampled})
	logger.InfoContext(trace.ContextWithSpanContext(context.Background(), sc), "with span")
	logger.InfoContext(context.Background(), "without span")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if !strings.Contains(lines[0], "trace_id="+sc.TraceID().String()) || !strings.Contains(lines[0], "span_id="+sc.SpanID().String()) ||
		!strings.Contains(lines[0], "plugin_id=todos") {
		t.Fatalf("line with span: %s", lines[0])
	}
	if strings.Contains(lines[1], "trace_id") {
		t.Fatalf("line without span: %s", lines[1])
	}
}
