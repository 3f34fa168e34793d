// SPDX-License-Identifier: Apache-2.0

// Package testplugin holds the plugins that the tests of plugin check
// start: a test binary runs itself as one of them, so that every check
// runs against a real process without a build step. It is test support,
// imported only by tests.
//
// A test binary calls RunIfAsked before anything else (in TestMain, or an
// init function), and starts a plugin with Command.
package testplugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
	"github.com/plugtrace/plugtrace/plugin"
	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"
	"github.com/plugtrace/plugtrace/tracing"
)

// ID is the plugin id the test plugins built with the SDK call themselves.
const ID = "probe"

// arg is the first argument that makes a test binary a test plugin.
const arg = "plugincheck-test-plugin"

// The test plugins.
const (
	// Good is built with the plugin SDK (protocol 1); its GET / answers
	// "hello, <principal id>" inside a span of its own.
	Good = "good"
	// GoodV2 speaks protocol 2 without the SDK: Describe, a streamed
	// answer, its own OpenTelemetry SDK configured by the hand-off.
	GoodV2 = "good-v2"
	// Hello prints "hello world" instead of the handshake line.
	Hello = "hello"
	// Exit3 writes a line to stderr and exits with status 3.
	Exit3 = "exit3"
	// Silent prints nothing and waits to be killed.
	Silent = "silent"
	// NewRoot serves protocol 1 without the SDK; its spans start new
	// traces instead of continuing the call's.
	NewRoot = "new-root"
	// Mute is NewRoot, but its spans are never exported.
	Mute = "mute"
	// WrongToken is NewRoot, exporting with another bearer token than the
	// hand-off's.
	WrongToken = "wrong-token"
	// BadRoute is GoodV2, but one of the public routes it declares is not
	// a ServeMux pattern.
	BadRoute = "bad-route"
	// HangOnStop is Good, but after the host's shutdown request its
	// process does not exit.
	HangOnStop = "hang-on-stop"
	// Unhealthy answers CheckHealth with STATUS_ERROR.
	Unhealthy = "unhealthy"
	// FutureProtocol speaks only protocol version 3.
	FutureProtocol = "future-protocol"
	// WrongCookie is a go-plugin plugin of another application: it
	// refuses plugtrace's magic cookie.
	WrongCookie = "wrong-cookie"
)

// Command returns the argv that starts this test binary as the test plugin
// name.
func Command(name string) []string {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return []string{exe, arg, name}
}

// RunIfAsked runs this process as the test plugin its arguments name, and
// exits; it returns at once when they name none.
func RunIfAsked() {
	if len(os.Args) < 3 || os.Args[1] != arg {
		return
	}
	if err := run(os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func run(name string) error {
	switch name {
	case Good:
		return plugin.Manage(ID, goodHandler, plugin.ManageOpts{})
	case HangOnStop:
		if err := plugin.Manage(ID, goodHandler, plugin.ManageOpts{}); err != nil {
			return err
		}
		waitForKill()
	case GoodV2:
		return serveRaw(2, propagate|export, goodV2{})
	case NewRoot:
		return serveRaw(1, export, newRoot{})
	case Mute:
		return serveRaw(1, propagate, newRoot{})
	case WrongToken:
		return serveRaw(1, propagate|export|wrongToken, newRoot{})
	case BadRoute:
		return serveRaw(2, propagate|export, badRoute{})
	case Unhealthy:
		return serveRaw(1, propagate|export, unhealthy{})
	case FutureProtocol:
		return serveRaw(3, propagate|export, unhealthy{})
	case WrongCookie:
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig: goplugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "OTHER_APP_PLUGIN", MagicCookieValue: "other"},
			Plugins:         goplugin.PluginSet{pluginproto.PluginName: &server{version: 1, v1: unhealthy{}}},
			GRPCServer:      goplugin.DefaultGRPCServer,
		})
	case Hello:
		fmt.Println("hello world")
		waitForKill()
	case Exit3:
		fmt.Fprintln(os.Stderr, "test plugin: giving up with status 3")
		os.Exit(3)
	case Silent:
		waitForKill()
	default:
		return fmt.Errorf("unknown test plugin %q", name)
	}
	return nil
}

// waitForKill blocks until the process is killed: SIGKILL, which the
// check sends, ends it; the signal channel keeps the runtime from calling
// the wait a deadlock.
func waitForKill() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	for range ch {
	}
}

func goodHandler(_ context.Context, env plugin.Env) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = env.Tracing.StartActiveSpan(r.Context(), "probe.hello", func(context.Context, tracing.Span) error {
			c, _ := auth.CredentialsFromContext(r.Context())
			_, err := io.WriteString(w, "hello, "+c.PrincipalID())
			return err
		}, tracing.WithRequest(r))
	})
	return mux, nil
}

// server is the plugin side of go-plugin for a raw plugin of one version.
type server struct {
	goplugin.NetRPCUnsupportedPlugin
	version int
	v1      pluginv1.PluginServer
	v2      pluginv2.PluginServer
}

func (s *server) GRPCServer(_ *goplugin.GRPCBroker, g *grpc.Server) error {
	if s.v2 != nil {
		pluginv2.RegisterPluginServer(g, s.v2)
	} else {
		pluginv1.RegisterPluginServer(g, s.v1)
	}
	return nil
}

func (s *server) GRPCClient(context.Context, *goplugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("testplugin: plugin side only")
}

