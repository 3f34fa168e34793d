// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"io"
	"log"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// hclogAdapter is the hclog.Logger that go-plugin logs through: it turns
// go-plugin's records, and the JSON log lines of plugin processes that
// go-plugin parses, into records of the host's slog logger, so that one
// log stream has one format.
type hclogAdapter struct {
	l       *slog.Logger
	name    string
	implied []any
	// quiet is the name of go-plugin's logger of a plugin's stderr lines
	// (the base name of its command), which pluginLog logs instead: that
	// logger is off, and go-plugin then leaves the lines to it.
	quiet string
	off   bool
}

var _ hclog.Logger = hclogAdapter{}

// newHCLogAdapter returns the adapter named name; its child named quiet,
// if not empty, is off.
func newHCLogAdapter(l *slog.Logger, name, quiet string) hclog.Logger {
	return hclogAdapter{l: l, name: name, quiet: quiet}
}

func slogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (a hclogAdapter) Log(level hclog.Level, msg string, args ...any) {
	if a.off || level == hclog.Off || level == hclog.NoLevel && !a.l.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	all := make([]any, 0, len(a.implied)+len(args)+2)
	all = append(all, "logger", a.name)
	all = append(all, a.implied...)
	all = append(all, args...)
	a.l.Log(context.Background(), slogLevel(level), msg, all...)
}

func (a hclogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a hclogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a hclogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a hclogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a hclogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }

func (a hclogAdapter) enabled(l hclog.Level) bool {
	return !a.off && a.l.Enabled(context.Background(), slogLevel(l))
}

func (a hclogAdapter) IsTrace() bool { return a.enabled(hclog.Trace) }
func (a hclogAdapter) IsDebug() bool { return a.enabled(hclog.Debug) }
func (a hclogAdapter) IsInfo() bool  { return a.enabled(hclog.Info) }
func (a hclogAdapter) IsWarn() bool  { return a.enabled(hclog.Warn) }
func (a hclogAdapter) IsError() bool { return a.enabled(hclog.Error) }

func (a hclogAdapter) ImpliedArgs() []any { return a.implied }

func (a hclogAdapter) With(args ...any) hclog.Logger {
	a.implied = append(append([]any(nil), a.implied...), args...)
	return a
}

func (a hclogAdapter) Name() string { return a.name }

func (a hclogAdapter) Named(name string) hclog.Logger {
	if a.quiet != "" && name == a.quiet {
		a.off = true
	}
	if a.name != "" {
		name = a.name + "." + name
	}
	a.name = name
	return a
}

func (a hclogAdapter) ResetNamed(name string) hclog.Logger {
	a.name = name
	return a
}

// SetLevel is ignored: the slog handler decides what is logged.
func (a hclogAdapter) SetLevel(hclog.Level) {}

func (a hclogAdapter) GetLevel() hclog.Level {
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error} {
		if a.enabled(l) {
			return l
		}
	}
	return hclog.Off
}

func (a hclogAdapter) StandardLogger(*hclog.StandardLoggerOptions) *log.Logger {
	return slog.NewLogLogger(a.l.With("logger", a.name).Handler(), slog.LevelInfo)
}

func (a hclogAdapter) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	return a.StandardLogger(opts).Writer()
}
