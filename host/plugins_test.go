// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/examples/weather"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
	"github.com/plugtrace/plugtrace/plugin"
	"github.com/plugtrace/plugtrace/tracing"
)

// runTestPlugin runs this process as the named external plugin.
func runTestPlugin(name string) int {
	var err error
	switch name {
	case "weather":
		err = weather.Main()
	case "probe":
		err = plugin.Manage("ext", probeHandler, plugin.ManageOpts{})
	case "hang":
		// A plugin that never completes go-plugin's handshake: it says it
		// has started, then waits for the host to kill it.
		if f := os.Getenv("HOSTTEST_READY_FILE"); f != "" {
			if err = os.WriteFile(f, nil, 0o600); err != nil {
				break
			}
		}
		time.Sleep(time.Minute)
	case "future-protocol":
		// A plugin built against a newer protocol than the host's.
		hs := pluginproto.Handshake
		hs.ProtocolVersion = pluginproto.ProtocolVersion + 1
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig: hs,
			Plugins:         pluginproto.PluginSet(nil),
			GRPCServer:      goplugin.DefaultGRPCServer,
		})
	default:
		err = fmt.Errorf("unknown test plugin %q", name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// probeHandler is an external test plugin.
func probeHandler(_ context.Context, env plugin.Env) (http.Handler, error) {
	client, err := env.HTTPClient.New(httpClientOptions())
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /env", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(os.Environ())
	})
	mux.HandleFunc("GET /nothing", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /crash", func(w http.ResponseWriter, r *http.Request) {
		os.Exit(3)
	})
	mux.HandleFunc("POST /size", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		d, _ := time.ParseDuration(r.URL.Query().Get("d"))
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	})
	// /propagate calls ?url= and reports the trace context it ran in.
	mux.HandleFunc("GET /propagate", func(w http.ResponseWriter, r *http.Request) {
		var upstream string
		_ = env.Tracing.StartActiveSpan(r.Context(), "probe.propagate", func(ctx context.Context, span tracing.Span) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL.Query().Get("url"), nil)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			upstream = string(b)
			return nil
		}, tracing.WithRequest(r))
		_ = json.NewEncoder(w).Encode(map[string]string{
			"traceId":       trace.SpanContextFromContext(r.Context()).TraceID().String(),
			"upstreamSaw":   upstream,
			"defaultTracer": fmt.Sprintf("%T", tracing.DefaultTracer()),
		})
	})
	return mux, nil
}

// hostEnv returns an environment lookup with nothing in it, so that the test
// host's config does not depend on the machine's OTEL_* variables.
func noEnv(string) (string, bool) { return "", false }
