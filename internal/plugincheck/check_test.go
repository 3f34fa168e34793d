// SPDX-License-Identifier: Apache-2.0

package plugincheck_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/internal/plugincheck"
	"github.com/plugtrace/plugtrace/internal/plugincheck/testplugin"
)

// TestMain doubles as the test plugins: Run starts this binary again as
// one of them.
func TestMain(m *testing.M) {
	testplugin.RunIfAsked()
	goleak.VerifyTestMain(m)
}

// check runs plugin check on the test plugin name and returns its output
// and error.
func check(t *testing.T, opts plugincheck.Options) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := plugincheck.Run(context.Background(), opts, &out)
	t.Logf("plugin check %s:\n%s", strings.Join(opts.Command[1:], " "), out.String())
	return out.String(), err
}

func opts(name string, timeout time.Duration) plugincheck.Options {
	return plugincheck.Options{PluginID: testplugin.ID, Command: testplugin.Command(name), Timeout: timeout}
}

// lines returns the status and check of each line of out that reports a
// check.
func lines(out string) []string {
	var got []string
	for l := range strings.Lines(out) {
		if f := strings.Fields(l); len(f) >= 2 && (f[0] == "ok" || f[0] == "FAIL" || f[0] == "skip") {
			got = append(got, f[0]+" "+f[1])
		}
	}
	return got
}

func TestGoodPluginPassesEveryCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		plugin string
		want   []string // a substring of each line, in order
	}{
		// The SDK speaks both versions; go-plugin settles on the newest.
		{testplugin.Good, []string{
			"ok   handshake  protocol 2, pid ",
			"ok   health     go-plugin health SERVING, CheckHealth STATUS_OK",
			"ok   describe   no version, no public routes",
			`ok   request    GET /: 200 OK, 22 bytes, route "GET /{$}"`,
			`ok   trace      2 spans, continuing the call's trace `,
			"ok   flush      Flush answered OK",
			"ok   stop       exited by itself with status 0, ",
		}},
		{testplugin.GoodV2, []string{
			"ok   handshake  protocol 2, pid ",
			"ok   health     go-plugin health SERVING, CheckHealth STATUS_OK",
			`ok   describe   version "1.2.3", public routes "GET /{$}", "GET /health"`,
			`ok   request    GET /: 200 OK, 21 bytes, route "GET /{$}"`,
			`ok   trace      2 spans, continuing the call's trace `,
			"ok   flush      Flush answered OK",
			"ok   stop       exited by itself with status 0, ",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.plugin, func(t *testing.T) {
			t.Parallel()
			out, err := check(t, opts(tt.plugin, 10*time.Second))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := strings.Split(strings.TrimSpace(out), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(tt.want), out)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i+1, got[i], w)
				}
			}
			// The plugin's server span and its own, by name.
			if !strings.Contains(out, "/CallResource") {
				t.Errorf("the trace line names no CallResource server span:\n%s", out)
			}
		})
	}
}

