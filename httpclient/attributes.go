// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// The attributes of a client span, after the HTTP semantic conventions
// (semconv v1.40.0), built without allocating except for url.full.

// method is what a span and its metrics say about a request's method.
type method struct {
	spanName string
	attr     attribute.KeyValue // http.request.method
	original string             // http.request.method_original, for a method outside the standard set
}

// requestMethod follows the conventions for client spans without a URL
// template: the span is named after a standard method and "HTTP" for any
// other, whose http.request.method is then _OTHER. Methods are case
// sensitive; an empty one means GET, as in net/http.
func requestMethod(m string) method {
	var a attribute.KeyValue
	switch m {
	case "", http.MethodGet:
		return method{spanName: http.MethodGet, attr: semconv.HTTPRequestMethodGet}
	case http.MethodPost:
		a = semconv.HTTPRequestMethodPost
	case http.MethodPut:
		a = semconv.HTTPRequestMethodPut
	case http.MethodDelete:
		a = semconv.HTTPRequestMethodDelete
	case http.MethodHead:
		a = semconv.HTTPRequestMethodHead
	case http.MethodPatch:
		a = semconv.HTTPRequestMethodPatch
	case http.MethodOptions:
		a = semconv.HTTPRequestMethodOptions
	case http.MethodConnect:
		a = semconv.HTTPRequestMethodConnect
	case http.MethodTrace:
		a = semconv.HTTPRequestMethodTrace
	default:
		return method{spanName: "HTTP", attr: semconv.HTTPRequestMethodOther, original: m}
	}
	return method{spanName: m, attr: a}
}

// requestAttributes appends to buf the attributes known before sending r:
// http.request.method (and http.request.method_original), url.full,
// server.address and server.port.
func requestAttributes(r *http.Request, m method, buf []attribute.KeyValue) []attribute.KeyValue {
	buf = append(buf, m.attr)
	if m.original != "" {
		buf = append(buf, semconv.HTTPRequestMethodOriginal(m.original))
	}
	if r.URL != nil {
		buf = append(buf, semconv.URLFull(fullURL(r.URL)))
	}
	host, port := serverAddress(r)
	if host != "" {
		buf = append(buf, semconv.ServerAddress(host))
	}
	if port > 0 {
		buf = append(buf, semconv.ServerPort(port))
	}
	return buf
}

// serverAddress is the host and port r is sent to, from its URL (or its Host
// field, for a URL without one). The port is the scheme's default when the
// URL has none, and 0 when unknown.
func serverAddress(r *http.Request) (string, int) {
	var hostport, scheme string
	if r.URL != nil {
		hostport, scheme = r.URL.Host, r.URL.Scheme
	}
	if hostport == "" {
		hostport = r.Host
	}
	u := url.URL{Host: hostport}
	if port, err := strconv.Atoi(u.Port()); err == nil && port > 0 && port <= 65535 {
		return u.Hostname(), port
	}
	switch scheme {
	case "http":
		return u.Hostname(), 80
	case "https":
		return u.Hostname(), 443
	}
	return u.Hostname(), 0
}

// responseAttributes appends to buf the attributes of a response:
// http.response.status_code, network.protocol.version (and, for a protocol
// other than HTTP, network.protocol.name) and, for a status that is an error
// for a client (4xx, 5xx, or outside 100-599), error.type. It returns the
// span status too.
func responseAttributes(res *http.Response, buf []attribute.KeyValue) ([]attribute.KeyValue, codes.Code, string) {
	sc := res.StatusCode
	if sc > 0 {
		buf = append(buf, semconv.HTTPResponseStatusCode(sc))
	}
	buf = appendProtocol(buf, res.Proto)
	switch {
	case sc < 100 || sc >= 600:
		buf = append(buf, semconv.ErrorTypeKey.String(strconv.Itoa(sc)))
		return buf, codes.Error, fmt.Sprintf("Invalid HTTP status code %d", sc)
	case sc >= 400:
		buf = append(buf, semconv.ErrorTypeKey.String(strconv.Itoa(sc)))
		return buf, codes.Error, ""
	}
	return buf, codes.Unset, ""
}

// appendProtocol appends network.protocol.version for proto ("HTTP/1.1"),
// and network.protocol.name when the protocol is not HTTP.
func appendProtocol(buf []attribute.KeyValue, proto string) []attribute.KeyValue {
	switch proto {
	case "HTTP/1.1":
		return append(buf, semconv.NetworkProtocolVersion("1.1"))
	case "HTTP/2.0":
		return append(buf, semconv.NetworkProtocolVersion("2"))
	case "HTTP/1.0":
		return append(buf, semconv.NetworkProtocolVersion("1.0"))
	case "":
		return buf
	}
	name, version, _ := strings.Cut(proto, "/")
	if name != "HTTP" {
		buf = append(buf, semconv.NetworkProtocolName(strings.ToLower(name)))
	}
	if version != "" {
		buf = append(buf, semconv.NetworkProtocolVersion(version))
	}
	return buf
}
