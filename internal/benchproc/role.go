// SPDX-License-Identifier: Apache-2.0

package benchproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/examples/todos"
	"github.com/plugtrace/plugtrace/examples/weather"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/plugin"
)

// The environment of a process in a role.
const (
	envRole       = "BENCHPROC_ROLE"       // the role: one of the role* constants
	envConfig     = "BENCHPROC_CONFIG"     // host: the config file
	envUpstream   = "BENCHPROC_UPSTREAM"   // backend: the upstream's base URL
	envCPUProfile = "BENCHPROC_CPUPROFILE" // any role: where to write a CPU profile
	envProfileDir = "BENCHPROC_PROFILE_DIR"
)

// The roles.
const (
	roleHost    = "host"    // a plugtrace host, as cmd/plugtrace serves it
	roleWeather = "weather" // the weather example plugin, started by a host
	roleQuiet   = "quiet"   // the same, its log line per request discarded
	roleProxy   = "proxy"   // a ReverseProxy that starts its backend
	roleBackend = "backend" // the anchor's backend: the weather plugin's work, plainly
)

// listenPrefix starts the line with which a process says where it serves.
const listenPrefix = "LISTEN "

// Main runs this process in the role its environment names and exits; it
// returns at once in a process without one. Call it first in TestMain.
func Main() {
	role := os.Getenv(envRole)
	if role == "" {
		return
	}
	os.Exit(runRole(role))
}

func runRole(role string) int {
	if path := os.Getenv(envCPUProfile); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchproc: CPU profile:", err)
			return 1
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
			// Beside it, what the process allocated (go tool pprof
			// -sample_index=alloc_space).
			if a, err := os.Create(strings.TrimSuffix(path, ".prof") + ".allocs.prof"); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(a, 0)
				_ = a.Close()
			}
		}()
	}
	var err error
	switch role {
	case roleHost:
		err = runHost()
	case roleWeather:
		err = weather.Main()
	case roleQuiet:
		err = quietWeather()
	case roleProxy:
		err = runProxy()
	case roleBackend:
		err = runBackend()
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchproc: %s: %v\n", role, err)
		return 1
	}
	return 0
}

// quietWeather runs the weather example plugin as weather.Main does, but
// with a logger that discards: the plugin then does what the anchor's
// backend does, and no more.
func quietWeather() error {
	return plugin.Manage(weather.ID, func(ctx context.Context, env plugin.Env) (http.Handler, error) {
		env.Logger = slog.New(slog.DiscardHandler)
		return weather.NewHandler(ctx, env)
	}, plugin.ManageOpts{TracingOpts: plugin.TracingOpts{
		CustomAttributes: []attribute.KeyValue{attribute.String("weather.example", "true")},
	}})
}

// untilStdinCloses returns a context that ends when the process's stdin
// closes: when the benchmark ends it, or when the benchmark's process is
// gone.
func untilStdinCloses() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx
}

// runHost runs a plugtrace host from the config file that envConfig names,
// the way `plugtrace serve --config FILE` does: a text log on stderr, the
// in-process example todos.
func runHost() error {
	ctx := untilStdinCloses()
	cfg, err := config.Load(os.Getenv(envConfig))
	if err != nil {
		return err
	}
	h, err := host.New(ctx, cfg,
		host.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
		host.WithPlugins(todos.Plugin()))
	if err != nil {
		return err
	}
	if err := h.Start(); err != nil {
		return err
	}
	fmt.Println(listenPrefix + h.URL())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Shutdown(sctx)
}

// pooled returns a transport that keeps enough idle connections for any
// benchmark's concurrency: every hop reuses its connections.
func pooled() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return t
}

// runProxy starts the backend as a child process and serves a plain
// httputil.ReverseProxy to it.
func runProxy() error {
	ctx := untilStdinCloses()
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), envRole+"="+roleBackend, envCPUProfile+"="+os.Getenv(envCPUProfile+"_BACKEND"))
	child.Stderr = os.Stderr
	childIn, err := child.StdinPipe()
	if err != nil {
		return err
	}
	childOut, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		childIn.Close() // the backend stops when its stdin closes
		_ = child.Wait()
	}()
	line, err := bufio.NewReader(childOut).ReadString('\n')
	if err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	backend, ok := strings.CutPrefix(strings.TrimSpace(line), listenPrefix)
	if !ok {
		return fmt.Errorf("backend said %q", line)
	}
	proxy, err := newReverseProxy(backend)
	if err != nil {
		return err
	}
	return serve(ctx, proxy)
}

// runBackend serves the anchor's backend: GET /api/weather/forecast, the
// weather plugin's work without plugtrace.
func runBackend() error {
	ctx := untilStdinCloses()
	upstream := strings.TrimSuffix(os.Getenv(envUpstream), "/")
	if upstream == "" {
		return errors.New(envUpstream + " is not set")
	}
	return serve(ctx, newBackend(upstream, &http.Client{Transport: pooled(), Timeout: 30 * time.Second}))
}

// serve serves h on a free loopback port, says where, and stops when ctx
// ends.
func serve(ctx context.Context, h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Println(listenPrefix + "http://" + ln.Addr().String())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
