// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func runCmd(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plugtrace.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigCheck(t *testing.T) {
	good := writeFile(t, "backend:\n  listen: 127.0.0.1:9000\n  tracing:\n    exporter: none\n")
	if code, out, errOut := runCmd(t, context.Background(), "config", "check", "--config", good); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("good config: exit %d, %q %q", code, out, errOut)
	}
	bad := writeFile(t, "backend:\n  tracing:\n    plugin:\n      todos:\n        tracer: {name: \"\"}\n")
	code, _, errOut := runCmd(t, context.Background(), "config", "check", "--config", bad)
	if code != 2 || !strings.Contains(errOut, "backend.tracing.plugin.todos.tracer.name") {
		t.Fatalf("bad config: exit %d, stderr %q; want 2 and the key path", code, errOut)
	}
	if code, _, _ := runCmd(t, context.Background(), "config", "check"); code != 2 {
		t.Fatalf("missing --config: exit %d, want 2", code)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "Usage:"},
		{[]string{"serve", "--help"}, 0, "plugtrace serve"},
		{[]string{"token", "--help"}, 0, "--user REF"},
		{[]string{"config", "--help"}, 0, "config check"},
		{[]string{"nonsense"}, 2, `unknown command "nonsense"`},
		{[]string{"serve", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"token"}, 2, "--user REF is required"},
		{[]string{"token", "--user", "alice"}, 2, "not a user entity ref"},
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, context.Background(), tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, output %q %q; want %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestTokenIsAcceptedByTheHost(t *testing.T) {
	secret := "a-secret-for-the-token-command-test-123"
	file := writeFile(t, "backend:\n  auth:\n    userTokens:\n      secret: "+secret+"\n")
	code, out, errOut := runCmd(t, context.Background(), "token", "--user", "user:default/alice", "--config", file, "--ttl", "5m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	a, err := auth.NewBearerAuth(auth.BearerConfig{UserTokenSecret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out))
	c, err := a.Credentials(r)
	if err != nil || c != auth.UserCredentials("user:default/alice") {
		t.Fatalf("minted token: %v, %v", c, err)
	}
	// Without a secret in the config, no token.
	none := writeFile(t, "backend:\n  listen: 127.0.0.1:9000\n")
	if code, _, errOut := runCmd(t, context.Background(), "token", "--user", "user:default/a", "--config", none); code != 2 || !strings.Contains(errOut, "backend.auth.userTokens.secret") {
		t.Fatalf("no secret: exit %d %q", code, errOut)
	}
}

func TestServeUntilCancelled(t *testing.T) {
	// Port 0: the host picks a free port and logs its URL.
	file := writeFile(t, "backend:\n  listen: 127.0.0.1:0\n")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stdout, stderr syncbuf.Buffer
	go func() { done <- run(ctx, []string{"serve", "--config", file}, &stdout, &stderr) }()

	listening := regexp.MustCompile(`msg="plugtrace host listening" url=(http://127\.0\.0\.1:\d+)`)
	var base string
	await.True(t, 10*time.Second, func() bool {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		return base != ""
	}, "host did not log its URL: %s", &stderr)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(base + "/api/todos/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/todos/ = %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = client.Get(base + "/traces/api/traces")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("embedded viewer (the default exporter) not served: %v %v", resp, err)
	}
	resp.Body.Close()
	// The demo's upstream is the built-in demo's only.
	resp, err = client.Get(base + "/demo/weather/forecast?city=Paris")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /demo/weather/forecast with an operator's config = %v %v, want 404", resp, err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d after cancel: %s", code, stderr.String())
	}
}

func TestDemoConfigIsValid(t *testing.T) {
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend.Listen != "127.0.0.1:7007" || cfg.Backend.Tracing.Exporters[0] != "embedded" {
		t.Fatalf("demo config: listen %q exporters %v", cfg.Backend.Listen, cfg.Backend.Tracing.Exporters)
	}
}