// TestBrokenPlugins checks that each broken plugin fails the check it
// breaks, after passing the ones before it, with a reason that says what
// is wrong.
func TestBrokenPlugins(t *testing.T) {
	t.Parallel()
	noExec := filepath.Join(t.TempDir(), "plugin")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    plugincheck.Options
		check   string   // the check that fails
		reason  []string // substrings of its line, and of what follows it
		timeout time.Duration
	}{
		{name: "not a handshake line", opts: opts(testplugin.Hello, 10*time.Second), check: plugincheck.CheckHandshake,
			reason: []string{`the first line on stdout is not a go-plugin handshake line: "hello world"`}},
		{name: "exits at once", opts: opts(testplugin.Exit3, 10*time.Second), check: plugincheck.CheckHandshake,
			reason: []string{"the process exited with status 3 before the handshake", "test plugin: giving up with status 3"}},
		{name: "never answers", opts: opts(testplugin.Silent, time.Second), check: plugincheck.CheckHandshake,
			reason: []string{"no handshake within 1s: the process runs but printed no line on stdout"}},
		{name: "another protocol version", opts: opts(testplugin.FutureProtocol, 10*time.Second), check: plugincheck.CheckHandshake,
			reason: []string{"the plugin speaks plugin protocol version 3; plugtrace speaks versions 1 and 2"}},
		{name: "another application's cookie", opts: opts(testplugin.WrongCookie, 10*time.Second), check: plugincheck.CheckHandshake,
			reason: []string{"exited with status 1 before the handshake", "go-plugin refused the magic cookie", "This binary is a plugin"}},
		{name: "started as another plugin", opts: plugincheck.Options{PluginID: "weather", Command: testplugin.Command(testplugin.Good)}, check: plugincheck.CheckHandshake,
			reason: []string{"exited with status 1 before the handshake", `the host started this plugin as "weather"`}},
		{name: "no such executable", opts: plugincheck.Options{PluginID: "x", Command: []string{filepath.Join(t.TempDir(), "missing")}}, check: plugincheck.CheckHandshake,
			reason: []string{"missing: no such file"}},
		{name: "not executable", opts: plugincheck.Options{PluginID: "x", Command: []string{noExec}}, check: plugincheck.CheckHandshake,
			reason: []string{"plugin: not executable (permission denied; chmod +x?)"}},
		{name: "not in PATH", opts: plugincheck.Options{PluginID: "x", Command: []string{"plugtrace-no-such-plugin"}}, check: plugincheck.CheckHandshake,
			reason: []string{"plugtrace-no-such-plugin: not found in PATH"}},
		{name: "unhealthy", opts: opts(testplugin.Unhealthy, 10*time.Second), check: plugincheck.CheckHealth,
			reason: []string{`CheckHealth answered STATUS_ERROR: "database unreachable"`}},
		{name: "spans in a new trace", opts: opts(testplugin.NewRoot, 2*time.Second), check: plugincheck.CheckTrace,
			reason: []string{"1 span arrived but in another trace: the plugin does not extract the traceparent from gRPC metadata"}},
		{name: "refused token", opts: opts(testplugin.WrongToken, time.Second), check: plugincheck.CheckTrace,
			reason: []string{"no spans within 1s: an export was refused for a missing or wrong bearer token: is OTEL_EXPORTER_OTLP_TRACES_HEADERS honoured? (and Flush failed: "}},
		{name: "public route not a pattern", opts: opts(testplugin.BadRoute, 10*time.Second), check: plugincheck.CheckDescribe,
			reason: []string{`FAIL describe   public route "GET forecast" is not a net/http ServeMux pattern: `}},
		{name: "no spans", opts: opts(testplugin.Mute, time.Second), check: plugincheck.CheckTrace,
			reason: []string{"no spans within 1s: is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT honoured?"}},
		{name: "ignores shutdown", opts: opts(testplugin.HangOnStop, 2*time.Second), check: plugincheck.CheckStop,
			reason: []string{"did not exit within 2s after the shutdown request; killed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := check(t, tt.opts)
			f, ok := errors.AsType[*plugincheck.Failure](err)
			if !ok {
				t.Fatalf("Run = %v, want a *Failure", err)
			}
			if f.Check != tt.check {
				t.Errorf("failed check %q, want %q", f.Check, tt.check)
			}
			// Every check before the failed one passed or was skipped,
			// and none ran after it.
			got := lines(out)
			var want []string
			for _, c := range plugincheck.Checks {
				if c == tt.check {
					want = append(want, "FAIL "+c)
					break
				}
				// Protocol 1 has no Describe to check.
				if c != plugincheck.CheckDescribe || strings.Contains(out, "handshake  protocol 2") {
					want = append(want, "ok "+c)
				} else {
					want = append(want, "skip "+c)
				}
			}
			if strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Errorf("checks %q, want %q", got, want)
			}
			if !strings.Contains(out, "FAIL "+tt.check) || !strings.Contains(f.Error(), tt.check+": ") {
				t.Errorf("output %q, error %q: the failed check is not named", out, f)
			}
			for _, r := range tt.reason {
				if !strings.Contains(out, r) {
					t.Errorf("output does not say %q:\n%s", r, out)
				}
			}
		})
	}
}

// TestPluginDoesNotOutliveRun checks that a plugin that ignores the
// shutdown request is gone when Run returns.
func TestPluginDoesNotOutliveRun(t *testing.T) {
	t.Parallel()
	out, _ := check(t, opts(testplugin.HangOnStop, time.Second))
	m := regexp.MustCompile(`pid (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no pid in %q", out)
	}
	pid, _ := strconv.Atoi(m[1])
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d after Run: kill -0 = %v, want ESRCH", pid, err)
	}
}

func TestCancelStopsThePlugin(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- plugincheck.Run(ctx, opts(testplugin.Silent, time.Minute), &out) }()
	cancel()
	err := <-done
	if f, ok := errors.AsType[*plugincheck.Failure](err); !ok || f.Check != plugincheck.CheckHandshake || !strings.Contains(f.Reason, "interrupted") {
		t.Fatalf("Run after cancel = %v, output %q", err, out.String())
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		opts plugincheck.Options
		want string
	}{
		{plugincheck.Options{Command: []string{"p"}}, "plugin id"},
		{plugincheck.Options{PluginID: "Not Valid", Command: []string{"p"}}, "plugin id"},
		{plugincheck.Options{PluginID: "p"}, "command"},
		{plugincheck.Options{PluginID: "p", Command: []string{"p"}, Path: "forecast"}, "must start with /"},
		{plugincheck.Options{PluginID: "p", Command: []string{"p"}, Timeout: -time.Second}, "timeout"},
	}
	for _, tt := range tests {
		err := tt.opts.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %q", tt.opts, err, tt.want)
		}
		if err := plugincheck.Run(context.Background(), tt.opts, &bytes.Buffer{}); err == nil || errors.As(err, new(*plugincheck.Failure)) {
			t.Errorf("Run(%+v) = %v, want the validation error", tt.opts, err)
		}
	}
	if err := (plugincheck.Options{PluginID: "p", Command: []string{"p"}, Path: "/forecast?city=Paris"}).Validate(); err != nil {
		t.Errorf("a path with a query: %v", err)
	}
}
