// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/grpc"

	"github.com/plugtrace/plugtrace/httpclient"
	"github.com/plugtrace/plugtrace/internal/handoff"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
	"github.com/plugtrace/plugtrace/internal/tracelog"
	"github.com/plugtrace/plugtrace/tracing"
)

// Env is what Manage gives the handler factory.
type Env struct {
	// PluginID is the plugin's id.
	PluginID string
	// Tracing is the plugin's tracing service: it honours the host's tracer
	// override and capture.endUser setting.
	Tracing tracing.Service
	// HTTPClient hands out HTTP clients whose requests are client spans of
	// the plugin's trace, with the trace context passed on.
	HTTPClient *httpclient.Provider
	// Logger logs as JSON to the host (through go-plugin), with plugin_id,
	// and trace_id and span_id when given a context that carries a span.
	Logger *slog.Logger
}

// HandlerFactory builds the plugin's handler. ctx ends when the plugin
// stops.
type HandlerFactory func(ctx context.Context, env Env) (http.Handler, error)

// ManageOpts configures Manage.
type ManageOpts struct {
	TracingOpts TracingOpts
	// ShutdownTimeout bounds the final flush of spans. Default 5s.
	ShutdownTimeout time.Duration
	// Version is the plugin's own version ("1.4.2"), which the host shows
	// in /api/plugins. Optional.
	Version string
	// PublicRoutes are the plugin's routes open to callers without
	// credentials, who reach them as principal "none": http.ServeMux
	// patterns relative to the plugin's mount, as the handler's own ("GET
	// /{$}" opens GET /api/<id>/ and nothing below it, "GET /health" opens
	// GET /api/<id>/health). The host answers every other route 401 to a
	// request without credentials before the plugin's code runs, and
	// invalid credentials get 401 on open routes too. An invalid pattern,
	// or two that conflict, make Manage fail. A host that speaks only
	// protocol version 1 ignores them: every route needs credentials there.
	PublicRoutes []string
}

// TracingOpts configures the plugin's tracing.
type TracingOpts struct {
	// CustomAttributes are added to the plugin's resource.
	CustomAttributes []attribute.KeyValue
}

// ErrNotStartedByHost is returned by Manage in a process that a plugtrace
// host did not start.
var ErrNotStartedByHost = errors.New("plugin: this executable is a plugtrace plugin; a plugtrace host starts it (see plugins[].command in the host's config)")

// Manage runs the plugin until the host stops it, then flushes its spans.
// It returns an error when the process was not started by a plugtrace host,
// when the hand-off is malformed or names another plugin, or when the factory
// fails.
func Manage(pluginID string, factory HandlerFactory, opts ManageOpts) error {
	if err := tracing.ValidatePluginID(pluginID); err != nil {
		return fmt.Errorf("plugin: %w", err)
	}
	if factory == nil {
		return errors.New("plugin: nil handler factory")
	}
	if err := validRoutes(opts.PublicRoutes); err != nil {
		return err
	}
	if os.Getenv(pluginproto.Handshake.MagicCookieKey) != pluginproto.Handshake.MagicCookieValue {
		return ErrNotStartedByHost
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	rt, err := newRuntime(ctx, pluginID, os.LookupEnv, os.Stderr, opts)
	if err != nil {
		return err
	}
	defer rt.shutdown(opts.ShutdownTimeout)

	handler, err := factory(ctx, rt.env)
	if err != nil {
		return fmt.Errorf("plugin %s: handler factory: %w", pluginID, err)
	}
	srv := &server{handler: handler, telemetry: rt.telemetry, logger: rt.env.Logger}
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: pluginproto.Handshake,
		// go-plugin serves the newest version the host speaks too.
		VersionedPlugins: pluginproto.VersionedPlugins(&serverV1{server: srv}, &serverV2{server: srv, describe: &pluginv2.DescribeResponse{
			Version:      opts.Version,
			PublicRoutes: opts.PublicRoutes,
		}}),
		GRPCServer: rt.grpcServer,
		Logger:     hclog.New(&hclog.LoggerOptions{Name: pluginID, Output: os.Stderr, JSONFormat: true, Level: hclog.Warn}),
	})
	return nil
}

