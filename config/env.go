package config

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// The standard OpenTelemetry variables read where the YAML is silent.
const (
	envTracesEndpoint     = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envEndpoint           = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesProtocol     = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envProtocol           = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesHeaders      = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	envHeaders            = "OTEL_EXPORTER_OTLP_HEADERS"
	envTracesInsecure     = "OTEL_EXPORTER_OTLP_TRACES_INSECURE"
	envInsecure           = "OTEL_EXPORTER_OTLP_INSECURE"
	envSampler            = "OTEL_TRACES_SAMPLER"
	envSamplerArg         = "OTEL_TRACES_SAMPLER_ARG"
	envPropagators        = "OTEL_PROPAGATORS"
	envResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES"
	envServiceName        = "OTEL_SERVICE_NAME"
)

// envReader reads OTEL_* variables and collects errors naming them.
type envReader struct {
	lookup func(string) (string, bool)
	errs   []*Error
}

func (e *envReader) fail(name, problem, hint string) {
	e.errs = append(e.errs, &Error{Path: name, Problem: problem, Hint: hint})
}

// first returns the first of names that is set to a non-blank value. As
// the OTel specification says, an empty variable counts as unset.
func (e *envReader) first(names ...string) (name, value string, ok bool) {
	for _, name := range names {
		if v, ok := e.lookup(name); ok && strings.TrimSpace(v) != "" {
			return name, strings.TrimSpace(v), true
		}
	}
	return "", "", false
}

// applyEnv fills the keys the YAML left unset (set[path] false) from the
// standard OTEL_* variables, and marks those it fills as set. A
// signal-specific variable (…_TRACES_…) wins over its general form. A bad
// value is an error naming the variable, and leaves the key to its default.
func applyEnv(c *Config, set map[string]bool, lookup func(string) (string, bool)) []*Error {
	e := &envReader{lookup: lookup}
	t := &c.Backend.Tracing
	o := &t.OTLP

	if !set[pathProtocol] {
		if name, v, ok := e.first(envTracesProtocol, envProtocol); ok {
			if slices.Contains(protocolNames, v) {
				o.Protocol, set[pathProtocol] = v, true
			} else {
				e.fail(name, fmt.Sprintf("%q is not a supported OTLP protocol", v), "use grpc or http/protobuf")
			}
		}
	}

	if !set[pathEndpoint] {
		if name, v, ok := e.first(envTracesEndpoint, envEndpoint); ok {
			if !validEndpoint(v) {
				e.fail(name, showEndpoint(v)+" is neither host:port nor an http(s) URL",
					"for example https://collector:4317")
			} else {
				o.Endpoint, set[pathEndpoint] = v, true
				// The general variable is a base URL: OTLP/HTTP sends traces
				// to /v1/traces under it. Endpoint always means the traces
				// URL, like the signal-specific variable.
				u, isURL := parseEndpointURL(v)
				if name == envEndpoint && isURL && o.Protocol == ProtocolHTTPProtobuf {
					u.Path = path.Join("/", u.Path, tracesPath)
					u.RawPath = ""
					o.Endpoint = u.String()
				}
			}
		}
	}

	// The insecure variables only apply to a host:port endpoint; a URL's
	// scheme decides for itself.
	if _, isURL := parseEndpointURL(o.Endpoint); !set[pathInsecure] && !isURL {
		if name, v, ok := e.first(envTracesInsecure, envInsecure); ok {
			switch strings.ToLower(v) {
			case "true":
				o.Insecure, set[pathInsecure] = true, true
			case "false":
				o.Insecure, set[pathInsecure] = false, true
			default:
				e.fail(name, fmt.Sprintf("%q is not true or false", v), "")
			}
		}
	}

	if !set[pathHeaders] {
		if name, v, ok := e.first(envTracesHeaders, envHeaders); ok {
			if h, ok := e.headers(name, v); ok {
				o.Headers, set[pathHeaders] = h, true
			}
		}
	}

	if !set[pathSamplerType] {
		if name, v, ok := e.first(envSampler); ok {
			if slices.Contains(samplerNames, v) {
				t.Sampler.Type, set[pathSamplerType] = v, true
			} else {
				e.fail(name, fmt.Sprintf("%q is not a supported sampler", v), "use one of "+strings.Join(samplerNames, ", "))
			}
		}
	}
	// The argument only means something to the ratio samplers.
	ratioSampler := t.Sampler.Type == SamplerTraceIDRatio || t.Sampler.Type == SamplerParentBasedTraceIDRatio
	if !set[pathSamplerRatio] && ratioSampler {
		if name, v, ok := e.first(envSamplerArg); ok {
			r, err := strconv.ParseFloat(v, 64)
			switch {
			case err != nil:
				e.fail(name, fmt.Sprintf("%q is not a number", v), "")
			case !(r >= 0 && r <= 1):
				e.fail(name, formatFloat(r)+" is outside [0, 1]", "")
			default:
				t.Sampler.Ratio, set[pathSamplerRatio] = r, true
			}
		}
	}

	if !set[pathPropagators] {
		if name, v, ok := e.first(envPropagators); ok {
			var list []string
			for p := range strings.SplitSeq(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					list = append(list, p)
				}
			}
			check := &validator{}
			check.names(name, list, propagatorNames, "a propagator", "none")
			if len(check.errs) == 0 {
				t.Propagators, set[pathPropagators] = list, true
			}
			for _, err := range check.errs {
				err.Path = name // the variable, not an index into it
			}
			e.errs = append(e.errs, check.errs...)
		}
	}

	// Resource attributes merge key by key: the YAML's keys win, then
	// OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES.
	attrs := map[string]string{}
	if name, v, ok := e.first(envResourceAttributes); ok {
		if kv, ok := e.keyValues(name, v, false); ok {
			attrs = kv
		}
	}
	if _, v, ok := e.first(envServiceName); ok {
		attrs[serviceNameKey] = v
	}
	for k, v := range attrs {
		if _, inYAML := t.Resource[k]; !inYAML {
			if t.Resource == nil {
				t.Resource = map[string]string{}
			}
			t.Resource[k] = v
		}
	}
	return e.errs
}

