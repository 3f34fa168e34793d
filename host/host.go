package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/httpclient"
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

	relay    *relay // nil without external plugins, or with export: direct
	external []*externalPlugin
	limits   ExternalLimits
}

// Option configures a Host.
type Option interface {
	apply(*options)
}

type options struct {
	plugins         []Plugin
	logger          *slog.Logger
	telemetryOpts   []telemetry.HostOption
	shutdownTimeout time.Duration
	routes          []hostRoute
	limits          ExternalLimits
}

type hostRoute struct {
	pattern string
	handler http.Handler
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithPlugins registers in-process plugins.
func WithPlugins(plugins ...Plugin) Option {
	return optionFunc(func(o *options) { o.plugins = append(o.plugins, plugins...) })
}

// WithLogger sets the host's logger. Default slog.Default(). Records logged
// with a context that carries a span get its trace_id and span_id. External
// plugins' log lines, and go-plugin's records about them, go through it too,
// with plugin_id.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(o *options) { o.logger = l })
}

// WithTelemetryOptions passes options to telemetry.NewHost, for example the
// embedded span store or the console writer.
func WithTelemetryOptions(opts ...telemetry.HostOption) Option {
	return optionFunc(func(o *options) { o.telemetryOpts = append(o.telemetryOpts, opts...) })
}

// WithShutdownTimeout bounds Run's graceful shutdown: finishing in-flight
// requests and flushing spans. Default 10s.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(o *options) { o.shutdownTimeout = d })
}

// WithHandler serves h at a ServeMux pattern of the host itself, outside
// /api/ (for example the trace viewer at "/traces/"). Its requests are
// traced but not authenticated.
func WithHandler(pattern string, h http.Handler) Option {
	return optionFunc(func(o *options) { o.routes = append(o.routes, hostRoute{pattern, h}) })
}

// WithExternalLimits sets the limits of external plugins: request body,
// call timeout, start timeout and restart backoff. Zero fields keep their
// defaults.
func WithExternalLimits(l ExternalLimits) Option {
	return optionFunc(func(o *options) { o.limits = l })
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
	logger := slog.New(telemetry.NewLogHandler(o.logger.Handler()))

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
		limits: o.limits.withDefaults(),
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
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/plugins", h.servePlugins)
	if store != nil {
		mux.Handle(viewerPath, traceview.Handler(store))
	}
	for _, rt := range o.routes {
		mux.Handle(rt.pattern, rt.handler)
	}
	if err := h.setupExternal(h.limits); err != nil {
		return fail(err)
	}
	seen := map[string]bool{}
	for _, ext := range h.external {
		seen[ext.id] = true
		mux.Handle(mountPath(ext.id), authenticate(h.auth, logger, ext))
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
		router, err := h.initPlugin(ctx, p)
		if err != nil {
			return fail(err)
		}
		mux.Handle(mountPath(p.ID), authenticate(h.auth, logger, mountRouter(p.ID, router)))
		h.plugins = append(h.plugins, PluginInfo{
			ID: p.ID, Kind: KindInProcess, State: StateRunning,
			Tracing: h.tracing.Enabled(p.ID), Mount: mountPath(p.ID),
		})
	}

	h.handler = withRoute(otelhttp.NewHandler(recoverPanics(logger, mux), "",
		otelhttp.WithTracerProvider(tel.TracerProvider()),
		otelhttp.WithPropagators(tel.Propagator()),
		otelhttp.WithSpanNameFormatter(spanName),
		// The viewer polls; tracing it would fill the store with itself.
		otelhttp.WithFilter(func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, viewerPath) }),
	))
	return h, nil
}

// viewerPath is where the embedded trace viewer is served.
const viewerPath = "/traces/"

func newBearerAuth(a config.Auth) (*auth.BearerAuth, error) {
	bc := auth.BearerConfig{UserTokenSecret: []byte(a.UserTokens.Secret)}
	for _, ea := range a.ExternalAccess {
		bc.StaticTokens = append(bc.StaticTokens, auth.StaticToken{Token: ea.Token, Subject: ea.Subject})
	}
	return auth.NewBearerAuth(bc)
}

func (h *Host) initPlugin(ctx context.Context, p Plugin) (*http.ServeMux, error) {
	svc, err := h.tracing.ForPlugin(p.ID)
	if err != nil {
		return nil, fmt.Errorf("host: plugin %q: %w", p.ID, err)
	}
	clients, err := httpclient.NewProvider(httpclient.ProviderOptions{
		TracerProvider: h.pluginTracerProvider(p.ID),
		Propagator:     h.telemetry.Propagator(),
		Attributes:     []attribute.KeyValue{tracing.PluginIDKey.String(p.ID)},
	})
	if err != nil {
		return nil, fmt.Errorf("host: plugin %q: http clients: %w", p.ID, err)
	}
	router := http.NewServeMux()
	env := Env{
		Tracing:    svc,
		Logger:     h.logger.With("plugin_id", p.ID),
		Router:     router,
		Auth:       h.auth,
		HTTPClient: clients,
	}
	if err := p.Init(ctx, env); err != nil {
		return nil, fmt.Errorf("host: plugin %q: init: %w", p.ID, err)
	}
	return router, nil
}

// pluginTracerProvider is the tracer provider of a plugin's outgoing HTTP
// spans: the host's, or a no-op one when tracing is off for the plugin (the
// trace context is still passed on).
func (h *Host) pluginTracerProvider(id string) trace.TracerProvider {
	if !h.tracing.Enabled(id) {
		return noop.NewTracerProvider()
	}
	return h.telemetry.TracerProvider()
}

func mountPath(id string) string { return "/api/" + id + "/" }

