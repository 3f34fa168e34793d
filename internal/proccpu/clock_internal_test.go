// SPDX-License-Identifier: Apache-2.0

//go:build linux

package proccpu

import (
	"os"
	"testing"
	"time"
)

var sink int

// TestClockAgreesWithStat checks the nanosecond clock against the kernel's
// coarser account of the same process.
func TestClockAgreesWithStat(t *testing.T) {
	start := time.Now()
	for n := 0; time.Since(start) < 50*time.Millisecond; n++ {
		sink = n
	}
	clock, err := processClock(os.Getpid())
	if err != nil {
		t.Fatalf("the process clock: %v", err)
	}
	stat, err := statTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if diff := (clock - stat).Abs(); diff > 5*clockTick {
		t.Fatalf("clock %v, /proc stat %v: they differ by %v", clock, stat, diff)
	}
}
