// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/tracelog"
	"github.com/plugtrace/plugtrace/telemetry"
	"github.com/plugtrace/plugtrace/traceview"
	"github.com/plugtrace/plugtrace/tracing"
)

// Host serves plugins over HTTP with tracing. Create it with New, then Run
// it, or Start it and Shutdown it yourself.
type Host struct {
	cfg       *config.Config
	logger    *slog.Logger
	telemetry *telemetry.Host
	tracing   *tracing.Provider
	auth      auth.HTTPAuth
	store     *traceview.Store // nil unless the embedded exporter is on
	handler   http.Handler
	shutdownT time.Duration

	mu       sync.Mutex
	plugins  []PluginInfo
	server   *http.Server
	listener net.Listener
	served   chan error

	shutdownOnce sync.Once
	shutdownErr  error
	starting     bool
	closing      bool // Shutdown has begun
	viewerOff    bool // the store is on, but nobody may read it

	open     openRoutes // backend.auth.publicRoutes
	relay    *relay     // nil without external plugins, or with export: direct
	external []*externalPlugin
	limits   ExternalLimits
}

// ConfigError is the error of New when cfg cannot work (as opposed to a
// failure at run time, such as a plugin's Init): the command-line host exits
// 2 for it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// New builds a host from cfg: its telemetry, its authenticator and its
// plugins, whose Init functions run here. Nothing listens until Start.
func New(ctx context.Context, cfg *config.Config, opts ...Option) (*Host, error) {
	o := options{logger: slog.Default(), shutdownTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt.apply(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, &ConfigError{err}
	}
	logger := slog.New(tracelog.NewHandler(o.logger.Handler()))

	telOpts := []telemetry.HostOption{telemetry.WithLogger(logger)}
	var store *traceview.Store
	if slices.Contains(cfg.Backend.Tracing.Exporters, config.ExporterEmbedded) {
		var err error
		if store, err = traceview.NewStore(cfg.Backend.Tracing.Embedded.MaxSpans); err != nil {
			return nil, fmt.Errorf("backend.tracing.embedded: %w", err)
		}
		telOpts = append(telOpts, telemetry.WithEmbeddedExporter(store))
	}
	tel, err := telemetry.NewHost(ctx, cfg.Backend.Tracing, append(telOpts, o.telemetryOpts...)...)
	if err != nil {
		return nil, &ConfigError{err}
	}
	h := &Host{
		cfg: cfg, logger: logger, telemetry: tel, store: store, shutdownT: o.shutdownTimeout,
		limits: o.limits.withDefaults(int64(cfg.Backend.HTTP.MaxRequestBody)),
	}
	fail := func(err error) (*Host, error) {
		if h.relay != nil {
			h.relay.stop()
		}
		_ = tel.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}

	if h.auth, err = newBearerAuth(cfg.Backend.Auth); err != nil {
		return fail(&ConfigError{err})
	}
	if h.tracing, err = tracing.NewProvider(cfg.TracingConfig(), tracing.WithTracerProvider(tel.TracerProvider())); err != nil {
		return fail(&ConfigError{err})
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpjson.Write(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /api/plugins", authorize(logger, nil, http.HandlerFunc(h.servePlugins)))
	if store != nil {
		h.mountViewer(mux)
	}
	for _, p := range cfg.Backend.Auth.PublicRoutes {
		if err := h.open.add(p); err != nil {
			return fail(&ConfigError{fmt.Errorf("backend.auth.publicRoutes: %q: %w", p, err)})
		}
	}
	for _, rt := range o.routes {
		mux.Handle(rt.pattern, rt.handler)
	}
	if err := h.setupExternal(); err != nil {
		return fail(err)
	}
	seen := map[string]bool{}
	for _, ext := range h.external {
		seen[ext.id] = true
		// The operator's public routes, and those the plugin declared at
		// its last start (protocol version 2), relative to its mount.
		isOpen := func(r *http.Request) bool { return h.open.match(r) || ext.isOpen(r) }
		mux.Handle(mountPath(ext.id), authorize(logger, isOpen, ext))
	}
	for _, p := range o.plugins {
		if err := tracing.ValidatePluginID(p.ID); err != nil {
			return fail(fmt.Errorf("host: plugin %q: %w", p.ID, err))
		}
		if seen[p.ID] {
			return fail(fmt.Errorf("host: plugin %q registered twice (in-process plugins and plugins[] share one id space)", p.ID))
		}
		seen[p.ID] = true
		if p.Init == nil {
			return fail(fmt.Errorf("host: plugin %q: nil Init", p.ID))
		}
		router, open, err := h.initPlugin(ctx, p)
		if err != nil {
			return fail(err)
		}
		prefix := "/api/" + p.ID
		isOpen := func(r *http.Request) bool { return h.open.match(r) || open.match(relative(r, prefix)) }
		mux.Handle(mountPath(p.ID), authorize(logger, isOpen,
			limitBody(int64(cfg.Backend.HTTP.MaxRequestBody), mountRouter(p.ID, router))))
		h.plugins = append(h.plugins, PluginInfo{
			ID: p.ID, Kind: KindInProcess, State: StateRunning,
			Tracing: h.tracing.Enabled(p.ID), Mount: mountPath(p.ID),
		})
	}

	h.handler = &serverSpans{
		auth:    h.auth,
		tracer:  tel.TracerProvider().Tracer(scopeName, trace.WithSchemaURL(semconv.SchemaURL)),
		prop:    tel.Propagator(),
		trust:   cfg.Backend.Tracing.TrustIncomingContext,
		metrics: newServerMetrics(otel.GetMeterProvider()),
		logger:  logger,
		next:    mux,
	}
	return h, nil
}

func newBearerAuth(a config.Auth) (*auth.BearerAuth, error) {
	bc := auth.BearerConfig{UserTokenSecret: []byte(a.UserTokens.Secret)}
	for _, ea := range a.ExternalAccess {
		bc.StaticTokens = append(bc.StaticTokens, auth.StaticToken{Token: ea.Token, Subject: ea.Subject})
	}
	return auth.NewBearerAuth(bc)
}

// Handler returns the host's HTTP handler: every route, traced and
// authenticated. Tests may serve it with httptest.
func (h *Host) Handler() http.Handler { return h.handler }

// Telemetry returns the host's telemetry.
func (h *Host) Telemetry() *telemetry.Host { return h.telemetry }
