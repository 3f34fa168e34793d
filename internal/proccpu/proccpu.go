// SPDX-License-Identifier: Apache-2.0

package proccpu

import (
	"errors"
	"time"
)

// ErrUnsupported is the error of every read on a system that does not
// report the CPU time of other processes.
var ErrUnsupported = errors.New("proccpu: the CPU time of other processes is readable on Linux only")

// Tree returns the CPU time (user and system) that the process pid and
// every live process below it (children, grandchildren, ...) have used so
// far. A process that exits takes its time with it (it goes to its
// parent's children's time only once it has been waited for): measure
// trees whose processes outlive the measurement.
func Tree(pid int) (time.Duration, error) {
	pids, err := Descendants(pid)
	if err != nil {
		return 0, err
	}
	total, err := Process(pid)
	if err != nil {
		return 0, err
	}
	for _, p := range pids {
		d, err := Process(p)
		if err != nil {
			continue // it exited meanwhile
		}
		total += d
	}
	return total, nil
}
