// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plugtrace/plugtrace/internal/handoff"
	"github.com/plugtrace/plugtrace/traceview"
	"github.com/plugtrace/plugtrace/tracing"
)

// The names each enumerated key accepts, in the order error hints list
// them.
var (
	exporterNames   = []string{ExporterEmbedded, ExporterOTLP, ExporterConsole, ExporterNone}
	protocolNames   = []string{ProtocolGRPC, ProtocolHTTPProtobuf}
	samplerNames    = []string{SamplerAlwaysOn, SamplerAlwaysOff, SamplerTraceIDRatio, SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff, SamplerParentBasedTraceIDRatio}
	propagatorNames = []string{"tracecontext", "baggage", "b3", "b3multi", "jaeger", "none"}
	exportNames     = []string{ExportRelay, ExportDirect}
	trustNames      = []string{TrustAuthenticated, TrustAlways, TrustNever}
)

// Minimum lengths of secrets.
const (
	minTokenBytes  = 16
	minSecretBytes = 32
)

// Validate reports every problem in c, each as an [*Error] naming the key
// path, all joined into one error; nil when c is valid. Parse and Load
// call it; call it yourself on a Config built or changed in Go.
//
// Validate sees values, not YAML: an empty tracer name means "the default
// name" here, while Parse also rejects a `name` key given empty. Files
// named under backend.tracing.otlp.tls must exist when the otlp exporter
// is on (relative paths are relative to the working directory).
//
// The security keys are checked so that a mistake fails at start-up
// instead of opening or closing more than meant: each
// backend.auth.publicRoutes entry is an [http.ServeMux] pattern whose path
// is under /api/, none given twice or in conflict with another; each
// backend.tracing.embedded.viewers entry is "*", a user entity ref
// (user:<namespace>/<name>) or a service subject without spaces
// (external:<name>); backend.http's size and timeouts are positive;
// embedded.maxSpans is at most [traceview.MaxStoreSpans].
func (c *Config) Validate() error {
	return joinErrors(c.validate())
}

type validator struct{ errs []*Error }

func (v *validator) add(path, problem, hint string) {
	v.errs = append(v.errs, &Error{Path: path, Problem: problem, Hint: hint})
}

func (c *Config) validate() []*Error {
	v := &validator{}
	if !validHostPort(c.Backend.Listen, false) {
		v.add(pathListen, fmt.Sprintf("%q is not host:port", c.Backend.Listen),
			"for example 127.0.0.1:7007, or :7007 for every interface")
	}
	v.http(&c.Backend.HTTP)
	v.auth(&c.Backend.Auth)
	v.tracing(&c.Backend.Tracing)
	v.plugins(c.Plugins)
	v.export(&c.Backend.Tracing, len(c.Plugins) > 0)
	return v.errs
}

// export checks what `export: direct` needs: the host hands plugins the
// OTLP upstream as environment variables, which cannot carry TLS files.
func (v *validator) export(t *Tracing, hasPlugins bool) {
	if t.Plugins.Export != ExportDirect || !hasPlugins {
		return
	}
	if !slices.Contains(t.Exporters, ExporterOTLP) {
		v.add(pathExport, fmt.Sprintf("direct hands plugins the OTLP upstream, but the exporters %v include no otlp", t.Exporters),
			"add otlp to backend.tracing.exporter, or use relay")
	}
	if t.OTLP.TLS != (TLS{}) {
		v.add(pathExport, "direct cannot hand plugins the files of backend.tracing.otlp.tls",
			"use relay (the default), which keeps the upstream's TLS in the host")
	}
}

func (v *validator) auth(a *Auth) {
	const base = "backend.auth.externalAccess"
	firstUse := map[string]int{}
	for i, ea := range a.ExternalAccess {
		p := indexPath(base, i)
		switch j, dup := firstUse[ea.Token]; {
		case ea.Token == "":
			v.add(p+".token", "is empty", fmt.Sprintf("give a random token of at least %d bytes", minTokenBytes))
		case len(ea.Token) < minTokenBytes:
			v.add(p+".token", secretText(ea.Token)+" is too short",
				fmt.Sprintf("use a random token of at least %d bytes", minTokenBytes))
		case dup:
			v.add(p+".token", "is the same token as "+indexPath("externalAccess", j)+".token",
				"give each service its own token")
		default:
			firstUse[ea.Token] = i
		}
		if strings.TrimSpace(ea.Subject) == "" {
			v.add(p+".subject", fmt.Sprintf("%q is empty", ea.Subject), "name the service, e.g. external:my-service")
		}
	}
	if s := a.UserTokens.Secret; s != "" && len(s) < minSecretBytes {
		v.add("backend.auth.userTokens.secret", secretText(s)+" is too short",
			fmt.Sprintf("use at least %d random bytes, or leave it empty to refuse user tokens", minSecretBytes))
	}
	v.publicRoutes(a.PublicRoutes)
}

