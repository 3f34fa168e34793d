// SPDX-License-Identifier: Apache-2.0

// Command plugtrace is the reference plugtrace host.
//
//	plugtrace [serve] [--config FILE]       run the host (no file: the demo)
//	plugtrace config check --config FILE    validate a config file
//	plugtrace token --user REF [--config FILE] [--ttl 1h]
//	                                        mint a user token
//	plugtrace example-plugin weather        run the external example plugin
//	plugtrace plugin check --id ID [--path P] [--timeout D] -- COMMAND [ARG...]
//	                                        check a plugin executable against the protocol
//
// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, the default handling returns: a second
	// Ctrl-C ends a shutdown that takes too long.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop() // os.Exit runs no deferred call
	os.Exit(code)
}

// exitError carries an exit code; usage and config errors exit 2.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// errPrinted is an error already shown to the user.
type errPrinted struct{ error }

func (e errPrinted) Unwrap() error { return e.error }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{2, fmt.Errorf(format, a...)}
}

const usage = `plugtrace runs backend plugins with first-class OpenTelemetry tracing.

Usage:
  plugtrace [serve] [--config FILE]        run the host (no file: the built-in demo)
  plugtrace config check --config FILE     validate a config file
  plugtrace token --user REF [--config FILE] [--ttl DURATION]
                                           mint a user token signed with the configured secret
  plugtrace example-plugin weather         run the external example plugin (the host starts it)
  plugtrace plugin check --id ID [--path P] [--timeout D] -- COMMAND [ARG...]
                                           check a plugin executable against the protocol

Run "plugtrace COMMAND --help" for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var shown errPrinted
	if !errors.As(err, &shown) {
		fmt.Fprintln(stderr, "plugtrace:", err)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "config":
		if len(args) < 2 || args[1] != "check" {
			if len(args) >= 2 && (args[1] == "-h" || args[1] == "--help" || args[1] == "help") {
				fmt.Fprint(stdout, "Usage: plugtrace config check --config FILE\n")
				return nil
			}
			return usageErr("usage: plugtrace config check --config FILE")
		}
		return configCheck(args[2:], stdout, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "example-plugin":
		return examplePlugin(args[1:], stdout, stderr)
	case "plugin":
		return plugin(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if args[0] != "" && args[0][0] == '-' { // flags of the default command
		return serve(ctx, args, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return usageErr("unknown command %q", args[0])
}

// newFlagSet returns a flag set whose errors are usage errors.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{2, errPrinted{err}} // flag has printed it, with the usage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
