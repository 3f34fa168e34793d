// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/plugtrace/plugtrace/auth"
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
	case "raw-v2":
		// The raw plugin of version 2, and only that.
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig:  pluginproto.Handshake,
			VersionedPlugins: map[int]goplugin.PluginSet{pluginproto.ProtocolVersion2: pluginproto.PluginSetV2(rawPluginV2{})},
			GRPCServer:       goplugin.DefaultGRPCServer,
		})
	case "stream":
		err = plugin.Manage("stream", streamHandler, plugin.ManageOpts{
			Version:      streamVersion,
			PublicRoutes: []string{"GET /public/health"},
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

// rawCall is what the raw test plugins answer, in either protocol version:
// they implement the Plugin service directly, so that they can answer what
// an http.Handler behind the SDK cannot (any status, any header, a gRPC
// error) and report the request's headers exactly as the host sent them.
//
//   - /headers answers the request's headers as JSON.
//   - /answer?status=N&header=Name:Value&body=B answers exactly that;
//     header repeats.
//   - /fail?code=C&message=M fails the call with that gRPC code and
//     message, followed by this process's command.
//   - /crash exits the process with status 3.
//
// Any other path answers 404.
func rawCall(path, rawQuery string, header http.Header) (code int, answer http.Header, body []byte, err error) {
	q, _ := url.ParseQuery(rawQuery)
	answer = http.Header{}
	switch path {
	case "/headers":
		b, err := json.Marshal(header)
		if err != nil {
			return 0, nil, nil, err
		}
		answer.Set("Content-Type", "application/json")
		return http.StatusOK, answer, b, nil
	case "/answer":
		code, _ := strconv.Atoi(q.Get("status"))
		for _, h := range q["header"] {
			name, value, _ := strings.Cut(h, ":")
			answer.Add(name, strings.TrimSpace(value))
		}
		return code, answer, []byte(q.Get("body")), nil
	case "/fail":
		code, _ := strconv.Atoi(q.Get("code"))
		return 0, nil, nil, status.Error(codes.Code(code), q.Get("message")+" (in "+os.Args[0]+")")
	case "/crash":
		os.Exit(3)
	}
	return http.StatusNotFound, answer, nil, nil
}

// rawPlugin is the raw test plugin of protocol version 1.
type rawPlugin struct {
	pluginv1.UnimplementedPluginServer
}

var _ pluginv1.PluginServer = rawPlugin{}

func (rawPlugin) CallResource(_ context.Context, req *pluginv1.CallResourceRequest) (*pluginv1.CallResourceResponse, error) {
	code, header, body, err := rawCall(req.GetPath(), req.GetRawQuery(), pluginproto.HeaderFromProto(req.GetHeaders()))
	if err != nil {
		return nil, err
	}
	return &pluginv1.CallResourceResponse{Status: int32(code), Headers: pluginproto.HeaderToProto(header), Body: body}, nil
}

func (rawPlugin) CheckHealth(context.Context, *pluginv1.CheckHealthRequest) (*pluginv1.CheckHealthResponse, error) {
	return &pluginv1.CheckHealthResponse{Status: pluginv1.CheckHealthResponse_STATUS_OK}, nil
}

func (rawPlugin) Flush(context.Context, *pluginv1.FlushRequest) (*pluginv1.FlushResponse, error) {
	return &pluginv1.FlushResponse{}, nil
}

// rawPluginV2 is the raw test plugin of protocol version 2. Besides what
// rawCall answers, with its body in one part:
//
//   - /break answers a head and a body part, then fails the call.
//   - /body-first answers a body part where the head belongs.
//   - /whole-then-hang answers "whole" in a head marked end, then does not
//     end the call until the host cancels it.
//   - /whole-then-more answers "whole" in a head marked end, then a body
//     part "more", which breaks the protocol.
//   - /request-end answers "end=<bool>" for the request's head.
//
// It declares rawPublicRoutes, some of them invalid.
type rawPluginV2 struct {
	pluginv2.UnimplementedPluginServer
}

var _ pluginv2.PluginServer = rawPluginV2{}

// rawPublicRoutes are the raw v2 plugin's declared public routes: one that
// opens GET /api/<id>/open, and what the host must ignore, with the log
// saying so: a conflict, an invalid pattern, and one that only ever opens a
// path below the plugin's own mount.
var rawPublicRoutes = []string{"GET /open", "GET /open", "GET /{bad", "GET /api/plugins"}

func (rawPluginV2) Describe(context.Context, *pluginv2.DescribeRequest) (*pluginv2.DescribeResponse, error) {
	return &pluginv2.DescribeResponse{Version: "raw-2.0", PublicRoutes: rawPublicRoutes}, nil
}

func (rawPluginV2) CallResource(stream pluginv2.Plugin_CallResourceServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	req := first.GetHead()
	send := func(code int, header http.Header, body []byte) error {
		if err := stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Head{Head: &pluginv2.ResponseHead{
			Status: int32(code), Headers: pluginproto.HeaderToProtoV2(header),
		}}}); err != nil {
			return err
		}
		if len(body) == 0 {
			return nil
		}
		return stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: body}})
	}
	switch req.GetPath() {
	case "/open":
		return send(http.StatusOK, http.Header{}, []byte("open to anyone"))
	case "/break":
		if err := send(http.StatusOK, http.Header{"Content-Type": {"text/plain"}}, []byte("the beginning")); err != nil {
			return err
		}
		return status.Error(codes.Internal, "broke after the head (in "+os.Args[0]+")")
	case "/body-first":
		return stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: []byte("no head")}})
	case "/request-end":
		return send(http.StatusOK, http.Header{}, fmt.Appendf(nil, "end=%v", req.GetEnd()))
	case "/whole-then-hang", "/whole-then-more":
		if err := stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Head{Head: &pluginv2.ResponseHead{
			Status: http.StatusOK, Headers: pluginproto.HeaderToProtoV2(http.Header{"Content-Type": {"text/plain"}}), Body: []byte("whole"), End: true,
		}}}); err != nil {
			return err
		}
		if req.GetPath() == "/whole-then-more" {
			return stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: []byte("more")}})
		}
		<-stream.Context().Done()
		return stream.Context().Err()
	}
	code, header, body, err := rawCall(req.GetPath(), req.GetRawQuery(), pluginproto.HeaderFromProtoV2(req.GetHeaders()))
	if err != nil {
		return err
	}
	return send(code, header, body)
}

