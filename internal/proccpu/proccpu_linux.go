// SPDX-License-Identifier: Apache-2.0

package proccpu

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// Process returns the CPU time (user and system, of every thread, live or
// exited) that the process pid has used so far, to the nanosecond: the
// process's CPU-time clock (clock_getcpuclockid(3)), which Linux lets any
// process read. Where that clock cannot be read, it falls back to the
// utime and stime of /proc/<pid>/stat, in clock ticks (10 ms).
func Process(pid int) (time.Duration, error) {
	if d, err := processClock(pid); err == nil {
		return d, nil
	}
	return statTime(pid)
}

// cpuClockSched is CPUCLOCK_SCHED of the kernel's CPU-time clock ids: the
// time the scheduler accounted, which covers user and system time.
const cpuClockSched = 2

// processClock reads the CPU-time clock of process pid, whose id is
// MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) in the kernel's terms: what
// glibc's clock_getcpuclockid returns.
func processClock(pid int) (time.Duration, error) {
	clock := int32(^pid<<3 | cpuClockSched)
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(clock), uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, fmt.Errorf("proccpu: clock_gettime of process %d: %w", pid, errno)
	}
	return time.Duration(ts.Nano()), nil
}

// clockTick is the unit of /proc/<pid>/stat's times: USER_HZ, 100 on every
// Linux architecture Go runs on.
const clockTick = 10 * time.Millisecond

// statTime reads utime and stime of /proc/<pid>/stat.
func statTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, fmt.Errorf("proccpu: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// the fields that follow start after its last ')'. utime and stime are
	// fields 14 and 15, the 12th and 13th after it.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("proccpu: /proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("proccpu: /proc/%d/stat: %d fields after the command name", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proccpu: /proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// Descendants returns the live processes below pid: its children, theirs,
// and so on, from /proc/<pid>/task/<tid>/children (every thread's, since a
// child belongs to the thread that started it).
func Descendants(pid int) ([]int, error) {
	var out []int
	seen := map[int]bool{pid: true}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		children, err := children(p)
		if err != nil {
			if p == pid {
				return nil, err
			}
			continue // it exited meanwhile
		}
		for _, c := range children {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out, nil
}

func children(pid int) ([]int, error) {
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		return nil, fmt.Errorf("proccpu: %w", err)
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", t.Name(), "children"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out, nil
}
