// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteUnits are the units a size may be written in, largest first, which
// is also the order in which a unit is matched at the end of a size: each
// longer name comes before "B".
var byteUnits = []struct {
	name string
	size ByteSize
}{
	{"GiB", 1 << 30}, {"GB", 1_000_000_000},
	{"MiB", 1 << 20}, {"MB", 1_000_000},
	{"KiB", 1 << 10}, {"KB", 1_000},
	{"B", 1},
}

// The hints of sizes that do not parse.
var (
	errSizeSyntax = errors.New("write a whole number of bytes, or a whole number with a unit: " +
		"B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 16MiB")
	errSizeTooLarge = fmt.Errorf("a size is at most %d bytes", int64(math.MaxInt64))
)

// parseByteSize parses a size: a whole number of bytes, optionally followed
// by a unit (spaces between the two are allowed): 1048576, 512KiB, 16MiB,
// 2 GB. Fractions are not: write 1536KiB for 1.5MiB. The error's text is a
// hint for a configuration error.
func parseByteSize(s string) (ByteSize, error) {
	num, unit := s, ByteSize(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.name); ok {
			num, unit = strings.TrimRight(n, " "), u.size
			break
		}
	}
	if num == "" || strings.Trim(num, "0123456789") != "" {
		return 0, errSizeSyntax
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return 0, errSizeTooLarge
	}
	return ByteSize(n) * unit, nil
}

// String returns the size in the largest unit that holds it exactly, such
// as "16MiB", "1500KB" or "7B"; Parse reads it back.
func (b ByteSize) String() string {
	for _, u := range byteUnits {
		if b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// MarshalText implements [encoding.TextMarshaler]: the text is String's,
// so a size reads as 16MiB in YAML and JSON.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler]. It reads a
// non-negative whole number of bytes, or one with a unit: B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024), as in 16MiB.
func (b *ByteSize) UnmarshalText(text []byte) error {
	n, err := parseByteSize(string(text))
	if err != nil {
		return fmt.Errorf("config: %q is not a size; %w", text, err)
	}
	*b = n
	return nil
}