// headers parses a header list such as OTEL_EXPORTER_OTLP_HEADERS.
func (e *envReader) headers(name, v string) (map[string]string, bool) {
	h, ok := e.keyValues(name, v, true)
	for _, k := range sortedKeys(h) {
		if !validHeaderName(k) {
			e.fail(name, fmt.Sprintf("%q is not a valid header name", k), "")
			ok = false
		} else if !validHeaderValue(h[k]) {
			e.fail(name, fmt.Sprintf("the value of %s holds a control character", k), "")
			ok = false
		}
	}
	return h, ok
}

// keyValues parses the W3C-baggage-like lists of OTEL_RESOURCE_ATTRIBUTES
// and OTEL_EXPORTER_OTLP_HEADERS: key=value pairs separated by commas,
// values percent-encoded. With secret, no value is ever shown.
func (e *envReader) keyValues(name, v string, secret bool) (map[string]string, bool) {
	out := map[string]string{}
	ok := true
	for i, pair := range strings.Split(v, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, val, found := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		entry := fmt.Sprintf("entry %d", i+1)
		if !secret && k != "" {
			entry = fmt.Sprintf("entry %d (%s)", i+1, k)
		}
		switch {
		case !found:
			e.fail(name, entry+" has no =", "write key=value pairs separated by commas")
			ok = false
			continue
		case k == "":
			e.fail(name, entry+" has an empty key", "write key=value pairs separated by commas")
			ok = false
			continue
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			e.fail(name, entry+" has a malformed %-escape in its value", "percent-encode , = % and spaces, e.g. %2C")
			ok = false
			continue
		}
		out[k] = strings.TrimSpace(dec)
	}
	return out, ok
}
