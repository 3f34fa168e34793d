// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

func TestRedacted(t *testing.T) {
	c := mustParse(t, `
backend:
  auth:
    externalAccess: [{token: token-0123456789abcdef, subject: 'external:a'}]
    userTokens: {secret: secret-0123456789abcdef0123456789}
  tracing:
    otlp:
      endpoint: 'https://user:password@collector:4318'
      headers: {authorization: Bearer header-secret, empty: ''}
    resource: {team: a}
    plugin:
      todos: {enabled: true}
plugins:
  - {id: weather, command: [./w], env: {API_KEY: env-secret}}
`, noEnv)
	before := c.String()
	r := c.Redacted()

	want := *c
	want.Backend.Auth = config.Auth{
		ExternalAccess: []config.ExternalAccess{{Token: "<redacted>", Subject: "external:a"}},
		UserTokens:     config.UserTokens{Secret: "<redacted>"},
	}
	want.Backend.Tracing.OTLP.Endpoint = "https://<redacted>@collector:4318"
	want.Backend.Tracing.OTLP.Headers = map[string]string{"authorization": "<redacted>", "empty": ""}
	want.Plugins = []config.ExternalPlugin{{ID: "weather", Command: []string{"./w"}, Env: map[string]string{"API_KEY": "<redacted>"}}}
	if !reflect.DeepEqual(r, &want) {
		t.Errorf("Redacted() =\n%#v\nwant\n%#v", r, &want)
	}

	// The copy is deep: changing it leaves c alone.
	r.Backend.Tracing.Resource["x"] = "y"
	*r.Backend.Tracing.Plugin["todos"].Enabled = false
	r.Plugins[0].Command[0] = "changed"
	if c.String() != before {
		t.Error("changing the redacted copy changed the original")
	}
	if c.Backend.Auth.UserTokens.Secret != "secret-0123456789abcdef0123456789" {
		t.Error("Redacted changed the original")
	}

	s := c.String()
	for _, secret := range []string{"token-0123", "secret-0123", "password", "header-secret", "env-secret"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() shows %q:\n%s", secret, s)
		}
	}
	for _, shown := range []string{"listen: 127.0.0.1:7007", "subject: external:a", "API_KEY: <redacted>", "- ./w"} {
		if !strings.Contains(s, shown) {
			t.Errorf("String() does not show %q:\n%s", shown, s)
		}
	}
}

// endpointsWithSecrets hold "s3cret" where an endpoint may carry a
// credential: user info, with a scheme or without, and the query.
var endpointsWithSecrets = []string{
	"https://user:s3cretPW@collector:43x7", // does not parse: bad port
	"https://APIKEYs3cret@collector:4318",  // the user name is the key
	"https://collector:4318/v1/traces?api_key=s3cret",
	"https://u:s3cret%zz@collector:4318",     // bad escape
	"https://u:pa/s3cret@collector:4318",     // a '/' in the password
	"https://u:pa?s3cret@collector:4318",     // a '?' in the password
	"https://u:pa#s3cret@collector:4318",     // a '#' in the password
	"https://collector:4318/?e=a@b&k=s3cret", // an '@' in the query
	"u:s3cret@collector:4317",                // no scheme
	"APIKEYs3cret@collector:4317",            // no scheme, the user name is the key
	"collector:4317?api_key=s3cret",          // no scheme, a query
	"u:pa/s3cret@collector:4317",             // no scheme, a '/' in the password
}

// No error and no String output shows a credential in an endpoint,
// whether it comes from the YAML or from an OTEL_* variable.
func TestEndpointSecretsNeverShown(t *testing.T) {
	for _, ep := range endpointsWithSecrets {
		cfg, err := config.Parse([]byte("backend:\n  tracing:\n    exporter: otlp\n    otlp: {endpoint: \""+ep+"\"}\n"), envOf(nil))
		var text string
		if err != nil {
			text = err.Error()
		} else {
			text = cfg.String()
		}
		if strings.Contains(text, "s3cret") {
			t.Errorf("%s: secret shown in %q", ep, text)
		}
		for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
			cfg, err := config.Parse(nil, envOf(map[string]string{name: ep}))
			var text string
			if err != nil {
				text = err.Error()
			} else {
				text = cfg.String()
			}
			if strings.Contains(text, "s3cret") {
				t.Errorf("%s=%s: secret shown in %q", name, ep, text)
			}
		}
	}
}

// A Config built in Go is redacted and validated without showing its
// endpoint's credentials either.
func TestEndpointSecretsRedacted(t *testing.T) {
	for _, ep := range endpointsWithSecrets {
		c := config.Default()
		c.Backend.Tracing.OTLP.Endpoint = ep
		r := c.Redacted()
		if strings.Contains(r.Backend.Tracing.OTLP.Endpoint, "s3cret") || strings.Contains(c.String(), "s3cret") {
			t.Errorf("%s: Redacted endpoint %q", ep, r.Backend.Tracing.OTLP.Endpoint)
		}
		if c.Backend.Tracing.OTLP.Endpoint != ep {
			t.Errorf("Redacted changed the original endpoint to %q", c.Backend.Tracing.OTLP.Endpoint)
		}
		if err := c.Validate(); err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: Validate() = %v", ep, err)
		}
	}
	c := config.Default()
	for ep, want := range map[string]string{
		"u:pw@collector:4317":                       "<redacted>@collector:4317",
		"collector:4317":                            "collector:4317",
		"https://collector:4318/v1/traces":          "https://collector:4318/v1/traces",
		"https://u:pw@collector:4318/v1/traces?k=v": "https://<redacted>@collector:4318/v1/traces?<redacted>",
		"https://collector:4318/?e=a@b":             "https://<redacted>",
	} {
		c.Backend.Tracing.OTLP.Endpoint = ep
		if got := c.Redacted().Backend.Tracing.OTLP.Endpoint; got != want {
			t.Errorf("Redacted endpoint of %q = %q, want %q", ep, got, want)
		}
	}
}