func (rawPluginV2) CheckHealth(context.Context, *pluginv2.CheckHealthRequest) (*pluginv2.CheckHealthResponse, error) {
	return &pluginv2.CheckHealthResponse{Status: pluginv2.CheckHealthResponse_STATUS_OK}, nil
}

func (rawPluginV2) Flush(context.Context, *pluginv2.FlushRequest) (*pluginv2.FlushResponse, error) {
	return &pluginv2.FlushResponse{}, nil
}

// streamVersion is the version the stream test plugin declares.
const streamVersion = "2.5.0"

// streamHandler is the handler of the stream test plugin, an SDK plugin,
// which speaks protocol version 2 to the host:
//
//   - GET /events?id=X is a stream of Server-Sent Events, in a span
//     stream.events: event 1, then, once POST /events/next?id=X has come,
//     event 2, whose data is the body of that request; each is flushed.
//   - GET /download?size=N streams the N bytes of newPattern(N).
//   - GET /hold?id=X writes a line, then waits for its request's context
//     to end; GET /held?id=X answers why it ended ("" until it has).
//   - GET /silent answers nothing until its request's context ends.
//   - POST /count reads the whole request body and answers its length.
//   - POST /echo answers "ready", then each line of the request body as it
//     arrives, flushed.
//   - GET /deadline answers whether the request's context has a deadline.
//   - GET /public/health (declared public) answers the caller's principal
//     type; GET /private counts its calls, GET /calls answers the count.
func streamHandler(_ context.Context, env plugin.Env) (http.Handler, error) {
	next := &mailboxes{m: map[string]chan string{}}
	held := &mailboxes{m: map[string]chan string{}}
	var privateCalls atomic.Int64
	flush := func(w http.ResponseWriter) error { return http.NewResponseController(w).Flush() }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		_ = env.Tracing.StartActiveSpan(r.Context(), "stream.events", func(ctx context.Context, _ tracing.Span) error {
			fmt.Fprint(w, "id: 1\ndata: first\n\n")
			if err := flush(w); err != nil {
				return err
			}
			select {
			case data := <-next.get(r.URL.Query().Get("id")):
				fmt.Fprintf(w, "id: 2\ndata: %s\n\n", data)
				return flush(w)
			case <-ctx.Done():
				return ctx.Err()
			}
		}, tracing.WithRequest(r))
	})
	mux.HandleFunc("POST /events/next", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		next.get(r.URL.Query().Get("id")) <- string(b)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /download", func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.ParseInt(r.URL.Query().Get("size"), 10, 64)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10)) // true: not news
		_, _ = io.Copy(w, newPattern(size))
	})
	mux.HandleFunc("GET /hold", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "holding")
		_ = flush(w)
		<-r.Context().Done()
		held.get(r.URL.Query().Get("id")) <- r.Context().Err().Error()
	})
	mux.HandleFunc("GET /silent", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /held", func(w http.ResponseWriter, r *http.Request) {
		select {
		case why := <-held.get(r.URL.Query().Get("id")):
			fmt.Fprint(w, why)
		default:
		}
	})
	mux.HandleFunc("POST /count", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ready")
		_ = flush(w)
		lines := bufio.NewScanner(r.Body)
		for lines.Scan() {
			fmt.Fprintln(w, "echo:", lines.Text())
			_ = flush(w)
		}
	})
	mux.HandleFunc("GET /deadline", func(w http.ResponseWriter, r *http.Request) {
		_, has := r.Context().Deadline()
		fmt.Fprint(w, has)
	})
	mux.HandleFunc("GET /public/health", func(w http.ResponseWriter, r *http.Request) {
		creds, _ := auth.CredentialsFromContext(r.Context())
		fmt.Fprint(w, creds.PrincipalType())
	})
	mux.HandleFunc("GET /private", func(w http.ResponseWriter, r *http.Request) {
		privateCalls.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /calls", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, privateCalls.Load())
	})
	return mux, nil
}

