// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Error is one problem in a configuration. Load, Parse and Validate return
// either a single *Error or several joined with [errors.Join]; use
// [errors.As] to reach the first, or [Errors] to list them all.
//
// Its text reads
//
//	<path>: <problem> (line <n>); <hint>
//
// for example
//
//	backend.tracing.sampler.ratio: 2 is outside [0, 1] (line 7)
//
// The problem quotes the offending value, except for secrets (tokens, the
// user-token secret, OTLP header values, plugin environment values), which
// are described by their length only.
type Error struct {
	// Path is the YAML key path of the offending value, such as
	// "backend.tracing.plugin.todos.tracer.name" or "plugins[1].command",
	// or the name of the environment variable it came from, such as
	// "OTEL_TRACES_SAMPLER_ARG". Empty for problems with the whole
	// document, such as syntax errors.
	Path string
	// File is the configuration file, when the problem came from one read
	// by Load.
	File string
	// Line is the 1-based line of the value in the YAML, or 0 when the
	// value did not come from the YAML.
	Line int
	// Problem says what is wrong, quoting the value.
	Problem string
	// Hint says how to fix it; may be empty.
	Hint string

	err error // wrapped cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	switch {
	case e.Line > 0 && e.File != "":
		fmt.Fprintf(&b, " (%s:%d)", e.File, e.Line)
	case e.Line > 0:
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the cause, such as [tracing.ErrInvalidPluginID] for an
// invalid plugin id.
func (e *Error) Unwrap() error { return e.err }

// Errors lists every *Error in err, which Load, Parse or Validate returned,
// in the order they are reported. It returns nil for a nil err and for an
// err that holds no *Error, such as a file that could not be read.
func Errors(err error) []*Error {
	// Only the join tree is walked, not wrapping: an error that wraps a
	// *Error says more than the *Error does, and is not one of the list.
	if e, ok := err.(*Error); ok { //nolint:errorlint // see above
		return []*Error{e}
	}
	var out []*Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
	}
	return out
}

// joinErrors joins errs into one error, or returns nil for none.
func joinErrors(errs []*Error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	es := make([]error, len(errs))
	for i, e := range errs {
		es[i] = e
	}
	return errors.Join(es...)
}

// Key paths. Struct keys are joined with '.', list elements get [i], and
// map keys that are not plain words are quoted: plugin["Bad Id"].

// childPath returns the path of key under parent.
func childPath(parent, key string) string {
	if !plainKey(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// indexPath returns the path of element i of the list at parent.
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// plainKey reports whether key reads unambiguously in a dotted path.
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case r == '_', r == '-', r == '.', r == '/':
		default:
			return false
		}
	}
	return true
}

// parentPath returns the path one level above path, or "" at the top.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	if path[i] == '[' && strings.HasSuffix(path, "\"]") {
		// A quoted key may itself hold '.' or '['; find its opening.
		if j := strings.LastIndex(path, "[\""); j >= 0 {
			return path[:j]
		}
	}
	return path[:i]
}

// secretText describes a secret value without showing it.
func secretText(s string) string {
	if s == "" {
		return "an empty value"
	}
	return fmt.Sprintf("a value of %d bytes", len(s))
}
