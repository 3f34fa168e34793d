// SPDX-License-Identifier: Apache-2.0

package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// tracesPath is the standard OTLP/HTTP path for traces.
const tracesPath = "/v1/traces"

// EndpointURL returns the endpoint as a full URL, the form
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT takes and otlptracegrpc /
// otlptracehttp WithEndpointURL accept:
//
//   - a host:port endpoint gets the scheme http:// when Insecure is set,
//     https:// otherwise, and for http/protobuf the path /v1/traces;
//   - a URL endpoint is kept as it is, except that for http/protobuf an
//     empty path (or "/") becomes /v1/traces.
//
// A URL's scheme, not Insecure, decides whether the connection uses TLS;
// a parsed configuration keeps the two in agreement.
func (o OTLP) EndpointURL() string {
	httpProto := o.Protocol == ProtocolHTTPProtobuf
	if u, ok := parseEndpointURL(o.Endpoint); ok {
		if httpProto && (u.Path == "" || u.Path == "/") {
			u.Path = tracesPath
			u.RawPath = ""
		}
		return u.String()
	}
	scheme := "https://"
	if o.Insecure {
		scheme = "http://"
	}
	if httpProto {
		return scheme + o.Endpoint + tracesPath
	}
	return scheme + o.Endpoint
}

// parseEndpointURL parses an endpoint written as an http(s) URL. It
// reports false for host:port endpoints and anything malformed.
func parseEndpointURL(s string) (*url.URL, bool) {
	if !strings.Contains(s, "://") {
		return nil, false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, false
	}
	if p := u.Port(); p != "" && !validPort(p, false) {
		return nil, false
	}
	return u, true
}

// validEndpoint reports whether s is host:port or an http(s) URL.
func validEndpoint(s string) bool {
	if strings.Contains(s, "://") {
		_, ok := parseEndpointURL(s)
		return ok
	}
	return validHostPort(s, true)
}

// validHostPort reports whether s is host:port with a numeric port. With
// needHost, the host must be given and the port must not be 0. A host
// holding user info (key@collector:4317), a path or a query is refused: it
// is a URL without its scheme.
func validHostPort(s string, needHost bool) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || (needHost && host == "") || strings.ContainsAny(host, "@/?# ") {
		return false
	}
	return validPort(port, !needHost)
}

func validPort(port string, zeroOK bool) bool {
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && (n > 0 || zeroOK)
}

// showEndpoint quotes an endpoint for an error message without what may be
// a credential: user info (a user name can be an API key) and the query.
// It works on the text, so an endpoint that does not parse is hidden too.
func showEndpoint(s string) string { return strconv.Quote(safeEndpoint(s)) }

// safeEndpoint replaces what may be a credential in an endpoint's text,
// with a scheme or without one (key:secret@collector:4317): everything
// before the last '@' (user info, even with a '/' or '?' in a password that
// is not escaped) and everything from the first '?' or '#' (query and
// fragment). When a '?' or '#' comes before the last '@', either could be
// part of a secret, and only the scheme is kept. Too much is hidden rather
// than too little.
func safeEndpoint(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if ok {
		scheme += "://"
	} else {
		scheme, rest = "", s
	}
	at := strings.LastIndexByte(rest, '@')
	q := strings.IndexAny(rest, "?#")
	switch {
	case at >= 0 && q >= 0 && q < at:
		return scheme + redactedValue
	case at >= 0:
		rest = redactedValue + "@" + rest[at+1:]
		q = strings.IndexAny(rest, "?#")
	}
	if q >= 0 {
		rest = rest[:q] + "?" + redactedValue
	}
	return scheme + rest
}