// validRoutes checks public routes as the host will: by registering them
// on an http.ServeMux, which panics on an invalid or conflicting pattern.
func validRoutes(patterns []string) (err error) {
	mux := http.NewServeMux()
	for i, p := range patterns {
		func() {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("plugin: ManageOpts.PublicRoutes[%d] %q: %v", i, p, v)
				}
			}()
			mux.Handle(p, http.NotFoundHandler())
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// runtime is what Manage sets up around the handler.
type runtime struct {
	telemetry *telemetry
	env       Env
}

func newRuntime(ctx context.Context, pluginID string, lookup func(string) (string, bool), logOut io.Writer, opts ManageOpts) (*runtime, error) {
	ho, started, err := handoff.FromEnv(lookup)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: hand-off: %w", pluginID, err)
	}
	if !started {
		// Started by something else than a plugtrace host: no tracing,
		// but trace context still flows.
		ho = handoff.Plugin{ID: pluginID}
	}
	if ho.ID != pluginID {
		return nil, fmt.Errorf("plugin: the host started this plugin as %q (%s), but it calls itself %q", ho.ID, handoff.EnvPluginID, pluginID)
	}
	logger := slog.New(tracelog.NewHandler(hclogJSONHandler(logOut))).With("plugin_id", pluginID)
	tel, err := newTelemetry(ctx, ho, logger, opts.TracingOpts.CustomAttributes...)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", pluginID, err)
	}
	enabled := ho.Enabled
	provider, err := tracing.NewProvider(tracing.Config{
		CaptureEndUser: ho.CaptureEndUser,
		Plugins: map[string]tracing.PluginConfig{pluginID: {
			Enabled: &enabled,
			Tracer:  tracing.TracerConfig{Name: ho.TracerName, Version: ho.TracerVersion, SchemaURL: ho.TracerSchemaURL},
		}},
	}, tracing.WithTracerProvider(tel.tp))
	if err != nil {
		return nil, fmt.Errorf("plugin %s: hand-off tracer (%s, %s, %s): %w", pluginID,
			handoff.EnvTracerName, handoff.EnvTracerVersion, handoff.EnvTracerSchemaURL, err)
	}
	svc, err := provider.ForPlugin(pluginID)
	if err != nil {
		return nil, err
	}
	tracing.SetDefaultTracer(svc.Tracer())
	clients, err := httpclient.NewProvider(httpclient.ProviderOptions{
		TracerProvider: tel.tp,
		Propagator:     tel.prop,
		Attributes:     []attribute.KeyValue{tracing.PluginIDKey.String(pluginID)},
	})
	if err != nil {
		return nil, err
	}
	return &runtime{telemetry: tel, env: Env{PluginID: pluginID, Tracing: svc, HTTPClient: clients, Logger: logger}}, nil
}

// streamWorkers is how many goroutines of the plugin's gRPC server serve
// calls.
const streamWorkers = 16

// grpcServer builds the plugin's gRPC server: server spans for CallResource,
// continuing the host's trace.
func (rt *runtime) grpcServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts,
		grpc.StatsHandler(pluginproto.ServerStats(rt.telemetry.tp, rt.telemetry.prop, rt.telemetry.sdk != nil)),
		grpc.MaxRecvMsgSize(pluginproto.MaxMessageSize),
		grpc.MaxSendMsgSize(pluginproto.MaxMessageSize),
		grpc.InitialWindowSize(pluginproto.StreamWindow),
		grpc.InitialConnWindowSize(pluginproto.ConnWindow),
		// Calls run on goroutines that stay, whose stacks have grown to what
		// a handler needs, instead of a new goroutine per call, whose stack
		// grows anew each time: enough of them for the calls a plugin
		// serves at once. (A call that finds every worker busy gets a
		// goroutine of its own.)
		grpc.NumStreamWorkers(streamWorkers),
	)
	return grpc.NewServer(opts...)
}

func (rt *runtime) shutdown(timeout time.Duration) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := rt.telemetry.Shutdown(ctx); err != nil {
		rt.env.Logger.Warn("flushing spans at shutdown failed", "error", err)
	}
	tracing.SetDefaultTracer(nil)
}

// hclogJSONHandler writes slog records as the JSON lines go-plugin reads
// from a plugin's stderr (@level, @message, @timestamp), so the host logs
// them as structured records of the plugin.
func hclogJSONHandler(w io.Writer) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				// The layout go-plugin parses; another one demotes the
				// line to an unparsed debug message.
				a = slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
			case slog.LevelKey:
				a = slog.String("@level", levelName(a.Value.Any()))
			case slog.MessageKey:
				a.Key = "@message"
			}
			return a
		},
	})
}

func levelName(v any) string {
	l, ok := v.(slog.Level)
	if !ok {
		return "info"
	}
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warn"
	case l >= slog.LevelInfo:
		return "info"
	}
	return "debug"
}