// tracer is a raw plugin's tracer, from its own SDK, which the hand-off's
// standard variables configure.
var (
	tracer trace.Tracer
	tp     *sdktrace.TracerProvider
)

// What a raw plugin does of its telemetry.
type rawOpts int

const (
	// propagate: the server span of CallResource continues the caller's
	// trace (otelgrpc), as the SDK's does.
	propagate rawOpts = 1 << iota
	// export: spans go where the hand-off says.
	export
	// wrongToken: with another token than the hand-off's.
	wrongToken
)

// serveRaw serves impl as protocol version.
func serveRaw(version int, o rawOpts, impl any) error {
	ctx := context.Background()
	var tpOpts []sdktrace.TracerProviderOption
	if o&export != 0 {
		var eo []otlptracegrpc.Option
		if o&wrongToken != 0 {
			eo = append(eo, otlptracegrpc.WithHeaders(map[string]string{"authorization": "Bearer not-the-token"}))
		}
		exp, err := otlptracegrpc.New(ctx, eo...)
		if err != nil {
			return err
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
	}
	tp = sdktrace.NewTracerProvider(tpOpts...)
	defer func() { _ = tp.Shutdown(ctx) }()
	tracer = tp.Tracer("testplugin")
	s := &server{version: version}
	switch impl := impl.(type) {
	case pluginv2.PluginServer:
		s.v2 = impl
	case pluginv1.PluginServer:
		s.v1 = impl
	}
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig:  pluginproto.Handshake,
		VersionedPlugins: map[int]goplugin.PluginSet{version: {pluginproto.PluginName: s}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			if o&propagate != 0 {
				opts = append(opts, grpc.StatsHandler(otelgrpc.NewServerHandler(
					otelgrpc.WithTracerProvider(tp),
					otelgrpc.WithPropagators(autoprop.NewTextMapPropagator()),
					otelgrpc.WithFilter(func(info *stats.RPCTagInfo) bool {
						return info.FullMethodName == pluginv1.Plugin_CallResource_FullMethodName ||
							info.FullMethodName == pluginv2.Plugin_CallResource_FullMethodName
					}),
				)))
			}
			return grpc.NewServer(opts...)
		},
	})
	return nil
}

// goodV2 is a protocol 2 plugin that does everything right.
type goodV2 struct {
	pluginv2.UnimplementedPluginServer
}

func (goodV2) Describe(context.Context, *pluginv2.DescribeRequest) (*pluginv2.DescribeResponse, error) {
	return &pluginv2.DescribeResponse{Version: "1.2.3", PublicRoutes: []string{"GET /{$}", "GET /health"}}, nil
}

func (goodV2) CallResource(stream grpc.BidiStreamingServer[pluginv2.CallResourceRequest, pluginv2.CallResourceResponse]) error {
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	_, span := tracer.Start(stream.Context(), "v2.hello")
	defer span.End()
	if err := stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Head{Head: &pluginv2.ResponseHead{Status: http.StatusOK, Route: "GET /{$}"}}}); err != nil {
		return err
	}
	for _, part := range []string{"hello, ", "streamed ", "world"} {
		if err := stream.Send(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: []byte(part)}}); err != nil {
			return err
		}
	}
	return nil
}

func (goodV2) CheckHealth(context.Context, *pluginv2.CheckHealthRequest) (*pluginv2.CheckHealthResponse, error) {
	return &pluginv2.CheckHealthResponse{Status: pluginv2.CheckHealthResponse_STATUS_OK}, nil
}

func (goodV2) Flush(ctx context.Context, _ *pluginv2.FlushRequest) (*pluginv2.FlushResponse, error) {
	return &pluginv2.FlushResponse{}, tp.ForceFlush(ctx)
}

// badRoute is goodV2 with a public route that is not a pattern.
type badRoute struct{ goodV2 }

func (badRoute) Describe(context.Context, *pluginv2.DescribeRequest) (*pluginv2.DescribeResponse, error) {
	return &pluginv2.DescribeResponse{PublicRoutes: []string{"GET /{$}", "GET forecast"}}, nil
}

// newRoot is a protocol 1 plugin whose spans start new traces.
type newRoot struct {
	pluginv1.UnimplementedPluginServer
}

func (newRoot) CallResource(ctx context.Context, _ *pluginv1.CallResourceRequest) (*pluginv1.CallResourceResponse, error) {
	_, span := tracer.Start(ctx, "orphan", trace.WithNewRoot())
	span.End()
	return &pluginv1.CallResourceResponse{Status: http.StatusOK, Body: []byte("alone")}, nil
}

func (newRoot) CheckHealth(context.Context, *pluginv1.CheckHealthRequest) (*pluginv1.CheckHealthResponse, error) {
	return &pluginv1.CheckHealthResponse{Status: pluginv1.CheckHealthResponse_STATUS_OK}, nil
}

func (newRoot) Flush(ctx context.Context, _ *pluginv1.FlushRequest) (*pluginv1.FlushResponse, error) {
	return &pluginv1.FlushResponse{}, tp.ForceFlush(ctx)
}

// unhealthy is a protocol 1 plugin that is not ready to serve.
type unhealthy struct {
	pluginv1.UnimplementedPluginServer
}

func (unhealthy) CheckHealth(context.Context, *pluginv1.CheckHealthRequest) (*pluginv1.CheckHealthResponse, error) {
	return &pluginv1.CheckHealthResponse{Status: pluginv1.CheckHealthResponse_STATUS_ERROR, Message: "database unreachable"}, nil
}
