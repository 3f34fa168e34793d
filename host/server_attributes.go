// SPDX-License-Identifier: Apache-2.0

package host

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// The attributes of the host's server spans and metrics, as the HTTP
// semantic conventions name them and otelhttp's handler sets them.

// requestAttributes are the attributes of a request, known when its server
// span starts.
func requestAttributes(r *http.Request) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 12)
	host, port := splitHostPort(r.Host)
	method, original := methodAttributes(r.Method)
	attrs = append(attrs, semconv.ServerAddress(host), method, schemeAttribute(r))
	if port = requiredPort(r.TLS != nil, port); port > 0 {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if original.Valid() {
		attrs = append(attrs, original)
	}
	peer, peerPort := splitHostPort(r.RemoteAddr)
	if peer != "" {
		attrs = append(attrs, semconv.NetworkPeerAddress(peer))
		if peerPort > 0 {
			attrs = append(attrs, semconv.NetworkPeerPort(peerPort))
		}
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginal(ua))
	}
	// The client is the first of X-Forwarded-For, else the peer.
	client, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
	if client == "" {
		client = peer
	}
	if client != "" {
		attrs = append(attrs, semconv.ClientAddress(client))
	}
	if r.URL != nil && r.URL.Path != "" {
		attrs = append(attrs, semconv.URLPath(r.URL.Path))
	}
	name, version := protocol(r.Proto)
	if name != "" && name != "http" {
		attrs = append(attrs, semconv.NetworkProtocolName(name))
	}
	if version != "" {
		attrs = append(attrs, semconv.NetworkProtocolVersion(version))
	}
	return attrs
}

// responseAttributes are the attributes of an answer: its status and the
// body bytes read and written.
func responseAttributes(status int, read, written int64) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 3)
	if read > 0 {
		attrs = append(attrs, semconv.HTTPRequestBodySize(int(read)))
	}
	if written > 0 {
		attrs = append(attrs, semconv.HTTPResponseBodySize(int(written)))
	}
	if status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	}
	return attrs
}

// methods are the http.request.method values of the methods the
// conventions know.
var methods = map[string]attribute.KeyValue{
	http.MethodConnect: semconv.HTTPRequestMethodConnect,
	http.MethodDelete:  semconv.HTTPRequestMethodDelete,
	http.MethodGet:     semconv.HTTPRequestMethodGet,
	http.MethodHead:    semconv.HTTPRequestMethodHead,
	http.MethodOptions: semconv.HTTPRequestMethodOptions,
	http.MethodPatch:   semconv.HTTPRequestMethodPatch,
	http.MethodPost:    semconv.HTTPRequestMethodPost,
	http.MethodPut:     semconv.HTTPRequestMethodPut,
	http.MethodTrace:   semconv.HTTPRequestMethodTrace,
}

// methodAttributes returns http.request.method, and
// http.request.method_original for a method that is not written as the
// conventions know it.
func methodAttributes(method string) (attribute.KeyValue, attribute.KeyValue) {
	if method == "" {
		return semconv.HTTPRequestMethodOther, attribute.KeyValue{}
	}
	if attr, ok := methods[method]; ok {
		return attr, attribute.KeyValue{}
	}
	original := semconv.HTTPRequestMethodOriginal(method)
	if attr, ok := methods[strings.ToUpper(method)]; ok {
		return attr, original
	}
	return semconv.HTTPRequestMethodOther, original
}

func schemeAttribute(r *http.Request) attribute.KeyValue {
	if r.TLS != nil {
		return semconv.URLScheme("https")
	}
	return semconv.URLScheme("http")
}

// splitHostPort splits "host:port", "[v6]:port", "host" or "[v6]"; the
// port is -1 when there is none or it is not a port number.
func splitHostPort(hostport string) (string, int) {
	if strings.HasPrefix(hostport, "[") {
		end := strings.LastIndexByte(hostport, ']')
		if end < 0 {
			return "", -1
		}
		if !strings.Contains(hostport[end:], ":") {
			return hostport[1:end], -1
		}
	} else if !strings.Contains(hostport, ":") {
		return hostport, -1
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return host, -1
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return host, -1
	}
	return host, int(p)
}

// requiredPort returns port unless it is the scheme's default (or none).
func requiredPort(https bool, port int) int {
	if port <= 0 || (https && port == 443) || (!https && port == 80) {
		return -1
	}
	return port
}

// protocol splits "HTTP/1.1" into the conventions' "http" and "1.1".
func protocol(proto string) (string, string) {
	name, version, _ := strings.Cut(proto, "/")
	return strings.ToLower(name), version
}
