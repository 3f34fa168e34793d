// SPDX-License-Identifier: Apache-2.0

package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/plugtrace/plugtrace/tracing"
)

// Load reads the YAML configuration file at path and parses it with Parse.
// Errors from the file's content carry its name in [Error.File].
func Load(path string, opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data, opts...)
	for _, e := range Errors(err) {
		e.File = path
	}
	return c, err
}

// Parse reads a YAML configuration:
//
//  1. ${VAR} references in values are replaced from the environment (see
//     the package documentation);
//  2. the YAML is decoded strictly: unknown keys, keys given twice and
//     values of the wrong type are errors;
//  3. keys the YAML leaves unset take the standard OTEL_* variables where
//     they apply, then their defaults (see Default);
//  4. the result is validated (see Config.Validate), and a tracer `name`
//     given empty is an error.
//
// The error, if any, holds every problem found, each an [*Error] naming its
// key path and line; only syntax and decoding problems stop the later steps.
func Parse(data []byte, opts ...Option) (*Config, error) {
	o := newOptions(opts)
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	c := &Config{}
	d := decode(root, len(data), c, o.lookupEnv)
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}

	errs := checkEnv(c, d.set, o.lookupEnv)
	applyDefaults(c, func(p string) bool { return d.set[p] })
	for _, id := range sortedKeys(c.Backend.Tracing.Plugin) {
		p := childPath(childPath(childPath(pathPlugin, id), "tracer"), "name")
		if _, given := d.lines[p]; given && c.Backend.Tracing.Plugin[id].Tracer.Name == "" {
			errs = append(errs, &Error{Path: p, Line: d.line(p), Problem: `"" is empty`,
				Hint: fmt.Sprintf("remove the key for the default name %q", tracing.DefaultTracerName(id))})
		}
	}
	for _, e := range c.validate() {
		e.Line = d.line(e.Path)
		errs = append(errs, e)
	}
	// Environment problems first, then in the order of the document.
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return c, nil
}

// parseYAML parses data into its document's root node, a null node for an
// empty document. A file holds one document.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, next yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxError(err, data)
	}
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Error{Line: next.Line, Problem: "a second YAML document starts here",
			Hint: "a configuration is one document; remove the ---"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxError(err, data)
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{}, nil
	}
	return doc.Content[0], nil
}

var (
	yamlLineRE      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// syntaxError turns an error of the YAML parser into an *Error with the
// line of the problem.
func syntaxError(err error, data []byte) *Error {
	msg := err.Error()
	e := &Error{Problem: "syntax error: " + strings.TrimPrefix(msg, "yaml: "), err: err}
	if strings.Contains(msg, "did not find expected ','") && bytes.Contains(data, []byte("${")) {
		e.Hint = `inside {...} and [...], write "${VAR}" in quotes, or use block style`
	}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Problem = "syntax error: " + m[2]
		return e
	}
	// The parser leaves out the line when it is the first, and for a few
	// problems it does not track.
	switch m := unknownAnchorRE.FindStringSubmatch(msg); {
	case m != nil:
		e.Line = lineOf(data, bytes.Index(data, []byte("*"+m[1])))
	case strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") || strings.Contains(msg, "Unicode"):
		e.Line = lineOf(data, firstInvalidChar(data))
	default:
		e.Line = 1
	}
	return e
}

// lineOf returns the 1-based line of byte offset off in data, or 0 for a
// negative offset.
func lineOf(data []byte, off int) int {
	if off < 0 {
		return 0
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// firstInvalidChar returns the offset of the first byte in data that YAML
// does not allow (invalid UTF-8, or a control character other than tab and
// line breaks), or -1.
func firstInvalidChar(data []byte) int {
	for i, r := range string(data) {
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
		if !ok || r == utf8.RuneError && !bytes.HasPrefix(data[i:], []byte("\uFFFD")) {
			return i
		}
	}
	return -1
}
