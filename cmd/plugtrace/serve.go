// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/plugtrace/plugtrace/examples/todos"
	"github.com/plugtrace/plugtrace/examples/weather"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/telemetry"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "plugtrace serve [--config FILE]", stderr)
	file := fs.String("config", "", "config `FILE` (YAML); default: the built-in demo config")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*file)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	h, err := host.New(ctx, cfg,
		host.WithLogger(logger),
		host.WithPlugins(todos.Plugin()),
		// The weather plugin's default upstream, so that the demo needs no
		// network.
		host.WithHandler("GET /demo/weather/forecast", http.StripPrefix("/demo/weather", weather.DemoUpstream())),
		host.WithTelemetryOptions(telemetry.WithConsoleWriter(stdout)),
	)
	var cfgErr *host.ConfigError
	switch {
	case errors.As(err, &cfgErr):
		return &exitError{2, err}
	case err != nil:
		return err // a failure at run time: exit 1
	}
	return h.Run(ctx)
}
