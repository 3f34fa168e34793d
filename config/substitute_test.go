// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"reflect"
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

func TestSubstitution(t *testing.T) {
	env := map[string]string{
		"A":       "alpha",
		"B":       "beta",
		"EMPTY":   "",
		"RATIO":   "0.5",
		"YES":     "true",
		"N":       "42",
		"YAMLISH": "x: [y, {z",
		"DOLLAR":  "${A}",
	}
	resource := func(c *config.Config) any { return c.Backend.Tracing.Resource["v"] }
	tests := []struct {
		name string
		yaml string
		got  func(*config.Config) any
		want any
	}{
		{"a variable", "backend:\n  tracing:\n    resource:\n      v: ${A}", resource, "alpha"},
		{"several in one value", "backend:\n  tracing:\n    resource:\n      v: ${A}-${B}/${A}", resource, "alpha-beta/alpha"},
		{"quoted", "backend:\n  tracing:\n    resource:\n      v: \"<${A}>\"", resource, "<alpha>"},
		{"in flow style, quoted", "backend: {tracing: {resource: {v: '${A}'}}}", resource, "alpha"},
		{"$${ is a literal ${", "backend:\n  tracing:\n    resource:\n      v: $${A} costs $5 and $$", resource, "${A} costs $5 and $$"},
		{"an unterminated literal", "backend:\n  tracing:\n    resource:\n      v: $${A", resource, "${A"},
		{"a value is not expanded twice", "backend:\n  tracing:\n    resource:\n      v: ${DOLLAR}", resource, "${A}"},
		{"a value cannot inject YAML", "backend:\n  tracing:\n    resource:\n      v: ${YAMLISH}", resource, "x: [y, {z"},
		{"keys are not expanded", "backend:\n  tracing:\n    resource:\n      ${A}: v",
			func(c *config.Config) any { return c.Backend.Tracing.Resource["${A}"] }, "v"},
		{"an unquoted number", "backend:\n  tracing:\n    sampler:\n      ratio: ${RATIO}",
			func(c *config.Config) any { return c.Backend.Tracing.Sampler.Ratio }, 0.5},
		{"an unquoted boolean", "backend:\n  tracing:\n    capture:\n      endUser: ${YES}",
			func(c *config.Config) any { return c.Backend.Tracing.Capture.EndUser }, true},
		{"an unquoted integer", "backend:\n  tracing:\n    embedded:\n      maxSpans: ${N}",
			func(c *config.Config) any { return c.Backend.Tracing.Embedded.MaxSpans }, 42},
		{"a number in a string key stays text", "backend:\n  tracing:\n    resource:\n      v: ${N}", resource, "42"},
		{"an empty unquoted value leaves the key unset", "backend:\n  listen: ${EMPTY}",
			func(c *config.Config) any { return c.Backend.Listen }, "127.0.0.1:7007"},
		{"in lists", "plugins:\n  - id: p\n    command: [\"${A}\", \"--${B}\"]",
			func(c *config.Config) any { return c.Plugins[0].Command }, []string{"alpha", "--beta"}},
		{"through an alias", "backend:\n  tracing:\n    resource:\n      v: &x ${A}\n      w: *x",
			func(c *config.Config) any { return c.Backend.Tracing.Resource["w"] }, "alpha"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.yaml, envOf(env))
			if got := tt.got(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// An unset variable is reported once, however many aliases use it, and
// names the variable.
func TestSubstitutionUnsetOnce(t *testing.T) {
	_, err := config.Parse([]byte("backend:\n  tracing:\n    resource:\n      v: &x ${NOPE}\n      w: *x\n"), noEnv)
	errs := config.Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	want := "backend.tracing.resource.v: environment variable NOPE is not set (line 4); set NOPE, or write $${NOPE} for a literal ${NOPE}"
	if errs[0].Error() != want {
		t.Errorf("error = %q, want %q", errs[0], want)
	}
}
