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
	opts := []host.Option{
		host.WithLogger(logger),
		host.WithPlugins(todos.Plugin()),
		host.WithTelemetryOptions(telemetry.WithConsoleWriter(stdout)),
	}
	if *file == "" {
		// The weather plugin's upstream in the built-in demo, so that the
		// demo needs no network. An operator's config never gets it.
		opts = append(opts, host.WithHandler("GET /demo/weather/forecast",
			http.StripPrefix("/demo/weather", weather.DemoUpstream())))
	}
	h, err := host.New(ctx, cfg, opts...)
	var cfgErr *host.ConfigError
	switch {
	case errors.As(err, &cfgErr):
		return &exitError{2, err}
	case err != nil:
		return err // a failure at run time: exit 1
	}
	return h.Run(ctx)
}
