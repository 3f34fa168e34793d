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
	times := func(f func()) func(int) {
		return func(n int) {
			for range n {
				f()
			}
		}
	}
	b.ResetTimer()
	tOurs, tTheirs := alternate(b.N, times(ours), times(theirs))
	b.StopTimer()
	b.ReportMetric(0, "ns/op") // the pair's own ns/op would add both sides; the metrics below are what matters
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(b.N), "ours-ns/op")
	b.ReportMetric(float64(tTheirs.Nanoseconds())/float64(b.N), "theirs-ns/op")
	b.ReportMetric(float64(tOurs)/float64(tTheirs), "ratio")
}

// alternate runs ours and theirs total times each, in rounds of at most
// round, the order flipping every round, and returns the wall time each
// took. run(n) does n operations.
func alternate(total int, ours, theirs func(n int)) (tOurs, tTheirs time.Duration) {
	timed := func(run func(int), n int) time.Duration {
		start := time.Now()
		run(n)
		return time.Since(start)
	}
	done := 0
	for i := 0; done < total; i++ {
		n := min(round, total-done)
		if i%2 == 0 {
			tOurs += timed(ours, n)
			tTheirs += timed(theirs, n)
		} else {
			tTheirs += timed(theirs, n)
			tOurs += timed(ours, n)
		}
		done += n
	}
	return tOurs, tTheirs
}
