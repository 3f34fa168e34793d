// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net/url"
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

func TestFullURL(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"http://example.com/a?b=c", "http://example.com/a?b=c"},
		{"http://alice:secret@example.com/a", "http://example.com/a"},
		{"https://example.com/f?sig=abc&x=1", "https://example.com/f?sig=REDACTED&x=1"},
		{"https://bob@example.com:8443/f%2Fg?Signature=s#frag", "https://example.com:8443/f%2Fg?Signature=REDACTED#frag"},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		before := *u
		if got := fullURL(u); got != tc.want {
			t.Errorf("fullURL(%q) = %q, want %q", tc.raw, got, tc.want)
		}
		if *u != before {
			t.Errorf("fullURL(%q) changed the URL to %v", tc.raw, u)
		}
	}
}

func BenchmarkFullURL(b *testing.B) {
	u, _ := url.Parse("http://127.0.0.1:8080/forecast?city=Paris")
	b.ReportAllocs()
	for b.Loop() {
		_ = fullURL(u)
	}
}