// http checks backend.http.
func (v *validator) http(h *HTTP) {
	if h.MaxRequestBody <= 0 {
		v.add(pathMaxRequestBody, h.MaxRequestBody.String()+" is not positive",
			"give a size such as "+DefaultMaxRequestBody.String()+", the default")
	}
	for _, d := range []struct {
		path  string
		value time.Duration
		def   time.Duration
	}{
		{pathReadTimeout, h.ReadTimeout, DefaultReadTimeout},
		{pathIdleTimeout, h.IdleTimeout, DefaultIdleTimeout},
	} {
		if d.value <= 0 {
			v.add(d.path, d.value.String()+" is not positive",
				fmt.Sprintf("give a duration such as %ds, the default", d.def/time.Second))
		}
	}
}

func (v *validator) tracing(t *Tracing) {
	v.names(pathExporter, t.Exporters, exporterNames, "an exporter", ExporterNone)
	v.otlp(&t.OTLP, slices.Contains(t.Exporters, ExporterOTLP))
	if t.Sampler.Type != "" && !slices.Contains(samplerNames, t.Sampler.Type) {
		v.add(pathSamplerType, fmt.Sprintf("%q is not a sampler", t.Sampler.Type), "use one of "+strings.Join(samplerNames, ", "))
	}
	if r := t.Sampler.Ratio; !(r >= 0 && r <= 1) {
		v.add(pathSamplerRatio, formatFloat(r)+" is outside [0, 1]", "")
	}
	if t.Propagators != nil { // nil: OTEL_PROPAGATORS, or the SDK's default
		v.names(pathPropagators, t.Propagators, propagatorNames, "a propagator", "none")
	}
	for _, k := range sortedKeys(t.Resource) {
		switch {
		case strings.TrimSpace(k) == "":
			v.add(childPath(pathResource, k), "empty attribute name", "")
		case k == serviceNameKey && strings.TrimSpace(t.Resource[k]) == "":
			v.add(childPath(pathResource, k), fmt.Sprintf("%q is empty", t.Resource[k]), "name the service, or remove the key for the default")
		}
	}
	if !slices.Contains(exportNames, t.Plugins.Export) {
		v.add(pathExport, fmt.Sprintf("%q is not an export mode", t.Plugins.Export), "use relay or direct")
	}
	for _, id := range sortedKeys(t.Plugin) {
		p := childPath(pathPlugin, id)
		if err := tracing.ValidatePluginID(id); err != nil {
			v.errs = append(v.errs, &Error{Path: p, Problem: err.Error(), err: err})
			continue
		}
		tr := t.Plugin[id].Tracer
		if tr.Name != "" && strings.TrimSpace(tr.Name) == "" {
			v.add(p+".tracer.name", fmt.Sprintf("%q is blank", tr.Name),
				fmt.Sprintf("remove the key for the default name %q", tracing.DefaultTracerName(id)))
		}
		if tr.SchemaURL != "" {
			if u, err := url.Parse(tr.SchemaURL); err != nil || !u.IsAbs() || u.Host == "" {
				v.add(p+".tracer.schemaUrl", fmt.Sprintf("%q is not an absolute URL", tr.SchemaURL),
					"for example https://opentelemetry.io/schemas/1.26.0")
			}
		}
	}
	if !slices.Contains(trustNames, t.TrustIncomingContext) {
		v.add(pathTrust, fmt.Sprintf("%q is not a trust mode", t.TrustIncomingContext),
			"use authenticated (the default), always or never")
	}
	switch n := t.Embedded.MaxSpans; {
	case n <= 0:
		v.add(pathMaxSpans, fmt.Sprintf("%d is not positive", n), "")
	case n > traceview.MaxStoreSpans:
		v.add(pathMaxSpans, fmt.Sprintf("%d is more than %d", n, traceview.MaxStoreSpans),
			"that is the most the embedded store holds; export to otlp to keep more")
	}
	v.viewers(t.Embedded.Viewers)
}

// names checks a list of names: not empty, each known, none twice, and
// alone (the "none" name) only by itself.
func (v *validator) names(path string, list, known []string, what, alone string) {
	if len(list) == 0 {
		v.add(path, "the list is empty", fmt.Sprintf("name at least one of %s (%s to turn it off)", strings.Join(known, ", "), alone))
		return
	}
	for i, n := range list {
		p := indexPath(path, i)
		switch {
		case !slices.Contains(known, n):
			v.add(p, fmt.Sprintf("%q is not %s", n, what), "use one of "+strings.Join(known, ", "))
		case slices.Index(list, n) < i:
			v.add(p, fmt.Sprintf("%q is listed twice", n), "")
		}
	}
	if len(list) > 1 && slices.Contains(list, alone) {
		v.add(path, fmt.Sprintf("%s is combined with other names", alone), fmt.Sprintf("use %s alone", alone))
	}
}

