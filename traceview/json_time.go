// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"encoding/json"
	"time"
)

// timeLayout is RFC 3339 with all nine digits of nanoseconds, as DESIGN.md
// specifies: time.RFC3339Nano drops trailing zeros (".5Z", or none at all
// on a whole second), which makes the field's width vary.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// MarshalJSON writes the times with nine digits of nanoseconds.
func (s Span) MarshalJSON() ([]byte, error) {
	type plain Span // without this method
	return json.Marshal(struct {
		plain
		StartTime string `json:"startTime"`
		EndTime   string `json:"endTime"`
	}{plain(s), formatTime(s.StartTime), formatTime(s.EndTime)})
}

// MarshalJSON writes the time with nine digits of nanoseconds.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		Time string `json:"time"`
	}{plain(e), formatTime(e.Time)})
}

// MarshalJSON writes the start time with nine digits of nanoseconds.
func (t TraceSummary) MarshalJSON() ([]byte, error) {
	type plain TraceSummary
	return json.Marshal(struct {
		plain
		StartTime string `json:"startTime"`
	}{plain(t), formatTime(t.StartTime)})
}
