// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"strings"
	"testing"
)

func TestRedactQuery(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		changed   bool
	}{
		{"city=Paris", "city=Paris", false},
		{"sig=abc", "sig=REDACTED", true},
		{"a=1&Signature=x%2By&b=2", "a=1&Signature=REDACTED&b=2", true},
		{"AWSAccessKeyId=AKIA&X-Goog-Signature=00ff", "AWSAccessKeyId=REDACTED&X-Goog-Signature=REDACTED", true},
		{"sig=REDACTED", "sig=REDACTED", false},
		{"sig=", "sig=REDACTED", true},
		{"SIG=abc&xsig=abc&signature=abc&sig", "SIG=abc&xsig=abc&signature=abc&sig", false}, // case-sensitive, whole keys
		{"", "", false},
	} {
		got, changed := redactQuery(tc.raw)
		if got != tc.want || changed != tc.changed {
			t.Errorf("redactQuery(%q) = %q, %v; want %q, %v", tc.raw, got, changed, tc.want, tc.changed)
		}
	}
}

func FuzzRedactQuery(f *testing.F) {
	f.Add("a=1&sig=secret&b=2")
	f.Add("Signature=&&X-Goog-Signature=1=2")
	f.Fuzz(func(t *testing.T, raw string) {
		got, changed := redactQuery(raw)
		if !changed && got != raw {
			t.Fatalf("redactQuery(%q) = %q but reports no change", raw, got)
		}
		in, out := strings.Split(raw, "&"), strings.Split(got, "&")
		if len(in) != len(out) {
			t.Fatalf("redactQuery(%q) = %q: %d parameters, want %d", raw, got, len(out), len(in))
		}
		for i, p := range out {
			key, value, _ := strings.Cut(p, "=")
			sensitive := false
			for _, s := range sensitiveParams {
				sensitive = sensitive || strings.HasPrefix(in[i], s)
			}
			switch {
			case sensitive && value != "REDACTED":
				t.Fatalf("redactQuery(%q) = %q: %s keeps its value", raw, got, key)
			case !sensitive && p != in[i]:
				t.Fatalf("redactQuery(%q) = %q: changed %q", raw, got, in[i])
			}
		}
	})
}
