// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

func TestByteSize(t *testing.T) {
	tests := []struct {
		text string
		want config.ByteSize
		str  string // String's form
	}{
		{"0", 0, "0B"},
		{"1048576", 1 << 20, "1MiB"},
		{"7B", 7, "7B"},
		{"1KB", 1000, "1KB"},
		{"1500 KB", 1_500_000, "1500KB"},
		{"512KiB", 512 << 10, "512KiB"},
		{"16MiB", 16 << 20, "16MiB"},
		{"2MB", 2_000_000, "2MB"},
		{"1024KiB", 1 << 20, "1MiB"},
		{"3GB", 3_000_000_000, "3GB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"8589934591GiB", 8589934591 << 30, "8589934591GiB"}, // the largest in GiB
	}
	for _, tt := range tests {
		var b config.ByteSize
		if err := b.UnmarshalText([]byte(tt.text)); err != nil || b != tt.want {
			t.Errorf("UnmarshalText(%q) = %d, %v; want %d", tt.text, b, err, tt.want)
		}
		if got := tt.want.String(); got != tt.str {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tt.want), got, tt.str)
		}
		// String's form reads back as the same size.
		var back config.ByteSize
		if err := back.UnmarshalText([]byte(tt.want.String())); err != nil || back != tt.want {
			t.Errorf("UnmarshalText(%q) = %d, %v; want %d", tt.want.String(), back, err, tt.want)
		}
	}
	for _, bad := range []string{"", "-1", "+1", "1.5MB", "16mib", "16 MiB B", "MiB", "1e6", "0x10", "1TB", "9223372036854775808", "8589934592GiB"} {
		var b config.ByteSize
		err := b.UnmarshalText([]byte(bad))
		if err == nil {
			t.Errorf("UnmarshalText(%q) = %d, want an error", bad, b)
			continue
		}
		if !strings.Contains(err.Error(), "is not a size") {
			t.Errorf("UnmarshalText(%q) error %q does not say what is wrong", bad, err)
		}
	}
}

// A size is written with its unit wherever it is text: in JSON, and in
// the YAML of Config.String.
func TestByteSizeText(t *testing.T) {
	out, err := json.Marshal(map[string]config.ByteSize{"size": 16 << 20})
	if err != nil || string(out) != `{"size":"16MiB"}` {
		t.Fatalf("json.Marshal = %s, %v", out, err)
	}
	var in map[string]config.ByteSize
	if err := json.Unmarshal(out, &in); err != nil || in["size"] != 16<<20 {
		t.Fatalf("json.Unmarshal = %v, %v", in, err)
	}
	s := config.Default().String()
	for _, want := range []string{"maxRequestBody: 16MiB", "readTimeout: 1m0s", "idleTimeout: 2m0s", "trustIncomingContext: authenticated"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() does not show %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "viewers") {
		t.Errorf("String() shows unset viewers as a list, which would read back as set:\n%s", s)
	}
}
