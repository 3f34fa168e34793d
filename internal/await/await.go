// SPDX-License-Identifier: Apache-2.0

// Package await is the tests' one way to wait for something that happens in
// another goroutine or process: a bounded poll of a condition, instead of a
// sleep that guesses how long it takes.
package await

import (
	"fmt"
	"testing"
	"time"
)

// interval is how often a condition is checked.
const interval = 10 * time.Millisecond

// True waits until cond returns true, checking it every few milliseconds,
// and fails t when within passes first, with the message format and args
// give. The args are formatted at that moment: pass a fmt.Stringer, or
// [Value] of a variable cond sets, to show what was last seen.
func True(t testing.TB, within time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	if !Within(within, cond) {
		t.Fatalf("after %v: %s", within, fmt.Sprintf(format, args...))
	}
}

// Within reports whether cond became true within d.
func Within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// Value formats *p when printed, so that a failure message shows the value
// a condition saw last rather than the one it had when True was called.
func Value[T any](p *T) fmt.Stringer { return value[T]{p} }

type value[T any] struct{ p *T }

func (v value[T]) String() string { return fmt.Sprint(*v.p) }