// mountRouter serves a plugin's router below /api/<id>, with paths relative
// to that prefix, and names the server span after the plugin's route.
func mountRouter(id string, router *http.ServeMux) http.Handler {
	prefix := "/api/" + id
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = new(url.URL)
		*r2.URL = *r.URL
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
		// Deferred, so that a panicking handler's span is named too.
		defer func() {
			if r2.Pattern != "" {
				setRoute(r, prefix+routePath(r2.Pattern))
			}
		}()
		router.ServeHTTP(w, r2)
	})
}

// routePath returns the path of a ServeMux pattern without its method and
// without the end-of-path marker: "GET /{$}" is "/".
func routePath(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	return strings.TrimSuffix(pattern, "{$}")
}

func (h *Host) servePlugins(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	plugins := append([]PluginInfo(nil), h.plugins...)
	h.mu.Unlock()
	for _, ext := range h.external {
		state, restarts, lastErr := ext.info()
		plugins = append(plugins, PluginInfo{
			ID: ext.id, Kind: KindExternal, State: state, Tracing: h.tracing.Enabled(ext.id),
			Mount: mountPath(ext.id), Restarts: restarts, LastError: lastErr,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"plugins": plugins})
}

// Handler returns the host's HTTP handler: every route, traced and
// authenticated. Tests may serve it with httptest.
func (h *Host) Handler() http.Handler { return h.handler }

// Telemetry returns the host's telemetry.
func (h *Host) Telemetry() *telemetry.Host { return h.telemetry }

// Tracing returns the provider of the plugins' tracing services.
func (h *Host) Tracing() *tracing.Provider { return h.tracing }

// Auth returns the host's authenticator.
func (h *Host) Auth() auth.HTTPAuth { return h.auth }

// Store returns the embedded span store, or nil when the embedded exporter
// is not configured.
func (h *Host) Store() *traceview.Store { return h.store }

// Logger returns the host's logger.
func (h *Host) Logger() *slog.Logger { return h.logger }

// ErrStarted is returned by a second call to Start.
var ErrStarted = errors.New("host: already started")

// Start starts the external plugins, waiting until each has started or
// failed once, then listens on backend.listen and serves in the background.
// It may be called once.
func (h *Host) Start() error {
	h.mu.Lock()
	if h.server != nil || h.starting {
		h.mu.Unlock()
		return ErrStarted
	}
	h.starting = true
	h.mu.Unlock()
	ln, err := net.Listen("tcp", h.cfg.Backend.Listen)
	if err != nil {
		return fmt.Errorf("host: backend.listen: %w", err)
	}
	h.mu.Lock()
	closing := h.closing
	h.mu.Unlock()
	if !closing {
		h.startExternal()
	}
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(h.logger.Handler(), slog.LevelWarn),
	}
	h.mu.Lock()
	if h.closing { // Shutdown ran while the plugins were starting
		h.mu.Unlock()
		ln.Close()
		return errors.New("host: shut down while starting")
	}
	h.server, h.listener, h.served = srv, ln, make(chan error, 1)
	h.mu.Unlock()
	go func() { h.served <- srv.Serve(ln) }()
	return nil
}

// Addr returns the address the host listens on, once started.
func (h *Host) Addr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listener == nil {
		return ""
	}
	return h.listener.Addr().String()
}

// URL returns the host's base URL, once started: "http://127.0.0.1:7007".
func (h *Host) URL() string { return "http://" + h.Addr() }

// Shutdown stops accepting requests, waits for those in flight, and then
// flushes spans, all within ctx's deadline. Later calls return the first
// call's result.
func (h *Host) Shutdown(ctx context.Context) error {
	h.shutdownOnce.Do(func() { h.shutdownErr = h.shutdown(ctx) })
	return h.shutdownErr
}

func (h *Host) shutdown(ctx context.Context) error {
	h.mu.Lock()
	srv := h.server
	h.closing = true
	h.mu.Unlock()
	var err error
	if srv != nil {
		if e := srv.Shutdown(ctx); e != nil {
			err = fmt.Errorf("host: finishing requests: %w", e)
		}
		if e := <-h.served; e != nil && !errors.Is(e, http.ErrServerClosed) {
			err = errors.Join(err, e)
		}
	}
	// Plugins flush their spans to the relay, which feeds the exporters
	// flushed last.
	var wg sync.WaitGroup
	for _, ext := range h.external {
		wg.Go(func() { ext.stop(ctx) })
	}
	wg.Wait()
	if h.relay != nil {
		h.relay.stop()
	}
	if e := h.telemetry.Shutdown(ctx); e != nil {
		err = errors.Join(err, fmt.Errorf("host: flushing spans: %w", e))
	}
	return err
}

// Run starts the host and serves until ctx is done, then shuts down
// gracefully within the shutdown timeout.
func (h *Host) Run(ctx context.Context) error {
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.shutdownT)
		defer cancel()
		return h.Shutdown(sctx)
	}
	// Start waits for the external plugins; a signal meanwhile must not.
	started := make(chan error, 1)
	go func() { started <- h.Start() }()
	select {
	case err := <-started:
		if err != nil {
			return errors.Join(err, shutdown())
		}
	case <-ctx.Done():
		err := shutdown()
		<-started // Shutdown has interrupted the plugins' start
		return err
	}
	h.logger.Info("plugtrace host listening", "url", h.URL())
	if h.store != nil {
		h.logger.Info("trace viewer", "url", h.URL()+viewerPath)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-h.served:
		h.served <- serveErr // for shutdown
	}
	h.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.shutdownT)
	defer cancel()
	err := h.Shutdown(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(serveErr, err)
	}
	return err
}
