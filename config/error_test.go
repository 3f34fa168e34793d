// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/tracing"
)

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  config.Error
		want string
	}{
		{config.Error{Path: "backend.listen", Problem: `"x" is not host:port`}, `backend.listen: "x" is not host:port`},
		{config.Error{Path: "a.b", Line: 7, Problem: "p"}, "a.b: p (line 7)"},
		{config.Error{Path: "a.b", Line: 7, File: "c.yaml", Problem: "p", Hint: "h"}, "a.b: p (c.yaml:7); h"},
		{config.Error{Path: "OTEL_X", File: "c.yaml", Problem: "p"}, "OTEL_X: p"},
		{config.Error{Line: 2, Problem: "syntax error: s"}, "syntax error: s (line 2)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	if got := config.Errors(nil); got != nil {
		t.Errorf("Errors(nil) = %v", got)
	}
	if got := config.Errors(errors.New("x")); got != nil {
		t.Errorf("Errors(non-config error) = %v", got)
	}
	_, err := config.Parse([]byte("backend: {listen: x, tracing: {sampler: {ratio: 5}}}"), noEnv)
	if n := len(config.Errors(err)); n != 2 {
		t.Errorf("Errors(%v) has %d errors, want 2", err, n)
	}
	var first *config.Error
	if !errors.As(err, &first) || first.Path != "backend.listen" || first.Line != 1 {
		t.Errorf("errors.As gave %#v, want the backend.listen error", first)
	}
}

func TestErrorUnwrap(t *testing.T) {
	_, err := config.Parse([]byte("plugins: [{id: Bad, command: [x]}]"), noEnv)
	if !errors.Is(err, tracing.ErrInvalidPluginID) {
		t.Errorf("errors.Is(%v, tracing.ErrInvalidPluginID) = false", err)
	}
	_, err = config.Parse([]byte("a: ["), noEnv)
	if e := config.Errors(err); len(e) != 1 || e[0].Unwrap() == nil {
		t.Errorf("a syntax error does not wrap the parser's error: %#v", e)
	}
}

// Secrets never show in error messages, whatever the problem.
func TestErrorsHideSecrets(t *testing.T) {
	const secret = "hunter2-hunter2"
	inputs := []string{
		"backend: {auth: {userTokens: {secret: " + secret + "}}}",
		"backend: {auth: {externalAccess: [{token: " + secret + "}, {token: " + secret + "}]}}",
		"backend: {tracing: {otlp: {headers: " + secret + "}}}",
		"backend: {tracing: {otlp: {headers: {a: \"" + secret + "\\n\"}}}}",
		"backend: {tracing: {otlp: {endpoint: 'http://u:" + secret + "@:0'}}}",
		"backend: {tracing: {otlp: {endpoint: 'https://u:" + secret + "@c:1', insecure: true}}}",
	}
	for _, in := range inputs {
		_, err := config.Parse([]byte(in), noEnv)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		} else if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "hunter") {
			t.Errorf("Parse(%q) error shows the secret: %v", in, err)
		}
	}
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=" + secret + "%zz"},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization=" + secret + "%0A0"},
		{"OTEL_EXPORTER_OTLP_HEADERS": secret},
	} {
		_, err := config.Parse(nil, envOf(env))
		if err == nil {
			t.Errorf("Parse with %v succeeded", env)
		} else if strings.Contains(err.Error(), "hunter") {
			t.Errorf("Parse with %v: error shows the secret: %v", env, err)
		}
	}
}

// Aliases that expand exponentially fail fast.
func TestParseAliasBomb(t *testing.T) {
	bomb := `
plugins:
  - {id: a, command: [x], env: &e0 {A: x, B: y}}
  - {id: b, command: [x], env: &e1 {<<: [*e0, *e0, *e0, *e0, *e0, *e0, *e0, *e0, *e0, *e0]}}
  - {id: c, command: [x], env: &e2 {<<: [*e1, *e1, *e1, *e1, *e1, *e1, *e1, *e1, *e1, *e1]}}
  - {id: d, command: [x], env: &e3 {<<: [*e2, *e2, *e2, *e2, *e2, *e2, *e2, *e2, *e2, *e2]}}
  - {id: e, command: [x], env: &e4 {<<: [*e3, *e3, *e3, *e3, *e3, *e3, *e3, *e3, *e3, *e3]}}
  - {id: f, command: [x], env: &e5 {<<: [*e4, *e4, *e4, *e4, *e4, *e4, *e4, *e4, *e4, *e4]}}
  - {id: g, command: [x], env: &e6 {<<: [*e5, *e5, *e5, *e5, *e5, *e5, *e5, *e5, *e5, *e5]}}
  - {id: h, command: [x], env: &e7 {<<: [*e6, *e6, *e6, *e6, *e6, *e6, *e6, *e6, *e6, *e6]}}
  - {id: i, command: [x], env: &e8 {<<: [*e7, *e7, *e7, *e7, *e7, *e7, *e7, *e7, *e7, *e7]}}
  - {id: j, command: [x], env: &e9 {<<: [*e8, *e8, *e8, *e8, *e8, *e8, *e8, *e8, *e8, *e8]}}
`
	start := time.Now()
	_, err := config.Parse([]byte(bomb), noEnv)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse took %v", d)
	}
	want := "aliases expand the document to too many values"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Parse(bomb) = %v, want an error saying %q", err, want)
	}
}