func (v *validator) otlp(o *OTLP, enabled bool) {
	const base = "backend.tracing.otlp"
	// An empty endpoint is the exporter's: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT
	// or its default.
	if o.Endpoint != "" && !validEndpoint(o.Endpoint) {
		v.add(pathEndpoint, showEndpoint(o.Endpoint)+" is neither host:port nor an http(s) URL",
			"for example localhost:4317, or https://collector:4318/v1/traces")
	} else if u, ok := parseEndpointURL(o.Endpoint); ok && o.Insecure != (u.Scheme == "http") {
		v.add(pathInsecure, fmt.Sprintf("%t contradicts the %s endpoint %s", o.Insecure, u.Scheme, showEndpoint(o.Endpoint)),
			"the scheme of a URL decides; remove insecure or change the scheme")
	}
	if o.Protocol != "" && !slices.Contains(protocolNames, o.Protocol) {
		v.add(pathProtocol, fmt.Sprintf("%q is not an OTLP protocol", o.Protocol), "use grpc or http/protobuf")
	}
	for _, k := range sortedKeys(o.Headers) {
		p := childPath(pathHeaders, k)
		if !validHeaderName(k) {
			v.add(p, fmt.Sprintf("%q is not a valid header name", k), "")
		} else if !validHeaderValue(o.Headers[k]) {
			v.add(p, secretText(o.Headers[k])+" holds a control character", "")
		}
	}
	tlsPath := base + ".tls"
	switch {
	case o.TLS.CertFile != "" && o.TLS.KeyFile == "":
		v.add(tlsPath+".keyFile", "is missing", "certFile and keyFile go together")
	case o.TLS.CertFile == "" && o.TLS.KeyFile != "":
		v.add(tlsPath+".certFile", "is missing", "certFile and keyFile go together")
	}
	if !enabled {
		return
	}
	for _, f := range []struct{ key, name string }{
		{"caFile", o.TLS.CAFile}, {"certFile", o.TLS.CertFile}, {"keyFile", o.TLS.KeyFile},
	} {
		if f.name == "" {
			continue
		}
		switch fi, err := os.Stat(f.name); {
		case err != nil:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			v.add(tlsPath+"."+f.key, fmt.Sprintf("%q cannot be read: %v", f.name, err), "")
		case fi.IsDir():
			v.add(tlsPath+"."+f.key, fmt.Sprintf("%q is a directory", f.name), "name a PEM file")
		}
	}
}

func (v *validator) plugins(ps []ExternalPlugin) {
	firstUse := map[string]int{}
	for i, p := range ps {
		base := indexPath("plugins", i)
		if err := tracing.ValidatePluginID(p.ID); err != nil {
			v.errs = append(v.errs, &Error{Path: base + ".id", Problem: err.Error(), err: err})
		} else if j, dup := firstUse[p.ID]; dup {
			v.add(base+".id", fmt.Sprintf("%q is already the id of %s", p.ID, indexPath("plugins", j)), "give each plugin its own id")
		} else {
			firstUse[p.ID] = i
		}
		switch {
		case len(p.Command) == 0:
			v.add(base+".command", "is empty", "give the executable and its arguments, e.g. [./bin/weather-plugin]")
		case strings.TrimSpace(p.Command[0]) == "":
			v.add(base+".command[0]", fmt.Sprintf("%q is empty", p.Command[0]), "the first element is the executable")
		}
		for _, k := range sortedKeys(p.Env) {
			path := childPath(base+".env", k)
			switch {
			case !validEnvName(k):
				v.add(path, fmt.Sprintf("%q is not an environment variable name", k),
					"use letters, digits and _, not starting with a digit")
			case k == "OTEL_SERVICE_NAME":
				// The documented override of a plugin's service name.
			case k == "OTEL_RESOURCE_ATTRIBUTES":
				if _, err := handoff.DecodeKeyValues(p.Env[k]); err != nil {
					// Not the value: plugins[].env values may be secret.
					v.add(path, "is not a comma-separated list of key=value pairs", "")
				}
			case handoff.IsReserved(k):
				v.add(path, "is set by the host in the plugin's telemetry hand-off",
					"remove it (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES may be set)")
			}
		}
	}
}

// validHeaderName reports whether name is an HTTP header field name (an
// RFC 9110 token).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether value can be sent as a header value:
// no control characters other than tab.
func validHeaderValue(value string) bool {
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Sprint(f)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
