// SPDX-License-Identifier: Apache-2.0

// Package tracingtest helps plugin authors test the spans their code emits.
//
// A [Recorder] is a real OpenTelemetry SDK tracer provider that keeps every
// span in memory. Ask it for your plugin's [tracing.Service], run your code,
// and read the ended spans back:
//
//	rec := tracingtest.NewRecorder()
//	svc := rec.Service(t, "todos")
//	... run plugin code with svc ...
//	span := rec.Span(t, "list todos")
package tracingtest
