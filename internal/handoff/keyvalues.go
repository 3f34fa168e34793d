// SPDX-License-Identifier: Apache-2.0

package handoff

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// EncodeKeyValues writes m in the form of OTEL_RESOURCE_ATTRIBUTES and
// OTEL_EXPORTER_OTLP_HEADERS: "k1=v1,k2=v2", keys sorted, values
// percent-encoded.
func EncodeKeyValues(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+url.PathEscape(m[k]))
	}
	return strings.Join(parts, ",")
}

// KeyValueError is one bad entry found by [DecodeKeyValues]. It names the
// entry by its position and key, and never quotes a value. In a list whose
// values are secret (headers), show only Entry and Problem: an entry without
// "=" has its whole text as Key.
type KeyValueError struct {
	Entry   int    // 1-based position in the list
	Key     string // the entry's key; empty when it has none
	Problem string // "has no =", …
}

// Secret returns the message without the key, for lists of secrets.
func (e *KeyValueError) Secret() string { return fmt.Sprintf("entry %d %s", e.Entry, e.Problem) }

func (e *KeyValueError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("entry %d (%s) %s", e.Entry, e.Key, e.Problem)
	}
	return fmt.Sprintf("entry %d %s", e.Entry, e.Problem)
}

// DecodeKeyValues parses the "k1=v1,k2=v2" form, values percent-decoded and
// both sides trimmed of spaces. Empty entries are skipped. Each bad entry is
// a *KeyValueError in the returned error (joined with errors.Join); the good
// entries are returned with it.
func DecodeKeyValues(s string) (map[string]string, error) {
	m := map[string]string{}
	var errs []error
	for i, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, found := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		switch {
		case !found:
			errs = append(errs, &KeyValueError{Entry: i + 1, Key: k, Problem: "has no ="})
			continue
		case k == "":
			errs = append(errs, &KeyValueError{Entry: i + 1, Problem: "has an empty key"})
			continue
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, &KeyValueError{Entry: i + 1, Key: k, Problem: "has a malformed %-escape in its value"})
			continue
		}
		m[k] = strings.TrimSpace(dv)
	}
	return m, errors.Join(errs...)
}
