// SPDX-License-Identifier: Apache-2.0

// Package benchproc runs the systems that the cross-process benchmarks
// compare, each in processes of its own, so that internal/proccpu can
// measure the CPU time of each system's process tree: a plugtrace host
// (with its external plugins below it), and, as the anchor, a plain
// httputil.ReverseProxy in front of a backend process that does a plugin's
// work.
//
// The processes are the test binary itself, run again in a role (the
// go-plugin way): a test binary that uses this package calls [Main] first
// in its TestMain. The load client and the weather upstream run in the
// benchmark's own process, where they are not measured.
//
// BENCHPROC_PROFILE_DIR, when set in the benchmark's environment, makes
// every process of a system write a CPU profile of its whole life there,
// named after the benchmark, the system and the role (.prof), and a
// profile of its allocations (.allocs.prof).
package benchproc
