// SPDX-License-Identifier: Apache-2.0

package await_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/internal/await"
)

func TestWithin(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	if !await.Within(5*time.Second, func() bool { return n.Load() == 3 }) {
		t.Fatal("condition that becomes true was not seen")
	}
	if await.Within(30*time.Millisecond, func() bool { return false }) {
		t.Fatal("a condition that never holds was reported true")
	}
}

func TestValueIsFormattedLate(t *testing.T) {
	seen := "before"
	v := await.Value(&seen)
	seen = "after"
	if got := v.String(); got != "after" {
		t.Fatalf("Value printed %q, want the value at print time", got)
	}
}
