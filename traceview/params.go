// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// paramError is a bad query parameter or path value. Its message names the
// parameter and the value, for the API's 400 answers.
type paramError struct {
	param, value, want string
}

func (e *paramError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.param, e.value, e.want)
}

// parseQuery reads the list filters of the JSON API:
//
//	plugin       plugin id, exact match
//	service      service name, exact match
//	error        true or false (also 1, 0, t, f as strconv.ParseBool takes them)
//	minDuration  a Go duration such as 150ms or 2s; a bare number is milliseconds
//	limit        a positive integer; values above MaxLimit are capped
//
// Empty values mean no filter; unknown parameters are ignored.
func parseQuery(v url.Values) (Query, error) {
	q := Query{Plugin: v.Get("plugin"), Service: v.Get("service")}
	if s := v.Get("error"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Query{}, &paramError{"error", s, "want true or false"}
		}
		q.Error = &b
	}
	if s := v.Get("minDuration"); s != "" {
		d, err := parseDuration(s)
		if err != nil {
			return Query{}, &paramError{"minDuration", s, "want a duration such as 150ms or 2s, or a number of milliseconds"}
		}
		q.MinDuration = d
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return Query{}, &paramError{"limit", s, fmt.Sprintf("want a positive integer (at most %d are returned)", MaxLimit)}
		}
		q.Limit = n
	}
	return q, nil
}

// parseDuration takes a Go duration, or a bare number of milliseconds: the
// unit the list shows durations in. Negative durations are refused.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseFloat(s, 64); err == nil {
		const maxMs = float64(math.MaxInt64 / int64(time.Millisecond))
		if !(ms >= 0 && ms <= maxMs) { // also refuses NaN
			return 0, errors.New("out of range")
		}
		return time.Duration(ms * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, errors.New("negative")
	}
	return d, nil
}

// parseTraceID takes 32 hex digits, not all zero. Upper-case digits are
// accepted: people paste ids from other tools.
func parseTraceID(s string) (trace.TraceID, error) {
	id, err := trace.TraceIDFromHex(strings.ToLower(s))
	if err != nil {
		return trace.TraceID{}, &paramError{"traceId", s, "want 32 hexadecimal digits, not all zero"}
	}
	return id, nil
}