// mailboxes pass one message per id between two requests, whichever
// comes first.
type mailboxes struct {
	mu sync.Mutex
	m  map[string]chan string
}

func (b *mailboxes) get(id string) chan string {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.m[id]
	if !ok {
		c = make(chan string, 1)
		b.m[id] = c
	}
	return c
}

// patternBlock is the random MiB that newPattern repeats.
var patternBlock = sync.OnceValue(func() []byte {
	b := make([]byte, 1<<20)
	_, _ = rand.NewChaCha8([32]byte{'p', 'l', 'u', 'g'}).Read(b)
	return b
})

// pattern is a body of any size made as it is read, whose bytes differ by
// offset: a random MiB repeated, each copy starting with its index.
type pattern struct{ off, n int64 }

func newPattern(n int64) io.Reader { return &pattern{n: n} }

func (g *pattern) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.n-g.off)]
	block := patternBlock()
	for n := 0; n < len(p); {
		off := g.off + int64(n)
		i := off % int64(len(block))
		k := copy(p[n:], block[i:])
		var index [8]byte
		binary.BigEndian.PutUint64(index[:], uint64(off/int64(len(block))))
		if i < 8 {
			copy(p[n:n+k], index[i:])
		}
		n += k
	}
	g.off += int64(len(p))
	return len(p), nil
}
