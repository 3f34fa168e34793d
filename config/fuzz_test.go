// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/plugtrace/plugtrace/config"
)

// fuzzEnv is the environment of FuzzParse: a few variables the seeds refer
// to, and OTEL_* values that exercise the fallbacks.
var fuzzEnv = map[string]string{
	"MY_SERVICE_TOKEN":         "0123456789abcdef-token",
	"PLUGTRACE_AUTH_SECRET":    "0123456789abcdef0123456789abcdef",
	"OTLP_TOKEN":               "s3cret",
	"RATIO":                    "0.5",
	"EMPTY":                    "",
	"YAMLISH":                  "a: [b",
	"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=dev,team=a%2Cb",
	"OTEL_PROPAGATORS":         "tracecontext,b3",
}

// FuzzParse checks that Parse never panics, that every error it returns is
// made of *config.Error, that what it accepts is valid, and that the
// accepted configuration survives a trip through YAML unchanged.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	env := config.WithLookupEnv(lookup(fuzzEnv))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data, env)
		if err != nil {
			if len(config.Errors(err)) == 0 {
				t.Fatalf("error holds no *config.Error: %v", err)
			}
			for _, e := range config.Errors(err) {
				if e.Problem == "" {
					t.Fatalf("error without a problem: %#v", e)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if bytes.Contains(out, []byte("$")) {
			return // a value holding ${ would be expanded again
		}
		c2, err := config.Parse(out, env)
		if err != nil {
			t.Fatalf("the marshalled config does not parse: %v\n%s", err, out)
		}
		out2, _ := yaml.Marshal(c2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the config:\n%s\n----\n%s", out, out2)
		}
	})
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}
