// SPDX-License-Identifier: Apache-2.0

package benchpair

import (
	"testing"
	"time"
)

// Side is one of the two systems that CompareCPU measures, typically
// running in processes of their own.
type Side struct {
	// Run makes n requests to the system, and returns when they have been
	// answered.
	Run func(n int)
	// CPU returns the CPU time that the system's processes have used so
	// far (see internal/proccpu).
	CPU func() time.Duration
	// Settle, if not nil, waits for the work that the system does after
	// its answers, such as exporting the spans of the requests in
	// batches, so that it is counted.
	Settle func()
}

// CompareCPU runs ours and theirs alternately, b.N requests each, in
// rounds of 64 whose order flips every round, and reports the CPU time
// that each system used per request, as "ours-cpu-us/req" and
// "theirs-cpu-us/req", their ratio ours/theirs as "ratio", and the wall
// time per request of each as "ours-wall-us/req" and "theirs-wall-us/req".
//
// The CPU time is the systems' whole: what they use while they serve,
// and, between the first reading and the last, while they are idle (the
// other system's rounds) and settle. Work done after an answer, in the
// background, is therefore counted wherever it falls.
func CompareCPU(b *testing.B, ours, theirs Side) {
	b.Helper()
	settle := func() {
		for _, s := range []Side{ours, theirs} {
			if s.Settle != nil {
				s.Settle()
			}
		}
	}
	settle() // what came before is not measured
	b.ResetTimer()
	cOurs, cTheirs := ours.CPU(), theirs.CPU()
	wOurs, wTheirs := alternate(b.N, ours.Run, theirs.Run)
	b.StopTimer() // settling waits: it would skew the benchmark's choice of b.N
	settle()
	cOurs, cTheirs = ours.CPU()-cOurs, theirs.CPU()-cTheirs
	perReq := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(b.N) }
	b.ReportMetric(0, "ns/op") // the pair's own wall time adds both sides; the metrics below are what matters
	b.ReportMetric(perReq(cOurs), "ours-cpu-us/req")
	b.ReportMetric(perReq(cTheirs), "theirs-cpu-us/req")
	b.ReportMetric(float64(cOurs)/float64(cTheirs), "ratio")
	b.ReportMetric(perReq(wOurs), "ours-wall-us/req")
	b.ReportMetric(perReq(wTheirs), "theirs-wall-us/req")
}
