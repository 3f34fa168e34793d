// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/tracing"
)

// An in-process plugin: it registers a route relative to its mount,
// /api/hello/, opens it to anonymous callers, and wraps its work in a span
// attributed to the caller.
func Example() {
	cfg, err := config.Parse([]byte("backend:\n  tracing: {exporter: none}\n"))
	if err != nil {
		panic(err)
	}
	hello := host.Plugin{ID: "hello", Init: func(_ context.Context, env host.Env) error {
		env.Router.HandleFunc("GET /{name}", func(w http.ResponseWriter, r *http.Request) {
			_ = env.Tracing.StartActiveSpan(r.Context(), "hello.greet", func(ctx context.Context, span tracing.Span) error {
				caller, _ := auth.CredentialsFromContext(ctx)
				span.SetAttribute("hello.name", r.PathValue("name"))
				fmt.Fprintf(w, "hello %s, from %s\n", r.PathValue("name"), caller)
				return nil
			}, tracing.WithRequest(r))
		})
		// Routes need a caller unless the plugin opens them.
		return env.AllowAnonymous("GET /{name}")
	}}
	h, err := host.New(context.Background(), cfg,
		host.WithPlugins(hello),
		host.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	defer h.Shutdown(context.Background())

	// Host.Run serves on backend.listen; a test server will do here.
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/hello/ada")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output: 200 hello ada, from none
}
