// SPDX-License-Identifier: Apache-2.0

// Package proccpu reads the CPU time that other processes have used, for
// benchmarks that measure a system running in subprocesses: a host and its
// plugin processes, or a reverse proxy and its backend. CPU time, unlike
// wall time, does not count the time a process waits for the others, nor
// the time a shared machine gives to someone else.
//
// It works on Linux only; elsewhere every read fails with
// [ErrUnsupported].
package proccpu
