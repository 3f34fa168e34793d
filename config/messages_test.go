// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"strings"
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

// Every message Parse can give, in full: key path, offending value, line,
// and hint. Secrets show only their length.
func TestParseErrors(t *testing.T) {
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tt.yaml), envOf(tt.env))
			if c != nil {
				t.Errorf("Parse returned a config with the error")
			}
			var got []string
			for _, e := range config.Errors(err) {
				got = append(got, e.Error())
			}
			if len(got) == 0 {
				t.Fatalf("Parse(%q) = %v, want *config.Error values", tt.yaml, err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Parse(%q) errors:\n%s\nwant:\n%s", tt.yaml, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err.Error() != strings.Join(got, "\n") {
				t.Errorf("err.Error() = %q, want the errors one per line", err.Error())
			}
		})
	}
}

// publicRouteHint is the hint of most backend.auth.publicRoutes errors.
const publicRouteHint = "write [METHOD ][HOST]/PATH with the path under /api/, e.g. GET /api/weather/health; " +
	"/healthz is always open, and the viewer follows backend.tracing.embedded.viewers"

type errorCase struct {
	name string
	yaml string
	env  map[string]string
	want []string
}

var errorCases = []errorCase{
	// Syntax.
	{"syntax error", "backend:\n  listen: [\n", nil, []string{
		"syntax error: did not find expected node content (line 2)",
	}},
	{"syntax error on line 1", "backend: {listen: x: y}\n", nil, []string{
		"syntax error: did not find expected ',' or '}' (line 1)",
	}},
	{"unquoted ${} in flow style", "backend: {listen: ${L}}\n", nil, []string{
		"syntax error: did not find expected ',' or '}' (line 1); inside {...} and [...], write \"${VAR}\" in quotes, or use block style",
	}},
	{"unknown anchor", "backend:\n  listen: *nope\n", nil, []string{
		"syntax error: unknown anchor 'nope' referenced (line 2)",
	}},
	{"control character", "backend:\n  listen: \x01\n", nil, []string{
		"syntax error: control characters are not allowed (line 2)",
	}},
	{"invalid UTF-8", "backend:\n\n  listen: \xff\n", nil, []string{
		"syntax error: invalid leading UTF-8 octet (line 3)",
	}},
	{"two documents", "backend: {}\n---\nbackend: {}\n", nil, []string{
		"a second YAML document starts here (line 2); a configuration is one document; remove the ---",
	}},
	// Decoding: unknown keys, wrong types.
	{"document is a list", "- backend\n", nil, []string{
		"the document is a list, not a mapping (line 1); a configuration is a mapping with the keys backend and plugins",
	}},
	{"document is a scalar", "backend\n", nil, []string{
		"the document is \"backend\", not a mapping (line 1); a configuration is a mapping with the keys backend and plugins",
	}},
	{"unknown top-level key", "backend: {}\nplugin: []\n", nil, []string{
		"plugin: unknown key (line 2); did you mean plugins? known keys here: backend, plugins",
	}},
	{"unknown key with a suggestion", "backend:\n  tracing:\n    exporterz: otlp\n", nil, []string{
		"backend.tracing.exporterz: unknown key (line 3); did you mean exporter? known keys under backend.tracing: capture, embedded, exporter, otlp, plugin, plugins, propagators, resource, sampler, trustIncomingContext",
	}},
	{"unknown key, different case", "backend: {tracing: {plugin: {todos: {tracer: {schemaURL: x}}}}}\n", nil, []string{
		"backend.tracing.plugin.todos.tracer.schemaURL: unknown key (line 1); did you mean schemaUrl? known keys under backend.tracing.plugin.todos.tracer: name, schemaUrl, version",
	}},
	{"unknown key without a suggestion", "backend: {tracing: {otlp: {compression: gzip}}}\n", nil, []string{
		"backend.tracing.otlp.compression: unknown key (line 1); known keys under backend.tracing.otlp: endpoint, headers, insecure, protocol, tls",
	}},
	{"unknown key under backend.http", "backend:\n  http:\n    maxBody: 1MiB\n", nil, []string{
		"backend.http.maxBody: unknown key (line 3); known keys under backend.http: idleTimeout, maxRequestBody, readTimeout",
	}},
	{"unknown key under backend", "backend: {htp: {}}\n", nil, []string{
		"backend.htp: unknown key (line 1); did you mean http? known keys under backend: auth, http, listen, tracing",
	}},
	{"unknown key under backend.auth", "backend: {auth: {publicRoute: []}}\n", nil, []string{
		"backend.auth.publicRoute: unknown key (line 1); did you mean publicRoutes? known keys under backend.auth: externalAccess, publicRoutes, userTokens",
	}},
	{"unknown key under embedded", "backend: {tracing: {embedded: {viewer: ['*']}}}\n", nil, []string{
		"backend.tracing.embedded.viewer: unknown key (line 1); did you mean viewers? known keys under backend.tracing.embedded: maxSpans, viewers",
	}},
	{"key given twice", "backend:\n  listen: a:1\n  listen: b:2\n", nil, []string{
		"backend.listen: key given twice (line 3); it is first given on line 2; keep one",
	}},
	{"key that is not a string", "backend: {? [a]: b}\n", nil, []string{
		"backend: a list is not a valid key (line 1); keys are strings",
	}},
	{"mapping for a string", "backend:\n  listen: {host: x}\n", nil, []string{
		"backend.listen: a mapping is not a string (line 2)",
	}},
	{"list for a string", "plugins:\n  - id: [a]\n", nil, []string{
		"plugins[0].id: a list is not a string (line 2)",
	}},
	{"not a boolean", "backend: {tracing: {capture: {endUser: maybe}}}\n", nil, []string{
		"backend.tracing.capture.endUser: \"maybe\" is not a boolean (true or false) (line 1)",
	}},
	{"not an integer", "backend: {tracing: {embedded: {maxSpans: 1.5}}}\n", nil, []string{
		"backend.tracing.embedded.maxSpans: \"1.5\" is not an integer (line 1)",
	}},
	{"quoted integer", "backend: {tracing: {embedded: {maxSpans: '10'}}}\n", nil, []string{
		"backend.tracing.embedded.maxSpans: \"10\" is not an integer (line 1)",
	}},
	{"not a number", "backend:\n  tracing:\n    sampler:\n      ratio: abc\n", nil, []string{
		"backend.tracing.sampler.ratio: \"abc\" is not a number (line 4)",
	}},
	{"not a duration", "backend:\n  http:\n    readTimeout: abc\n", nil, []string{
		"backend.http.readTimeout: \"abc\" is not a duration (line 3); for example 60s, 2m or 1h30m",
	}},
	{"a duration without a unit", "backend:\n  http:\n    readTimeout: 60\n    idleTimeout: '1.5'\n", nil, []string{
		"backend.http.readTimeout: \"60\" is not a duration (line 3); write a unit, e.g. 60s",
		"backend.http.idleTimeout: \"1.5\" is not a duration (line 4); write a unit, e.g. 60s",
	}},
	{"list for a duration", "backend: {http: {idleTimeout: [1s]}}\n", nil, []string{
		"backend.http.idleTimeout: a list is not a duration (line 1)",
	}},
	{"not a size", "backend:\n  http:\n    maxRequestBody: 16mib\n", nil, []string{
		"backend.http.maxRequestBody: \"16mib\" is not a size (line 3); write a whole number of bytes, or a whole number with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 16MiB",
	}},
	{"a fractional size", "backend: {http: {maxRequestBody: 1.5MB}}\n", nil, []string{
		"backend.http.maxRequestBody: \"1.5MB\" is not a size (line 1); write a whole number of bytes, or a whole number with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 16MiB",
	}},
	{"a negative size", "backend: {http: {maxRequestBody: -1}}\n", nil, []string{
		"backend.http.maxRequestBody: \"-1\" is not a size (line 1); write a whole number of bytes, or a whole number with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 16MiB",
	}},
	{"a size too large", "backend: {http: {maxRequestBody: 9999999999GiB}}\n", nil, []string{
		"backend.http.maxRequestBody: \"9999999999GiB\" is not a size (line 1); a size is at most 9223372036854775807 bytes",
	}},
	{"mapping for a size", "backend: {http: {maxRequestBody: {a: 1}}}\n", nil, []string{
		"backend.http.maxRequestBody: a mapping is not a size (line 1)",
	}},
	{"scalar for a mapping", "backend: {tracing: {otlp: grpc}}\n", nil, []string{
		"backend.tracing.otlp: \"grpc\" is not a mapping (line 1)",
	}},
	{"scalar for a list", "backend: {tracing: {propagators: b3}}\n", nil, []string{
		"backend.tracing.propagators: \"b3\" is not a list (line 1)",
	}},
	{"mapping for exporter", "backend: {tracing: {exporter: {otlp: true}}}\n", nil, []string{
		"backend.tracing.exporter: a mapping is not a name or a list of names (line 1)",
	}},
	{"scalar for secret headers", "backend: {tracing: {otlp: {headers: 'Bearer abc'}}}\n", nil, []string{
		"backend.tracing.otlp.headers: a value of 10 bytes is not a mapping (line 1)",
	}},
	{"list for a token", "backend: {auth: {externalAccess: [{token: [a, b]}]}}\n", nil, []string{
		"backend.auth.externalAccess[0].token: a list is not a string (line 1)",
	}},
	{"bad merge", "backend: {tracing: {resource: {<<: [a]}}}\n", nil, []string{
		"backend.tracing.resource[\"<<\"]: \"a\" cannot be merged (line 1); << takes a mapping or a list of mappings",
	}},
	{"merge cycle", "backend: &b {<<: *b}\n", nil, []string{
		"backend: a mapping contains itself (line 1)",
	}},
	// ${VAR} substitution.
	{"unset variable", "backend:\n  auth:\n    userTokens:\n      secret: ${PLUGTRACE_AUTH_SECRET}\n", nil, []string{
		"backend.auth.userTokens.secret: environment variable PLUGTRACE_AUTH_SECRET is not set (line 4); set PLUGTRACE_AUTH_SECRET, or write $${PLUGTRACE_AUTH_SECRET} for a literal ${PLUGTRACE_AUTH_SECRET}",
	}},
	{"bad variable name", "backend:\n  listen: ${1X}\n", nil, []string{
		"backend.listen: the first ${...} reference does not name a variable (line 2); a name is letters, digits and _, not starting with a digit; write $${ for a literal ${",
	}},
	{"unterminated reference", "backend:\n  listen: \"${X\"\n", nil, []string{
		"backend.listen: ${ has no closing } (line 2); write ${NAME}, or $${ for a literal ${",
	}},
	{"quoted reference stays a string", "backend:\n  tracing:\n    sampler:\n      ratio: \"${R}\"\n", map[string]string{"R": "0.5"}, []string{
		"backend.tracing.sampler.ratio: \"0.5\" is not a number (line 4)",
	}},
	{"reference to an empty variable, quoted", "backend:\n  listen: \"${EMPTY}\"\n", map[string]string{"EMPTY": ""}, []string{
		"backend.listen: \"\" is not host:port (line 2); for example 127.0.0.1:7007, or :7007 for every interface",
	}},
	// Validation, with the line of the value.
	{"listen", "backend:\n  listen: localhost\n", nil, []string{
		"backend.listen: \"localhost\" is not host:port (line 2); for example 127.0.0.1:7007, or :7007 for every interface",
	}},
	{"listen port", "backend: {listen: 'localhost:99999'}\n", nil, []string{
		"backend.listen: \"localhost:99999\" is not host:port (line 1); for example 127.0.0.1:7007, or :7007 for every interface",
	}},
	{"externalAccess", "backend:\n  auth:\n    externalAccess:\n      - {subject: a}\n      - {token: short, subject: b}\n      - {token: 0123456789abcdef}\n      - {token: 0123456789abcdef, subject: c}\n", nil, []string{
		"backend.auth.externalAccess[0].token: is empty (line 4); give a random token of at least 16 bytes",
		"backend.auth.externalAccess[1].token: a value of 5 bytes is too short (line 5); use a random token of at least 16 bytes",
		"backend.auth.externalAccess[2].subject: \"\" is empty (line 6); name the service, e.g. external:my-service",
		"backend.auth.externalAccess[3].token: is the same token as externalAccess[2].token (line 7); give each service its own token",
	}},
	{"userTokens.secret", "backend: {auth: {userTokens: {secret: too-short}}}\n", nil, []string{
		"backend.auth.userTokens.secret: a value of 9 bytes is too short (line 1); use at least 32 random bytes, or leave it empty to refuse user tokens",
	}},
	{"exporter empty", "backend: {tracing: {exporter: []}}\n", nil, []string{
		"backend.tracing.exporter: the list is empty (line 1); name at least one of embedded, otlp, console, none (none to turn it off)",
	}},
	{"exporter unknown", "backend:\n  tracing:\n    exporter:\n      - embedded\n      - jaeger\n", nil, []string{
		"backend.tracing.exporter[1]: \"jaeger\" is not an exporter (line 5); use one of embedded, otlp, console, none",
	}},
	{"exporter twice and none", "backend: {tracing: {exporter: [none, otlp, otlp]}}\n", nil, []string{
		"backend.tracing.exporter[2]: \"otlp\" is listed twice (line 1)",
		"backend.tracing.exporter: none is combined with other names (line 1); use none alone",
	}},
	{"otlp.endpoint", "backend: {tracing: {otlp: {endpoint: 'ftp://x'}}}\n", nil, []string{
		"backend.tracing.otlp.endpoint: \"ftp://x\" is neither host:port nor an http(s) URL (line 1); for example localhost:4317, or https://collector:4318/v1/traces",
	}},
	{"otlp.endpoint hides a password", "backend: {tracing: {otlp: {endpoint: 'http://u:pw@:1'}}}\n", nil, []string{
		"backend.tracing.otlp.endpoint: \"http://<redacted>@:1\" is neither host:port nor an http(s) URL (line 1); for example localhost:4317, or https://collector:4318/v1/traces",
	}},
	{"otlp.insecure contradicts the scheme", "backend:\n  tracing:\n    otlp:\n      endpoint: https://c:4317\n      insecure: true\n", nil, []string{
		"backend.tracing.otlp.insecure: true contradicts the https endpoint \"https://c:4317\" (line 5); the scheme of a URL decides; remove insecure or change the scheme",
	}},
	{"otlp.protocol", "backend: {tracing: {otlp: {protocol: http/json}}}\n", nil, []string{
		"backend.tracing.otlp.protocol: \"http/json\" is not an OTLP protocol (line 1); use grpc or http/protobuf",
	}},
	{"otlp.headers", "backend:\n  tracing:\n    otlp:\n      headers:\n        bad key: x\n        good: \"a\\nb\"\n", nil, []string{
		"backend.tracing.otlp.headers[\"bad key\"]: \"bad key\" is not a valid header name (line 5)",
		"backend.tracing.otlp.headers.good: a value of 3 bytes holds a control character (line 6)",
	}},
	{"otlp.tls pairs", "backend: {tracing: {otlp: {tls: {certFile: c.pem}}}}\n", nil, []string{
		"backend.tracing.otlp.tls.keyFile: is missing (line 1); certFile and keyFile go together",
	}},
	{"otlp.tls pairs, the other way", "backend: {tracing: {otlp: {tls: {keyFile: k.pem}}}}\n", nil, []string{
		"backend.tracing.otlp.tls.certFile: is missing (line 1); certFile and keyFile go together",
	}},
	{"otlp.tls files", "backend:\n  tracing:\n    exporter: otlp\n    otlp:\n      tls: {caFile: testdata/nope.pem, certFile: testdata, keyFile: testdata/client-key.pem}\n", nil, []string{
		"backend.tracing.otlp.tls.caFile: \"testdata/nope.pem\" cannot be read: no such file or directory (line 5)",
		"backend.tracing.otlp.tls.certFile: \"testdata\" is a directory (line 5); name a PEM file",
	}},
	{"sampler.type", "backend: {tracing: {sampler: {type: xray}}}\n", nil, []string{
		"backend.tracing.sampler.type: \"xray\" is not a sampler (line 1); use one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio",
	}},
	{"sampler.ratio", "backend:\n  tracing:\n    sampler: {ratio: 2}\n", nil, []string{
		"backend.tracing.sampler.ratio: 2 is outside [0, 1] (line 3)",
	}},
	{"sampler.ratio NaN", "backend: {tracing: {sampler: {ratio: .nan}}}\n", nil, []string{
		"backend.tracing.sampler.ratio: NaN is outside [0, 1] (line 1)",
	}},
	{"propagators", "backend: {tracing: {propagators: [tracecontext, xray, tracecontext, none]}}\n", nil, []string{
		"backend.tracing.propagators[1]: \"xray\" is not a propagator (line 1); use one of tracecontext, baggage, b3, b3multi, jaeger, none",
		"backend.tracing.propagators[2]: \"tracecontext\" is listed twice (line 1)",
		"backend.tracing.propagators: none is combined with other names (line 1); use none alone",
	}},
	{"propagators empty", "backend: {tracing: {propagators: []}}\n", nil, []string{
		"backend.tracing.propagators: the list is empty (line 1); name at least one of tracecontext, baggage, b3, b3multi, jaeger, none (none to turn it off)",
	}},
	{"resource", "backend: {tracing: {resource: {'': x, service.name: ' '}}}\n", nil, []string{
		"backend.tracing.resource[\"\"]: empty attribute name (line 1)",
		"backend.tracing.resource.service.name: \" \" is empty (line 1); name the service, or remove the key for the default",
	}},
	{"plugins.export", "backend: {tracing: {plugins: {export: push}}}\n", nil, []string{
		"backend.tracing.plugins.export: \"push\" is not an export mode (line 1); use relay or direct",
	}},
	{"plugin id", "backend:\n  tracing:\n    plugin:\n      Todos: {enabled: true}\n      my plugin: {}\n", nil, []string{
		"backend.tracing.plugin.Todos: invalid plugin id \"Todos\": must match ^[a-z][a-z0-9]*([-_][a-z][a-z0-9]*)*$ (lower-case letters and digits, words joined by '-' or '_') (line 4)",
		"backend.tracing.plugin[\"my plugin\"]: invalid plugin id \"my plugin\": must match ^[a-z][a-z0-9]*([-_][a-z][a-z0-9]*)*$ (lower-case letters and digits, words joined by '-' or '_') (line 5)",
	}},
	{"empty tracer names", "backend:\n  tracing:\n    plugin:\n      a: {tracer: {name: ''}}\n      b:\n        tracer:\n          name:\n      c: {tracer: {name: '  '}}\n", nil, []string{
		"backend.tracing.plugin.a.tracer.name: \"\" is empty (line 4); remove the key for the default name \"plugtrace-plugin-a\"",
		"backend.tracing.plugin.b.tracer.name: \"\" is empty (line 7); remove the key for the default name \"plugtrace-plugin-b\"",
		"backend.tracing.plugin.c.tracer.name: \"  \" is blank (line 8); remove the key for the default name \"plugtrace-plugin-c\"",
	}},
	{"schemaUrl", "backend: {tracing: {plugin: {todos: {tracer: {schemaUrl: /relative}}}}}\n", nil, []string{
		"backend.tracing.plugin.todos.tracer.schemaUrl: \"/relative\" is not an absolute URL (line 1); for example https://opentelemetry.io/schemas/1.26.0",
	}},
	{"embedded.maxSpans", "backend: {tracing: {embedded: {maxSpans: 0}}}\n", nil, []string{
		"backend.tracing.embedded.maxSpans: 0 is not positive (line 1)",
	}},
	{"embedded.maxSpans too large", "backend: {tracing: {embedded: {maxSpans: 4000000000}}}\n", nil, []string{
		"backend.tracing.embedded.maxSpans: 4000000000 is more than 10000000 (line 1); that is the most the embedded store holds; export to otlp to keep more",
	}},
	{"embedded.viewers", "backend:\n  tracing:\n    embedded:\n      viewers:\n        - '*'\n        - user:alice\n        - a b\n        - ''\n        - external:ops\n        - external:ops\n        - user:default/bob\n", nil, []string{
		"backend.tracing.embedded.viewers: \"*\" is combined with other names (line 4); \"*\" admits every authenticated caller; use it alone",
		"backend.tracing.embedded.viewers[1]: \"user:alice\" is not a user entity ref (line 6); write user:<namespace>/<name>, e.g. user:default/alice",
		"backend.tracing.embedded.viewers[2]: \"a b\" is not a principal (line 7); name a user (user:<namespace>/<name>), a service by its subject (external:<name>), or \"*\" for any authenticated caller",
		"backend.tracing.embedded.viewers[3]: \"\" is not a principal (line 8); name a user (user:<namespace>/<name>), a service by its subject (external:<name>), or \"*\" for any authenticated caller",
		"backend.tracing.embedded.viewers[5]: \"external:ops\" is listed twice (line 10)",
	}},
	{"embedded.viewers empty", "backend: {tracing: {embedded: {viewers: []}}}\n", nil, []string{
		"backend.tracing.embedded.viewers: the list is empty (line 1); name who may read the viewer, or remove the key (then, on loopback, local callers may)",
	}},
	{"trustIncomingContext", "backend:\n  tracing:\n    trustIncomingContext: sometimes\n", nil, []string{
		"backend.tracing.trustIncomingContext: \"sometimes\" is not a trust mode (line 3); use authenticated (the default), always or never",
	}},
	{"trustIncomingContext empty", "backend: {tracing: {trustIncomingContext: ''}}\n", nil, []string{
		"backend.tracing.trustIncomingContext: \"\" is not a trust mode (line 1); use authenticated (the default), always or never",
	}},
	{"http not positive", "backend:\n  http:\n    maxRequestBody: 0\n    readTimeout: 0s\n    idleTimeout: -1m\n", nil, []string{
		"backend.http.maxRequestBody: 0B is not positive (line 3); give a size such as 16MiB, the default",
		"backend.http.readTimeout: 0s is not positive (line 4); give a duration such as 60s, the default",
		"backend.http.idleTimeout: -1m0s is not positive (line 5); give a duration such as 120s, the default",
	}},
	{"publicRoutes", "backend:\n  auth:\n    publicRoutes:\n      - GET /api/a\n      - GET /api/a\n      - ''\n      - GET api/x\n      - 'GET /api/{bad name}'\n      - get /api/b\n      - /healthz\n      - GET /traces/\n      - /api\n      - GET /api/c/{x}\n      - /api/c/d\n      - 'GET  /api/a'\n      - GET /api/../x\n", nil, []string{
		"backend.auth.publicRoutes[1]: \"GET /api/a\" is listed twice (line 5)",
		"backend.auth.publicRoutes[2]: \"\" is empty (line 6); " + publicRouteHint,
		"backend.auth.publicRoutes[3]: \"GET api/x\" is not a route under /api/ (line 7); " + publicRouteHint,
		"backend.auth.publicRoutes[4]: \"GET /api/{bad name}\" is not an http.ServeMux pattern: at offset 9: bad wildcard name \"bad name\" (line 8); " + publicRouteHint,
		"backend.auth.publicRoutes[5]: \"get /api/b\" has the method get, which no request has: methods are case-sensitive (line 9); write GET",
		"backend.auth.publicRoutes[6]: \"/healthz\" is not a route under /api/ (line 10); " + publicRouteHint,
		"backend.auth.publicRoutes[7]: \"GET /traces/\" is not a route under /api/ (line 11); " + publicRouteHint,
		"backend.auth.publicRoutes[8]: \"/api\" is not a route under /api/ (line 12); " + publicRouteHint,
		"backend.auth.publicRoutes[10]: \"/api/c/d\" conflicts with publicRoutes[9] \"GET /api/c/{x}\" (line 14); they match some of the same requests and neither is more specific; make one more specific, or keep one",
		"backend.auth.publicRoutes[11]: \"GET  /api/a\" conflicts with publicRoutes[0] \"GET /api/a\" (line 15); they match some of the same requests and neither is more specific; make one more specific, or keep one",
		"backend.auth.publicRoutes[12]: \"GET /api/../x\" is not an http.ServeMux pattern: at offset 4: non-CONNECT pattern with unclean path can never match (line 16); " + publicRouteHint,
	}},
	{"otlp.endpoint without a scheme hides user info", "backend: {tracing: {otlp: {endpoint: 'u:${SECRET}@h:4317'}}}\n", map[string]string{"SECRET": "s3cret"}, []string{
		"backend.tracing.otlp.endpoint: \"<redacted>@h:4317\" is neither host:port nor an http(s) URL (line 1); for example localhost:4317, or https://collector:4318/v1/traces",
	}},
	{"otlp.endpoint without a scheme hides a key", "backend: {tracing: {otlp: {endpoint: 'APIKEY@h:4317'}}}\n", nil, []string{
		"backend.tracing.otlp.endpoint: \"<redacted>@h:4317\" is neither host:port nor an http(s) URL (line 1); for example localhost:4317, or https://collector:4318/v1/traces",
	}},
	{"otlp.endpoint of the wrong type hides user info", "backend: {tracing: {otlp: {endpoint: !!binary 'u:s3cret@h'}}}\n", nil, []string{
		"backend.tracing.otlp.endpoint: \"<redacted>@h\" is not a string (line 1)",
	}},
	{"plugins", "plugins:\n  - id: weather\n    command: [w]\n  - id: weather\n  - id: Bad\n    command: ['']\n    env: {1X: a, OK: b, 'A B': c}\n  - command: [x]\n", nil, []string{
		"plugins[1].id: \"weather\" is already the id of plugins[0] (line 4); give each plugin its own id",
		"plugins[1].command: is empty (line 4); give the executable and its arguments, e.g. [./bin/weather-plugin]",
		"plugins[2].id: invalid plugin id \"Bad\": must match ^[a-z][a-z0-9]*([-_][a-z][a-z0-9]*)*$ (lower-case letters and digits, words joined by '-' or '_') (line 5)",
		"plugins[2].command[0]: \"\" is empty (line 6); the first element is the executable",
		"plugins[2].env.1X: \"1X\" is not an environment variable name (line 7); use letters, digits and _, not starting with a digit",
		"plugins[2].env[\"A B\"]: \"A B\" is not an environment variable name (line 7); use letters, digits and _, not starting with a digit",
		"plugins[3].id: invalid plugin id: must not be empty (line 8)",
	}},
	// OTEL_* fallbacks: the error names the variable.
	{"OTEL protocol", "", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, []string{
		"OTEL_EXPORTER_OTLP_PROTOCOL: \"http/json\" is not a supported OTLP protocol; use grpc or http/protobuf",
	}},
	{"OTEL endpoint", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://ok:4317", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector"}, []string{
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: \"collector\" is neither host:port nor an http(s) URL; for example https://collector:4317",
	}},
	{"OTEL endpoint without a scheme hides user info", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "u:s3cret@h:4317"}, []string{
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: \"<redacted>@h:4317\" is neither host:port nor an http(s) URL; for example https://collector:4317",
	}},
	{"OTEL endpoint host:port", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"}, []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT: \"collector:4317\" is host:port, not a URL; write http://collector:4317 (no TLS) or https://collector:4317",
	}},
	{"OTEL propagators with spaces", "", map[string]string{"OTEL_PROPAGATORS": " b3 , jaeger,"}, []string{
		"OTEL_PROPAGATORS: \" b3 , jaeger,\" has spaces or empty names, which the SDK does not skip; write b3,jaeger",
	}},
	{"OTEL insecure", "", map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "yes"}, []string{
		"OTEL_EXPORTER_OTLP_INSECURE: \"yes\" is not true or false",
	}},
	{"OTEL headers", "", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,novalue,=x,b=%zz,c d=1,e=a%0Ab"}, []string{
		"OTEL_EXPORTER_OTLP_HEADERS: entry 2 has no =; write key=value pairs separated by commas",
		"OTEL_EXPORTER_OTLP_HEADERS: entry 3 has an empty key; write key=value pairs separated by commas",
		"OTEL_EXPORTER_OTLP_HEADERS: entry 4 has a malformed %-escape in its value; percent-encode , = % and spaces, e.g. %2C",
		"OTEL_EXPORTER_OTLP_HEADERS: \"c d\" is not a valid header name",
		"OTEL_EXPORTER_OTLP_HEADERS: the value of e holds a control character",
	}},
	{"OTEL sampler", "", map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"}, []string{
		"OTEL_TRACES_SAMPLER: \"jaeger_remote\" is not a supported sampler; use one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio",
	}},
	{"OTEL sampler arg", "", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "x"}, []string{
		"OTEL_TRACES_SAMPLER_ARG: \"x\" is not a number",
	}},
	{"OTEL sampler arg range", "backend: {tracing: {sampler: {type: parentbased_traceidratio}}}", map[string]string{"OTEL_TRACES_SAMPLER_ARG": "1.5"}, []string{
		"OTEL_TRACES_SAMPLER_ARG: 1.5 is outside [0, 1]",
	}},
	{"OTEL propagators", "", map[string]string{"OTEL_PROPAGATORS": "tracecontext,xray,tracecontext,none"}, []string{
		"OTEL_PROPAGATORS: \"xray\" is not a propagator; use one of tracecontext, baggage, b3, b3multi, jaeger, none",
		"OTEL_PROPAGATORS: \"tracecontext\" is listed twice",
		"OTEL_PROPAGATORS: none is combined with other names; use none alone",
	}},
	{"OTEL propagators empty", "", map[string]string{"OTEL_PROPAGATORS": " , "}, []string{
		"OTEL_PROPAGATORS: the list is empty; name at least one of tracecontext, baggage, b3, b3multi, jaeger, none (none to turn it off)",
	}},
	{"OTEL resource attributes", "", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "a=1,b,=c,d=%zz"}, []string{
		"OTEL_RESOURCE_ATTRIBUTES: entry 2 (b) has no =; write key=value pairs separated by commas",
		"OTEL_RESOURCE_ATTRIBUTES: entry 3 has an empty key; write key=value pairs separated by commas",
		"OTEL_RESOURCE_ATTRIBUTES: entry 4 (d) has a malformed %-escape in its value; percent-encode , = % and spaces, e.g. %2C",
	}},
	// Problems of every stage but syntax and decoding are reported together.
	{"all at once", "backend:\n  listen: nope\n  tracing:\n    sampler: {ratio: -1}\n", map[string]string{"OTEL_TRACES_SAMPLER": "bogus"}, []string{
		"OTEL_TRACES_SAMPLER: \"bogus\" is not a supported sampler; use one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio",
		"backend.listen: \"nope\" is not host:port (line 2); for example 127.0.0.1:7007, or :7007 for every interface",
		"backend.tracing.sampler.ratio: -1 is outside [0, 1] (line 4)",
	}},
}
