// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/plugtrace/plugtrace/internal/handoff"
)

// The standard OpenTelemetry variables that apply where the YAML is silent.
// The SDK, its exporters and contrib's autoprop read them themselves (see
// package telemetry); the configuration only checks their values, so that
// `plugtrace config check` and start-up refuse a bad one with an error
// naming it instead of the SDK falling back to its default in silence.
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
)

// envChecker checks OTEL_* variables and collects errors naming them.
type envChecker struct {
	lookup func(string) (string, bool)
	errs   []*Error
}

func (e *envChecker) fail(name, problem, hint string) {
	e.errs = append(e.errs, &Error{Path: name, Problem: problem, Hint: hint})
}

// first returns the first of names that is set to a non-blank value (an
// empty variable counts as unset, as the OTel specification says): the one
// the SDK will read.
func (e *envChecker) first(names ...string) (name, value string, ok bool) {
	for _, name := range names {
		if v, ok := e.lookup(name); ok && strings.TrimSpace(v) != "" {
			return name, strings.TrimSpace(v), true
		}
	}
	return "", "", false
}

// checkEnv checks the OTEL_* variables of the keys the YAML left unset
// (set[path] false): those are the values the SDK will use. It changes the
// configuration in one case the SDK cannot handle: a ratio sampler named in
// the YAML without a ratio takes OTEL_TRACES_SAMPLER_ARG.
func checkEnv(c *Config, set map[string]bool, lookup func(string) (string, bool)) []*Error {
	e := &envChecker{lookup: lookup}
	t := &c.Backend.Tracing

	if !set[pathProtocol] {
		if name, v, ok := e.first(envTracesProtocol, envProtocol); ok && !slices.Contains(protocolNames, v) {
			e.fail(name, fmt.Sprintf("%q is not a supported OTLP protocol", v), "use grpc or http/protobuf")
		}
	}
	if !set[pathEndpoint] {
		if name, v, ok := e.first(envTracesEndpoint, envEndpoint); ok {
			switch _, isURL := parseEndpointURL(v); {
			case !validEndpoint(v):
				e.fail(name, showEndpoint(v)+" is neither host:port nor an http(s) URL", "for example https://collector:4317")
			case !isURL:
				// The exporters read the variable, and take only a URL.
				e.fail(name, showEndpoint(v)+" is host:port, not a URL", "write http://"+safeEndpoint(v)+" (no TLS) or https://"+safeEndpoint(v))
			}
		}
	}
	if !set[pathInsecure] {
		if name, v, ok := e.first(envTracesInsecure, envInsecure); ok {
			if l := strings.ToLower(v); l != "true" && l != "false" {
				e.fail(name, fmt.Sprintf("%q is not true or false", v), "")
			}
		}
	}
	if !set[pathHeaders] {
		if name, v, ok := e.first(envTracesHeaders, envHeaders); ok {
			e.headers(name, v)
		}
	}

	sampler := t.Sampler.Type
	if !set[pathSamplerType] {
		if name, v, ok := e.first(envSampler); ok {
			sampler = v
			if !slices.Contains(samplerNames, v) {
				e.fail(name, fmt.Sprintf("%q is not a supported sampler", v), "use one of "+strings.Join(samplerNames, ", "))
			}
		}
	}
	// The argument only means something to the ratio samplers.
	if !set[pathSamplerRatio] && IsRatio(sampler) {
		if name, v, ok := e.first(envSamplerArg); ok {
			r, err := strconv.ParseFloat(v, 64)
			switch {
			case err != nil:
				e.fail(name, fmt.Sprintf("%q is not a number", v), "")
			case !(r >= 0 && r <= 1):
				e.fail(name, formatFloat(r)+" is outside [0, 1]", "")
			case set[pathSamplerType]:
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
			for _, err := range check.errs {
				err.Path = name // the variable, not an index into it
			}
			e.errs = append(e.errs, check.errs...)
			// autoprop reads the variable as it is: no spaces, no empty names.
			if raw, _ := e.lookup(name); len(check.errs) == 0 && raw != strings.Join(list, ",") {
				e.fail(name, fmt.Sprintf("%q has spaces or empty names, which the SDK does not skip", raw), "write "+strings.Join(list, ","))
			}
		}
	}
	if name, v, ok := e.first(envResourceAttributes); ok {
		e.keyValues(name, v, false)
	}
	return e.errs
}

// headers checks a header list such as OTEL_EXPORTER_OTLP_HEADERS.
func (e *envChecker) headers(name, v string) {
	h := e.keyValues(name, v, true)
	for _, k := range sortedKeys(h) {
		if !validHeaderName(k) {
			e.fail(name, fmt.Sprintf("%q is not a valid header name", k), "")
		} else if !validHeaderValue(h[k]) {
			e.fail(name, fmt.Sprintf("the value of %s holds a control character", k), "")
		}
	}
}

// keyValues checks the key=value lists of OTEL_RESOURCE_ATTRIBUTES and
// OTEL_EXPORTER_OTLP_HEADERS. With secret, no key of a bad entry is shown.
func (e *envChecker) keyValues(name, v string, secret bool) map[string]string {
	m, err := handoff.DecodeKeyValues(v)
	if err == nil {
		return m
	}
	for _, one := range err.(interface{ Unwrap() []error }).Unwrap() {
		var kv *handoff.KeyValueError
		if !errors.As(one, &kv) {
			continue
		}
		msg := kv.Error()
		if secret {
			msg = kv.Secret()
		}
		hint := "write key=value pairs separated by commas"
		if strings.Contains(kv.Problem, "%-escape") {
			hint = "percent-encode , = % and spaces, e.g. %2C"
		}
		e.fail(name, msg, hint)
	}
	return m
}
