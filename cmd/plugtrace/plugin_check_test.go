// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/internal/plugincheck/testplugin"
)

// The test binary doubles as the plugins that plugin check starts (main_test.go's
// TestMain belongs to every test of the package; this runs before it).
func init() { testplugin.RunIfAsked() }

func checkArgs(timeout, plugin string) []string {
	return append([]string{"plugin", "check", "--id", testplugin.ID, "--timeout", timeout, "--"}, testplugin.Command(plugin)...)
}

func TestPluginCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings of stdout, in order
	}{
		{"good plugin", checkArgs("10s", testplugin.Good), 0, []string{
			"ok   handshake  protocol 2, pid ",
			"ok   health     go-plugin health SERVING, CheckHealth STATUS_OK\n",
			"ok   describe   no version, no public routes\n",
			`ok   request    GET /: 200 OK, 22 bytes, route "GET /{$}"` + "\n",
			"ok   trace      2 spans, continuing the call's trace ",
			"ok   flush      Flush answered OK\n",
			"ok   stop       exited by itself with status 0, ",
		}},
		{"good protocol 2 plugin, another path", append([]string{"plugin", "check", "--id", "probe", "--path", "/health?verbose=1", "--"}, testplugin.Command(testplugin.GoodV2)...), 0, []string{
			"ok   handshake  protocol 2, pid ",
			`ok   describe   version "1.2.3", public routes "GET /{$}", "GET /health"` + "\n",
			"ok   request    GET /health?verbose=1: 200 OK, 21 bytes",
			"ok   stop       exited by itself",
		}},
		{"not a handshake line", checkArgs("10s", testplugin.Hello), 1, []string{
			`FAIL handshake  the first line on stdout is not a go-plugin handshake line: "hello world"`,
		}},
		{"exits at once", checkArgs("10s", testplugin.Exit3), 1, []string{
			"FAIL handshake  the process exited with status 3 before the handshake",
			"test plugin: giving up with status 3",
		}},
		{"never answers", checkArgs("1s", testplugin.Silent), 1, []string{
			"FAIL handshake  no handshake within 1s",
		}},
		{"spans in a new trace", checkArgs("2s", testplugin.NewRoot), 1, []string{
			"ok   request    ",
			"FAIL trace      1 span arrived but in another trace: the plugin does not extract the traceparent from gRPC metadata\n",
		}},
		{"ignores shutdown", checkArgs("2s", testplugin.HangOnStop), 1, []string{
			"ok   flush      ",
			"FAIL stop       did not exit within 2s after the shutdown request; killed\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCmd(t, context.Background(), tt.args...)
			t.Logf("plugtrace %s: exit %d\n%s%s", strings.Join(tt.args[:len(tt.args)-2], " "), code, out, errOut)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			rest := out
			for _, w := range tt.stdout {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stdout lacks %q (after the lines before it):\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			if tt.code == 1 && (strings.Count(out, "FAIL") != 1 || errOut != "") {
				t.Errorf("a failure is one FAIL line on stdout, and nothing on stderr: %q %q", out, errOut)
			}
		})
	}
}

func TestPluginCheckUsage(t *testing.T) {
	cmd := testplugin.Command(testplugin.Good)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"plugin", "check", "--help"}, 0, "plugtrace plugin check --id ID"},
		{[]string{"plugin", "--help"}, 0, "plugtrace plugin check --id ID"},
		{[]string{"plugin"}, 2, "usage: plugtrace plugin check"},
		{[]string{"plugin", "list"}, 2, "usage: plugtrace plugin check"},
		{append([]string{"plugin", "check", "--"}, cmd...), 2, "--id ID is required"},
		{[]string{"plugin", "check", "--id", "probe"}, 2, "the plugin's command is required after --"},
		{[]string{"plugin", "check", "--id", "probe", "--"}, 2, "the plugin's command is required after --"},
		{[]string{"plugin", "check", "--id", "probe", "./bin/plugin"}, 2, "the plugin's command goes after --"},
		{append([]string{"plugin", "check", "--id", "Not An Id", "--"}, cmd...), 2, "plugin id"},
		{append([]string{"plugin", "check", "--id", "probe", "--path", "health", "--"}, cmd...), 2, `path "health": must start with /`},
		{append([]string{"plugin", "check", "--id", "probe", "--timeout", "soon", "--"}, cmd...), 2, "invalid value"},
		{append([]string{"plugin", "check", "--id", "probe", "--timeout", "0s", "--"}, cmd...), 2, "must be positive"},
		{append([]string{"plugin", "check", "--bogus", "--"}, cmd...), 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:min(len(tt.args), 6)], " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, context.Background(), tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, output %q %q; want %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
	code, out, _ := runCmd(t, context.Background(), "--help")
	if code != 0 || !strings.Contains(out, "plugtrace plugin check --id ID") {
		t.Fatalf("plugtrace --help does not list plugin check: %q", out)
	}
}
