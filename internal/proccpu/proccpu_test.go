// SPDX-License-Identifier: Apache-2.0

package proccpu_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/internal/proccpu"
)

// TestMain doubles as the processes the tests measure: PROCCPU_TEST_BURN
// makes this binary burn that much CPU, say so, and wait for its stdin to
// close; PROCCPU_TEST_PARENT makes it start such a child first.
func TestMain(m *testing.M) {
	if d, err := time.ParseDuration(os.Getenv("PROCCPU_TEST_BURN")); err == nil {
		if os.Getenv("PROCCPU_TEST_PARENT") != "" {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "PROCCPU_TEST_PARENT=")
			cmd.Stdin = os.Stdin
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				os.Exit(1)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			fmt.Print(line)
			_ = cmd.Wait()
			os.Exit(0)
		}
		burn(d)
		fmt.Println("burnt")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until stdin closes
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// burn spins until this thread has used d of CPU time.
func burn(d time.Duration) {
	start, _ := proccpu.Process(os.Getpid())
	for {
		for range 1 << 16 {
		}
		now, _ := proccpu.Process(os.Getpid())
		if now-start >= d {
			return
		}
	}
}

// start runs this binary with env, waits until it has burnt its CPU, and
// returns its pid.
func start(t *testing.T, env ...string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "burnt\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	return cmd.Process.Pid
}

func skipUnsupported(t *testing.T) {
	t.Helper()
	if _, err := proccpu.Process(os.Getpid()); errors.Is(err, proccpu.ErrUnsupported) {
		t.Skip(err)
	}
}

func TestProcess(t *testing.T) {
	skipUnsupported(t)
	pid := start(t, "PROCCPU_TEST_BURN=100ms")
	d, err := proccpu.Process(pid)
	if err != nil {
		t.Fatal(err)
	}
	// The child burnt 100ms in its main goroutine, and started up.
	if d < 100*time.Millisecond || d > 2*time.Second {
		t.Fatalf("Process = %v, want a little over 100ms", d)
	}
}

func TestTree(t *testing.T) {
	skipUnsupported(t)
	pid := start(t, "PROCCPU_TEST_BURN=100ms", "PROCCPU_TEST_PARENT=1")
	kids, err := proccpu.Descendants(pid)
	if err != nil || len(kids) != 1 {
		t.Fatalf("Descendants = %v, %v; want the one child", kids, err)
	}
	parent, _ := proccpu.Process(pid)
	total, err := proccpu.Tree(pid)
	if err != nil {
		t.Fatal(err)
	}
	if child := total - parent; child < 100*time.Millisecond {
		t.Fatalf("Tree = %v, parent %v: the child's share %v, want at least its 100ms", total, parent, child)
	}
}

func TestGone(t *testing.T) {
	skipUnsupported(t)
	if runtime.GOOS != "linux" {
		t.Skip()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := proccpu.Tree(cmd.Process.Pid); err == nil {
		t.Fatal("Tree of a process that is gone: no error")
	}
}
