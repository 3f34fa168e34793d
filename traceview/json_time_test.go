// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/traceview"
)

func TestTimesHaveNineDigitsOfNanoseconds(t *testing.T) {
	whole := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := json.Marshal(traceview.TraceDetail{Spans: []traceview.Span{{
		StartTime: whole, EndTime: whole.Add(1500 * time.Microsecond),
		Events: []traceview.Event{{Name: "e", Time: whole.Add(time.Nanosecond)}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{
		`"startTime":"2026-01-02T03:04:05.000000000Z"`,
		`"endTime":"2026-01-02T03:04:05.001500000Z"`,
		`"time":"2026-01-02T03:04:05.000000001Z"`,
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s lacks %s", out, want)
		}
	}
	if strings.Count(out, `"startTime"`) != 1 {
		t.Fatalf("startTime written twice: %s", out)
	}
	b, _ = json.Marshal(traceview.TraceSummary{StartTime: whole})
	if !strings.Contains(string(b), `"startTime":"2026-01-02T03:04:05.000000000Z"`) {
		t.Fatalf("summary: %s", b)
	}
}
