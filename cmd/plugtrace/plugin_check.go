// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/plugtrace/plugtrace/internal/plugincheck"
)

const pluginCheckSynopsis = "plugtrace plugin check --id ID [--path P] [--timeout D] -- COMMAND [ARG...]"

const pluginCheckHelp = `
Starts COMMAND as a plugtrace host starts an external plugin (go-plugin over
gRPC, the telemetry hand-off for plugin ID, a span relay of its own on
loopback) and checks it against the protocol, one line per check: handshake,
health, describe (protocol 2), a request (GET P), trace continuation, flush,
graceful stop. Exits 1 at the first failure.

Like a host's plugins, COMMAND gets only the hand-off and PATH, HOME, USER,
TMPDIR, TZ, LANG, LC_ALL; give it what plugins[].env would with env(1):
  plugtrace plugin check --id weather -- env WEATHER_UPSTREAM_URL=http://127.0.0.1:9000 ./weather-plugin
`

// plugin runs `plugtrace plugin SUBCOMMAND`.
func plugin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) >= 1 && args[0] == "check" {
		return pluginCheck(ctx, args[1:], stdout, stderr)
	}
	if len(args) >= 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintf(stdout, "Usage: %s\n%s", pluginCheckSynopsis, pluginCheckHelp)
		return nil
	}
	return usageErr("usage: %s", pluginCheckSynopsis)
}

func pluginCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plugin check", pluginCheckSynopsis+"\n"+strings.TrimSuffix(pluginCheckHelp, "\n"), stderr)
	id := fs.String("id", "", "the plugin's `ID`, as plugins[].id in the host's config (required)")
	path := fs.String("path", plugincheck.DefaultPath, "the request's path `P`, below the plugin's mount, with an optional query (/forecast?city=Paris)")
	timeout := fs.Duration("timeout", plugincheck.DefaultTimeout, "bound of each check")
	// The plugin's command and its arguments follow "--", flags of their
	// own included.
	var command []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, command = args[:i], args[i+1:]
	}
	if err := parseFlags(fs, args); err != nil {
		var shown errPrinted
		if command == nil && fs.NArg() > 0 && !errors.As(err, &shown) {
			return usageErr("plugin check: the plugin's command goes after --: %s", pluginCheckSynopsis)
		}
		return err
	}
	if *id == "" {
		return usageErr("plugin check: --id ID is required: the plugin's id, as plugins[].id in the host's config")
	}
	if len(command) == 0 {
		return usageErr("plugin check: the plugin's command is required after --: %s", pluginCheckSynopsis)
	}
	if *timeout <= 0 {
		return usageErr("plugin check: --timeout %v: must be positive", *timeout)
	}
	opts := plugincheck.Options{PluginID: *id, Command: command, Path: *path, Timeout: *timeout}
	if err := opts.Validate(); err != nil {
		return usageErr("plugin check: %v", err)
	}
	err := plugincheck.Run(ctx, opts, stdout)
	if f, ok := errors.AsType[*plugincheck.Failure](err); ok {
		return errPrinted{f} // its FAIL line is on stdout; exit 1
	}
	return err
}
