// SPDX-License-Identifier: Apache-2.0

package host

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
)

// pluginLog turns the lines a plugin process writes to stderr into records
// of the host's logger, as go-plugin does with them, for less: go-plugin
// decodes every JSON line into a map before it logs it through hclog,
// where most lines are flat objects of strings and numbers, such as the
// SDK's. It is go-plugin's ClientConfig.Stderr, which receives each line
// as the plugin wrote it, and go-plugin's own reading of the lines is off
// (see hclogAdapter.quiet).
//
// The rules are go-plugin's: a JSON object with "@level", "@message" and
// "@timestamp" (the layout of the SDK's lines) is a record of that level
// and message, its other members its attributes, and its time an attribute
// "timestamp"; an object without a known level, a line that is not JSON,
// and a line longer than maxLogLine are debug records of the line as it
// is, unless they start with [TRACE], [DEBUG], [INFO], [WARN] or [ERROR],
// or follow a panic, whose lines are errors.
type pluginLog struct {
	logger *slog.Logger
	name   string // the logger attribute: "plugin.<command>"

	line    []byte // the current line, until its newline
	inPanic bool
}

// maxLogLine is the longest line taken whole; go-plugin's reader cuts
// longer ones at 64 KiB as well.
const maxLogLine = 64 << 10

// Write takes what go-plugin read: lines, in pieces.
func (l *pluginLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.line = append(l.line, p...)
			if len(l.line) >= maxLogLine {
				l.raw(l.line)
				l.line = l.line[:0]
			}
			break
		}
		if len(l.line) == 0 {
			l.handle(p[:i])
		} else {
			l.line = append(l.line, p[:i]...)
			l.handle(l.line)
			l.line = l.line[:0]
		}
		p = p[i+1:]
	}
	return n, nil
}

var levels = map[hclog.Level]slog.Level{
	hclog.Trace: slog.LevelDebug - 4,
	hclog.Debug: slog.LevelDebug,
	hclog.Info:  slog.LevelInfo,
	hclog.Warn:  slog.LevelWarn,
	hclog.Error: slog.LevelError,
}

// handle logs one line.
func (l *pluginLog) handle(line []byte) {
	if len(line) == 0 || line[0] != '{' {
		l.raw(line)
		return
	}
	e, ok := parseLogLine(line)
	if !ok {
		l.raw(line)
		return
	}
	level, known := levels[hclog.LevelFromString(e.level)]
	if !known {
		l.log(slog.LevelDebug, string(line), nil)
		return
	}
	e.attrs = append(e.attrs, slog.String("timestamp", e.time.Format(hclog.TimeFormat)))
	l.log(level, e.message, e.attrs)
}

// raw logs a line that is not a JSON record, at the level its prefix
// names.
func (l *pluginLog) raw(line []byte) {
	s := string(line)
	level := slog.LevelDebug
	switch {
	case strings.HasPrefix(s, "[TRACE]"):
		level = slog.LevelDebug - 4
	case strings.HasPrefix(s, "[DEBUG]"):
	case strings.HasPrefix(s, "[INFO]"):
		level = slog.LevelInfo
	case strings.HasPrefix(s, "[WARN]"):
		level = slog.LevelWarn
	case strings.HasPrefix(s, "[ERROR]"):
		level = slog.LevelError
	case strings.HasPrefix(s, "panic: ") || strings.HasPrefix(s, "fatal error: "):
		l.inPanic = true
		level = slog.LevelError
	case l.inPanic:
		level = slog.LevelError
	}
	l.log(level, s, nil)
}

func (l *pluginLog) log(level slog.Level, msg string, attrs []slog.Attr) {
	ctx := context.Background()
	h := l.logger.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(slog.String("logger", l.name))
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r)
}

// logEntry is a JSON log line.
type logEntry struct {
	level, message string
	time           time.Time
	attrs          []slog.Attr
}

// parseLogLine decodes a JSON log line: with a scanner of its own for a
// flat object of strings, numbers, booleans and nulls, and with
// encoding/json for anything else. ok is false for a line that is not a
// JSON object, or whose @level, @message or @timestamp is not a string, or
// whose @timestamp is not in the layout of go-plugin's lines.
func parseLogLine(line []byte) (e logEntry, ok bool) {
	members, ok := scanFlatObject(line)
	if !ok {
		// Nested values, escapes: encoding/json, as go-plugin.
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			return e, false
		}
		members = members[:0]
		for k, v := range m {
			members = append(members, member{key: k, value: v})
		}
	}
	e.attrs = make([]slog.Attr, 0, len(members)+1)
	for _, m := range members {
		switch m.key {
		case "@level", "@message", "@timestamp":
			s, isString := m.str, m.isStr
			if !isString {
				s, isString = m.value.(string)
			}
			if !isString {
				return e, false
			}
			switch m.key {
			case "@level":
				e.level = s
			case "@message":
				e.message = s
			default:
				t, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", s)
				if err != nil {
					return e, false
				}
				e.time = t
			}
		default:
			if m.isStr {
				e.attrs = append(e.attrs, slog.String(m.key, m.str))
			} else {
				e.attrs = append(e.attrs, slog.Any(m.key, m.value))
			}
		}
	}
	return e, true
}

// member is one member of a JSON object: a string, or what encoding/json
// decodes into an any (string, float64, bool, nil, map or slice).
type member struct {
	key   string
	str   string
	isStr bool
	value any
}

// scanFlatObject decodes a JSON object whose values are strings, numbers,
// booleans or null, and whose strings have no escapes. It reports false
// for anything else, which encoding/json then decodes (or refuses).
func scanFlatObject(b []byte) ([]member, bool) {
	var out []member
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return out, skipSpace(b, i+1) == len(b)
	}
	for {
		key, next, ok := scanString(b, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		m := member{key: key}
		if i < len(b) && b[i] == '"' {
			m.str, i, ok = scanString(b, i)
			m.isStr = true
		} else {
			m.value, i, ok = scanScalar(b, i)
		}
		if !ok {
			return nil, false
		}
		out = append(out, m)
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return out, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scanString scans a string without escapes or control characters at
// b[i:], in valid UTF-8.
func scanString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !utf8.Valid(s) {
				return "", i, false
			}
			return string(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		}
	}
	return "", i, false
}

// scanScalar scans a number, true, false or null at b[i:].
func scanScalar(b []byte, i int) (any, int, bool) {
	if i >= len(b) {
		return nil, i, false
	}
	switch c := b[i]; {
	case c == 't' && bytes.HasPrefix(b[i:], []byte("true")):
		return true, i + 4, true
	case c == 'f' && bytes.HasPrefix(b[i:], []byte("false")):
		return false, i + 5, true
	case c == 'n' && bytes.HasPrefix(b[i:], []byte("null")):
		return nil, i + 4, true
	case c == '-' || (c >= '0' && c <= '9'):
		j := i
		for j < len(b) && strings.IndexByte("+-.eE0123456789", b[j]) >= 0 {
			j++
		}
		if !json.Valid(b[i:j]) {
			return nil, i, false
		}
		f, err := strconv.ParseFloat(string(b[i:j]), 64)
		if err != nil {
			return nil, i, false // out of range: encoding/json refuses it too
		}
		return f, j, true
	}
	return nil, i, false
}
