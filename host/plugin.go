package host

import (
	"context"
	"log/slog"
	"net/http"

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
}

// Plugin kinds and states reported by /api/plugins.
const (
	KindInProcess = "in-process"
	KindExternal  = "external"

	StateRunning = "running"
)

// PluginInfo describes one plugin in /api/plugins.
type PluginInfo struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Tracing bool   `json:"tracing"`
	Mount   string `json:"mount"`
	// Restarts counts how often an external plugin was restarted.
	Restarts int `json:"restarts,omitempty"`
	// LastError is why an external plugin last went down.
	LastError string `json:"lastError,omitempty"`
}
