// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package proccpu

import "time"

// Process returns the CPU time that the process pid has used so far; on
// this system, ErrUnsupported.
func Process(int) (time.Duration, error) { return 0, ErrUnsupported }

// Descendants returns the live processes below pid; on this system,
// ErrUnsupported.
func Descendants(int) ([]int, error) { return nil, ErrUnsupported }
