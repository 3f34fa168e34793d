// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// ServeHTTP forwards a request to the plugin, in the protocol version the
// plugin speaks: whole bodies in version 1 (forwardV1), streamed ones in
// version 2 (forwardV2).
//
// What the caller sees of a failure is short; the detail, which can name
// sockets, the plugin's command or its internals, goes to the log, with
// the request's trace id.
func (p *externalPlugin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	conn, state := p.conn, p.state
	p.mu.Unlock()
	switch {
	case conn == nil:
		w.Header().Set("Retry-After", "1")
		httpjson.Error(w, http.StatusServiceUnavailable, fmt.Sprintf("plugin %s is not available (%s)", p.id, state))
	case conn.v2 != nil:
		p.forwardV2(w, r, conn.v2)
	default:
		p.forwardV1(w, r, conn.v1)
	}
}

// forwardV1 reads the whole request body, makes one call and writes the
// whole response, bounded by limits.CallTimeout.
func (p *externalPlugin) forwardV1(w http.ResponseWriter, r *http.Request, pc pluginv1.PluginClient) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.limits.MaxRequestBody))
	if err != nil {
		if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
			p.tooLarge(w, tooLarge.Limit)
			return
		}
		p.logger.InfoContext(r.Context(), "reading a request body for an external plugin", "error", err)
		httpjson.Error(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	creds, _ := auth.CredentialsFromContext(r.Context())
	req := &pluginv1.CallResourceRequest{
		Method:     r.Method,
		Path:       strings.TrimPrefix(r.URL.Path, p.prefix()),
		RawQuery:   r.URL.RawQuery,
		Headers:    pluginproto.HeaderToProtoWithout(r.Header, forwardedHeader(r.Header)),
		Body:       body,
		Principal:  pluginproto.CredentialsToProto(creds),
		RemoteAddr: r.RemoteAddr,
		Host:       r.Host,
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.limits.CallTimeout)
	defer cancel()
	resp, err := pc.CallResource(ctx, req)
	if err != nil {
		p.callFailed(w, r, err)
		return
	}
	answered := pluginproto.HeaderFromProto(resp.GetHeaders())
	if p.writeHead(w, r, int(resp.GetStatus()), answered, resp.GetRoute(), int64(len(resp.GetBody()))) {
		_, _ = w.Write(resp.GetBody())
	}
}

// prefix is the plugin's mount without its final slash: "/api/weather".
func (p *externalPlugin) prefix() string { return "/api/" + p.id }

func (p *externalPlugin) tooLarge(w http.ResponseWriter, limit int64) {
	httpjson.Error(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit))
}

// callFailed answers a call that failed before the plugin answered.
func (p *externalPlugin) callFailed(w http.ResponseWriter, r *http.Request, err error) {
	code := status.Code(err)
	if code == codes.Canceled && r.Context().Err() == nil {
		// Not the caller: the connection to the plugin is closing, as
		// go-plugin closes it once the process has exited.
		code = codes.Unavailable
	}
	switch code {
	case codes.DeadlineExceeded:
		p.timedOut(w)
	case codes.Canceled:
		// The caller went away; nobody reads the answer.
	case codes.Unavailable:
		p.logger.ErrorContext(r.Context(), "external plugin unavailable", "error", err)
		httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s is unavailable", p.id))
	default:
		p.logger.ErrorContext(r.Context(), "external plugin call failed", "error", err)
		httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s failed", p.id))
	}
}

func (p *externalPlugin) timedOut(w http.ResponseWriter) {
	httpjson.Error(w, http.StatusGatewayTimeout, fmt.Sprintf("plugin %s did not answer within %v", p.id, p.limits.CallTimeout))
}

// writeHead writes the status and headers of a plugin's answer to w, with
// the host's own framing: bodyLen is the body's length, or -1 while it is
// not known (a streamed body, framed by net/http). It reports false when
// the status is invalid: the caller then got a 502 instead, and nothing of
// the answer.
func (p *externalPlugin) writeHead(w http.ResponseWriter, r *http.Request, code int, answered http.Header, route string, bodyLen int64) bool {
	if code < 200 || code > 599 {
		// A 1xx is about the connection (101 would hand it to the plugin's
		// answer); the rest are no status. The answer is not passed on.
		p.logger.ErrorContext(r.Context(), "external plugin answered an invalid status", "status", code)
		httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s answered an invalid status", p.id))
		return false
	}
	if route != "" {
		setRoute(r, p.prefix()+routePath(route))
	}
	dropped := passResponseHeader(w.Header(), answered)
	// Handlers set a true Content-Length (http.ServeContent does, and that
	// of a HEAD answer is the GET body's): only a false one is news. That
	// of a streamed body is checked at its end (see forwardV2).
	if len(dropped) > 0 && (bodyLen < 0 || answered.Get("Content-Length") == strconv.FormatInt(bodyLen, 10) || r.Method == http.MethodHead) {
		dropped = slices.DeleteFunc(dropped, func(name string) bool { return name == "Content-Length" })
	}
	if len(dropped) > 0 { // the names only: values can be anything
		p.logger.WarnContext(r.Context(), "dropped headers of an external plugin's response", "headers", dropped)
	}
	if bodyLen >= 0 && r.Method != http.MethodHead && code != http.StatusNoContent && code != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.FormatInt(bodyLen, 10))
	}
	w.WriteHeader(code)
	return true
}

// hopByHop are the headers of one connection, which a proxy does not pass
// on (RFC 9110, section 7.6.1; the list of net/http/httputil.ReverseProxy).
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// connectionNamed returns the canonical names that h's Connection headers
// list, which are hop-by-hop too (RFC 9110, section 7.6.1). This is what
// httputil.ReverseProxy removes; it exports no helper for it.
func connectionNamed(h http.Header) []string {
	var names []string
	for _, v := range h["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				names = append(names, http.CanonicalHeaderKey(name))
			}
		}
	}
	return names
}

// forwardedHeader reports whether a header of the caller's request h is
// not forwarded to the plugin: the caller's credentials (the principal says
// who is calling; tokens stay in the host), the hop-by-hop headers and
// those the caller's Connection header names.
func forwardedHeader(h http.Header) (drop func(name string) bool) {
	named := connectionNamed(h)
	return func(name string) bool {
		return name == "Authorization" || name == "Cookie" || slices.Contains(hopByHop, name) || slices.Contains(named, name)
	}
}

// passResponseHeader copies into dst the headers of a plugin's response h
// that the host passes on, and returns the names of those it drops: the
// hop-by-hop ones, those the response's Connection header names, any
// Proxy-* and Content-Length. The host frames the body itself: a plugin
// that says Content-Length: 5 of a longer body would have it cut short.
func passResponseHeader(dst, h http.Header) []string {
	named := connectionNamed(h)
	var dropped []string
	for name, values := range h {
		if name == "Content-Length" || slices.Contains(hopByHop, name) || slices.Contains(named, name) || strings.HasPrefix(name, "Proxy-") {
			dropped = append(dropped, name)
			continue
		}
		dst[name] = values
	}
	slices.Sort(dropped)
	return dropped
}
