// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/httpclient"
	"github.com/plugtrace/plugtrace/tracing"
)

// Plugin is an in-process plugin: Go code compiled into the host.
type Plugin struct {
	// ID names the plugin; it must be a valid plugin id
	// (see tracing.ValidatePluginID). The plugin is served at /api/<ID>/.
	ID string
	// Init registers the plugin's routes on env.Router and prepares its
	// state. It runs once, at host start-up; an error stops the host.
	Init func(ctx context.Context, env Env) error
}

// Env is what the host gives an in-process plugin.
type Env struct {
	// Tracing is the plugin's own tracing service.
	Tracing tracing.Service
	// Logger logs with plugin_id, and with trace_id and span_id when given a
	// context that carries a span (use the *Context methods).
	Logger *slog.Logger
	// Router receives the plugin's routes, relative to its mount point:
	// "GET /" serves GET /api/<id>/, "GET /{id}" serves GET /api/<id>/42.
	// Requests reach it authenticated: auth.CredentialsFromContext(r.Context())
	// and tracing.WithRequest(r) find the caller.
	Router *http.ServeMux
	// Auth is the host's authenticator, for plugins that check credentials
	// of their own.
	Auth auth.HTTPAuth
	// HTTPClient hands out HTTP clients whose requests are client spans of
	// the caller's trace, attributed to the plugin, with the trace context
	// passed on in the host's propagation format.
	HTTPClient *httpclient.Provider

	open *openRoutes // the plugin's routes open to anonymous callers
}

// AllowAnonymous opens routes of the plugin to callers without
// credentials, who reach them as principal "none". Patterns are relative
// to the mount point, as on Router: "GET /{$}" opens GET /api/<id>/ and
// nothing below it. Every other route of the plugin answers 401 to a
// request without credentials before the plugin's code runs, and invalid
// credentials get 401 on open routes too. Call it from Init.
func (e Env) AllowAnonymous(patterns ...string) error {
	if e.open == nil {
		return errors.New("host: AllowAnonymous: this Env was not made by the host")
	}
	for _, p := range patterns {
		if err := e.open.add(p); err != nil {
			return fmt.Errorf("host: AllowAnonymous(%q): %w", p, err)
		}
	}
	return nil
}

// initPlugin runs p's Init, and returns its router and the routes it
// opened to anonymous callers.
func (h *Host) initPlugin(ctx context.Context, p Plugin) (*http.ServeMux, *openRoutes, error) {
	svc, err := h.tracing.ForPlugin(p.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("host: plugin %q: %w", p.ID, err)
	}
	clients, err := httpclient.NewProvider(httpclient.ProviderOptions{
		TracerProvider: h.pluginTracerProvider(p.ID),
		Propagator:     h.telemetry.Propagator(),
		Attributes:     []attribute.KeyValue{tracing.PluginIDKey.String(p.ID)},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("host: plugin %q: http clients: %w", p.ID, err)
	}
	router := http.NewServeMux()
	env := Env{
		Tracing:    svc,
		Logger:     h.logger.With("plugin_id", p.ID),
		Router:     router,
		Auth:       h.auth,
		HTTPClient: clients,
		open:       &openRoutes{},
	}
	if err := p.Init(ctx, env); err != nil {
		return nil, nil, fmt.Errorf("host: plugin %q: init: %w", p.ID, err)
	}
	return router, env.open, nil
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

// relative returns a shallow copy of r whose path is relative to prefix.
func relative(r *http.Request, prefix string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.URL = new(url.URL)
	*r2.URL = *r.URL
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
	r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
	return r2
}

// mountRouter serves a plugin's router below /api/<id>, with paths relative
// to that prefix, and names the server span after the plugin's route.
func mountRouter(id string, router *http.ServeMux) http.Handler {
	prefix := "/api/" + id
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := relative(r, prefix)
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
