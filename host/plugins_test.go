// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"

	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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
		// A plugin built against a newer protocol than the host's, and
		// only that.
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig:  pluginproto.Handshake,
			VersionedPlugins: map[int]goplugin.PluginSet{pluginproto.ProtocolVersion + 1: pluginproto.PluginSetV2(nil)},
			GRPCServer:       goplugin.DefaultGRPCServer,
		})
	case "raw":
		// A plugin that speaks version 1 of the Plugin service itself,
		// without the SDK, as a plugin built before version 2 does.
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig: pluginproto.Handshake, // version 1
			Plugins:         pluginproto.PluginSet(rawPlugin{}),
			GRPCServer:      goplugin.DefaultGRPCServer,
		})
	case "bad-handshake":
		// A plugin whose first line of output is not go-plugin's handshake
		// line, but something only its operator should read; it then waits
		// for the host to kill it.
		fmt.Println(badHandshakeLine)
		time.Sleep(time.Minute)
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

// badHandshakeLine is what the bad-handshake plugin prints instead of
// go-plugin's handshake line.
const badHandshakeLine = "listening on /tmp/bad-handshake.sock, admin password hunter2"

// rawPlugin is an external test plugin that implements the Plugin service
// directly, so that it can answer what an http.Handler behind the SDK cannot
// (any status, any header, a gRPC error) and report the request's headers
// exactly as the host sent them.
//
//   - /headers answers the request's headers as JSON.
//   - /answer?status=N&header=Name:Value&body=B answers exactly that;
//     header repeats.
//   - /fail?code=C&message=M fails the call with that gRPC code and
//     message, followed by this process's command.
//   - /crash exits the process with status 3.
type rawPlugin struct {
	pluginv1.UnimplementedPluginServer
}

var _ pluginv1.PluginServer = rawPlugin{}

func (rawPlugin) CallResource(_ context.Context, req *pluginv1.CallResourceRequest) (*pluginv1.CallResourceResponse, error) {
	q, _ := url.ParseQuery(req.GetRawQuery())
	switch req.GetPath() {
	case "/headers":
		b, err := json.Marshal(pluginproto.HeaderFromProto(req.GetHeaders()))
		if err != nil {
			return nil, err
		}
		return &pluginv1.CallResourceResponse{Status: http.StatusOK, Body: b,
			Headers: []*pluginv1.Header{{Name: "Content-Type", Values: []string{"application/json"}}}}, nil
	case "/answer":
		code, _ := strconv.Atoi(q.Get("status"))
		var headers []*pluginv1.Header
		for _, h := range q["header"] {
			name, value, _ := strings.Cut(h, ":")
			headers = append(headers, &pluginv1.Header{Name: name, Values: []string{strings.TrimSpace(value)}})
		}
		return &pluginv1.CallResourceResponse{Status: int32(code), Headers: headers, Body: []byte(q.Get("body"))}, nil
	case "/fail":
		code, _ := strconv.Atoi(q.Get("code"))
		return nil, status.Error(codes.Code(code), q.Get("message")+" (in "+os.Args[0]+")")
	case "/crash":
		os.Exit(3)
	}
	return &pluginv1.CallResourceResponse{Status: http.StatusNotFound}, nil
}

func (rawPlugin) CheckHealth(context.Context, *pluginv1.CheckHealthRequest) (*pluginv1.CheckHealthResponse, error) {
	return &pluginv1.CheckHealthResponse{Status: pluginv1.CheckHealthResponse_STATUS_OK}, nil
}

func (rawPlugin) Flush(context.Context, *pluginv1.FlushRequest) (*pluginv1.FlushResponse, error) {
	return &pluginv1.FlushResponse{}, nil
}
