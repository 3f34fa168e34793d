// SPDX-License-Identifier: Apache-2.0

package plugincheck_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/internal/plugincheck"
)

// node returns the node executable; without one the test is skipped,
// except in CI, which has it.
func node(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is not on PATH, and CI=true: %v", err)
		}
		t.Skipf("node is not on PATH: %v", err)
	}
	return p
}

// TestBrokenNodePlugins checks plugins that are plain Node.js scripts, no
// go-plugin library in them.
func TestBrokenNodePlugins(t *testing.T) {
	t.Parallel()
	bin := node(t)
	tests := []struct {
		script  string
		timeout time.Duration
		want    string
	}{
		{"not-handshake.js", 10 * time.Second, `the first line on stdout is not a go-plugin handshake line: "Server listening on http://localhost:3000 (pid `},
		{"never-answers.js", time.Second, "no handshake within 1s: the process runs but printed no line on stdout"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			t.Parallel()
			script, err := filepath.Abs(filepath.Join("testdata", tt.script))
			if err != nil {
				t.Fatal(err)
			}
			out, err := check(t, plugincheck.Options{PluginID: "weather-node", Command: []string{bin, script}, Timeout: tt.timeout})
			f, ok := errors.AsType[*plugincheck.Failure](err)
			if !ok || f.Check != plugincheck.CheckHandshake {
				t.Fatalf("Run = %v, want the handshake to fail", err)
			}
			if !strings.Contains(out, "FAIL handshake  "+tt.want) {
				t.Fatalf("output does not say %q:\n%s", tt.want, out)
			}
		})
	}
}
