// SPDX-License-Identifier: Apache-2.0

package benchproc

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/examples/weather"
	"github.com/plugtrace/plugtrace/internal/proccpu"
)

// System is a system under test: a process, and the processes it starts.
type System struct {
	// URL is where it serves: "http://127.0.0.1:PORT".
	URL string

	tb    testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	log   string // its stderr
}

// StartHost runs a plugtrace host from the config yaml, as `plugtrace
// serve` does, and returns once it serves (its external plugins have
// started). name names the system in profiles ("traced", "untraced").
func StartHost(tb testing.TB, name, yaml string) *System {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), name+".yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		tb.Fatal(err)
	}
	return start(tb, name, roleHost, envConfig+"="+file)
}

// StartReverseProxy runs the anchor: a process serving a plain
// httputil.ReverseProxy to a child process that answers GET
// /api/weather/forecast as the weather example plugin does, fetching from
// upstream over pooled keep-alive connections.
func StartReverseProxy(tb testing.TB, name, upstream string) *System {
	tb.Helper()
	return start(tb, name, roleProxy, envUpstream+"="+upstream,
		envCPUProfile+"_BACKEND="+profilePath(tb, name, roleBackend))
}

// WeatherPlugin returns the entry of a host's plugins list, in YAML, that
// runs the weather example plugin with upstream as its upstream. system
// names the host's system, for the plugin's profile. Without logs, the
// plugin's one log line per request ("forecast served") is discarded in
// the plugin, which then does exactly what the anchor's backend does.
func WeatherPlugin(tb testing.TB, system, upstream string, logs bool) string {
	tb.Helper()
	role := roleWeather
	if !logs {
		role = roleQuiet
	}
	env := fmt.Sprintf("{%s: %s, %s: %q, %s: %q}", envRole, role, weather.UpstreamEnv, upstream,
		envCPUProfile, profilePath(tb, system, role))
	return fmt.Sprintf("- id: %s\n  command: [%q]\n  env: %s\n", weather.ID, os.Args[0], env)
}

// profilePath is where the process of role in system writes its CPU
// profile: nowhere without BENCHPROC_PROFILE_DIR.
func profilePath(tb testing.TB, system, role string) string {
	dir := os.Getenv(envProfileDir)
	if dir == "" {
		return ""
	}
	bench := strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name())
	return filepath.Join(dir, fmt.Sprintf("%s.%s.%s.prof", bench, system, role))
}

// start runs this binary in role, with env added to the environment
// (without the OTEL_* variables: a system's config says everything), and
// waits for its LISTEN line. It is stopped when the test ends.
func start(tb testing.TB, name, role string, env ...string) *System {
	tb.Helper()
	s := &System{tb: tb, log: filepath.Join(tb.TempDir(), name+"."+role+".log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		tb.Fatal(err)
	}
	defer logFile.Close()
	s.cmd = exec.Command(os.Args[0])
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") && !strings.HasPrefix(kv, "BENCHPROC_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Env = append(s.cmd.Env, envRole+"="+role, envCPUProfile+"="+profilePath(tb, name, role))
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stderr = logFile
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.stop)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), listenPrefix); ok {
				lines <- url
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		close(lines)
	}()
	select {
	case url, ok := <-lines:
		if !ok {
			tb.Fatalf("benchproc: %s (%s) exited before it served:\n%s", name, role, s.logTail())
		}
		s.URL = url
	case <-time.After(60 * time.Second):
		tb.Fatalf("benchproc: %s (%s) did not serve within a minute:\n%s", name, role, s.logTail())
	}
	return s
}

// CPU returns the CPU time that the system's processes have used so far.
func (s *System) CPU() time.Duration {
	d, err := proccpu.Tree(s.cmd.Process.Pid)
	if err != nil {
		s.tb.Fatalf("benchproc: %v", err)
	}
	return d
}

// Processes returns how many processes the system runs.
func (s *System) Processes() int {
	kids, err := proccpu.Descendants(s.cmd.Process.Pid)
	if err != nil {
		s.tb.Fatalf("benchproc: %v", err)
	}
	return 1 + len(kids)
}

// stop closes the system's stdin, on which it shuts down gracefully, and
// kills it when that takes too long.
func (s *System) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func (s *System) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
