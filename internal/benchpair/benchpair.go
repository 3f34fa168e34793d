// SPDX-License-Identifier: Apache-2.0

// Package benchpair measures two implementations of the same work side by
// side. On a shared machine, whose speed drifts over seconds, running one
// benchmark after the other compares two different machines; alternating
// short rounds of each inside one benchmark compares the code.
package benchpair

import (
	"testing"
	"time"
)

// round is how many operations run back to back before switching sides:
// enough to make the cost of reading the clock vanish, few enough that both
// sides see the same machine.
const round = 64

// Compare runs ours and theirs alternately, b.N operations each, and
// reports their ns/op as "ours-ns/op" and "theirs-ns/op" and the ratio
// ours/theirs as "ratio". The order of the two flips every round, so that
// neither always runs on a warmer cache.
func Compare(b *testing.B, ours, theirs func()) {
	b.Helper()
	var tOurs, tTheirs time.Duration
	run := func(f func(), n int) time.Duration {
		start := time.Now()
		for range n {
			f()
		}
		return time.Since(start)
	}
	b.ResetTimer()
	done := 0
	for i := 0; done < b.N; i++ {
		n := min(round, b.N-done)
		if i%2 == 0 {
			tOurs += run(ours, n)
			tTheirs += run(theirs, n)
		} else {
			tTheirs += run(theirs, n)
			tOurs += run(ours, n)
		}
		done += n
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op") // the pair's own ns/op would add both sides; the metrics below are what matters
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(b.N), "ours-ns/op")
	b.ReportMetric(float64(tTheirs.Nanoseconds())/float64(b.N), "theirs-ns/op")
	b.ReportMetric(float64(tOurs)/float64(tTheirs), "ratio")
}
