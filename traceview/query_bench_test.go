// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/traceview"
)

// BenchmarkTraces measures list queries on a full store of 100k spans, as
// 10k traces of 10 spans, and as 100k single-span traces (the most
// summaries to scan).
func BenchmarkTraces(b *testing.B) {
	yes := true
	queries := []struct {
		name string
		q    traceview.Query
	}{
		{"all", traceview.Query{}},
		{"plugin", traceview.Query{Plugin: "weather"}},
		{"service+error", traceview.Query{Service: "weather", Error: &yes}},
		{"minDuration", traceview.Query{MinDuration: 150 * time.Millisecond}},
		// Matches nothing: every trace is examined and the limit never
		// cuts the scan short.
		{"noMatch", traceview.Query{Plugin: "nope"}},
		{"all,limit=1000", traceview.Query{Limit: traceview.MaxLimit}},
	}
	for _, perTrace := range []int{10, 1} {
		s := newStore(b, 100_000)
		spans := benchSpans(0, 100_000/perTrace, perTrace)
		for i := 0; i < len(spans); i += 512 {
			if err := s.ExportSpans(b.Context(), spans[i:min(i+512, len(spans))]); err != nil {
				b.Fatal(err)
			}
		}
		for _, tt := range queries {
			b.Run(fmt.Sprintf("spansPerTrace=%d/%s", perTrace, tt.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if len(s.Traces(tt.q)) == 0 && tt.name != "noMatch" {
						b.Fatal("no traces")
					}
				}
			})
		}
	}
}

// BenchmarkTrace measures reading one trace of 10 spans for the waterfall.
func BenchmarkTrace(b *testing.B) {
	s := newStore(b, 100_000)
	spans := benchSpans(0, 10_000, 10)
	for i := 0; i < len(spans); i += 512 {
		if err := s.ExportSpans(b.Context(), spans[i:min(i+512, len(spans))]); err != nil {
			b.Fatal(err)
		}
	}
	id := traceID(5000)
	b.ReportAllocs()
	for b.Loop() {
		if d, ok := s.Trace(id); !ok || len(d.Spans) != 10 {
			b.Fatal("trace not found")
		}
	}
}
