// SPDX-License-Identifier: Apache-2.0

package host

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/plugtrace/plugtrace/telemetry"
)

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
