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

// ServeHTTP forwards a request to the plugin.
//
// What the caller sees of a failure is short; the detail, which can name
// sockets, the plugin's command or its internals, goes to the log, with
// the request's trace id.
func (p *externalPlugin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	pc, state := p.rpc, p.state
	p.mu.Unlock()
	if pc == nil {
		w.Header().Set("Retry-After", "1")
		httpjson.Error(w, http.StatusServiceUnavailable, fmt.Sprintf("plugin %s is not available (%s)", p.id, state))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.limits.MaxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			httpjson.Error(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", tooLarge.Limit))
			return
		}
		p.logger.InfoContext(r.Context(), "reading a request body for an external plugin", "error", err)
		httpjson.Error(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	creds, _ := auth.CredentialsFromContext(r.Context())
	prefix := "/api/" + p.id
	req := &pluginv1.CallResourceRequest{
		Method:     r.Method,
		Path:       strings.TrimPrefix(r.URL.Path, prefix),
		RawQuery:   r.URL.RawQuery,
		Headers:    pluginproto.HeaderToProto(forwardedHeader(r.Header)),
		Body:       body,
		Principal:  pluginproto.CredentialsToProto(creds),
		RemoteAddr: r.RemoteAddr,
		Host:       r.Host,
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.limits.CallTimeout)
	defer cancel()
	resp, err := pc.CallResource(ctx, req)
	if err != nil {
		switch status.Code(err) {
		case codes.DeadlineExceeded:
			httpjson.Error(w, http.StatusGatewayTimeout, fmt.Sprintf("plugin %s did not answer within %v", p.id, p.limits.CallTimeout))
		case codes.Canceled:
			// The caller went away; nobody reads the answer.
		case codes.Unavailable:
			p.logger.ErrorContext(r.Context(), "external plugin unavailable", "error", err)
			httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s is unavailable", p.id))
		default:
			p.logger.ErrorContext(r.Context(), "external plugin call failed", "error", err)
			httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s failed", p.id))
		}
		return
	}
	code := int(resp.GetStatus())
	if code < 200 || code > 599 {
		// A 1xx is about the connection (101 would hand it to the plugin's
		// answer); the rest are no status. The answer is not passed on.
		p.logger.ErrorContext(r.Context(), "external plugin answered an invalid status", "status", code)
		httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s answered an invalid status", p.id))
		return
	}
	if route := resp.GetRoute(); route != "" {
		setRoute(r, prefix+routePath(route))
	}
	answered := pluginproto.HeaderFromProto(resp.GetHeaders())
	header, dropped := responseHeader(answered)
	// Handlers set a true Content-Length (http.ServeContent does, and that
	// of a HEAD answer is the GET body's): only a false one is news.
	if answered.Get("Content-Length") == strconv.Itoa(len(resp.GetBody())) || r.Method == http.MethodHead {
		dropped = slices.DeleteFunc(dropped, func(name string) bool { return name == "Content-Length" })
	}
	if len(dropped) > 0 { // the names only: values can be anything
		p.logger.WarnContext(r.Context(), "dropped headers of an external plugin's response", "headers", dropped)
	}
	for name, values := range header {
		w.Header()[name] = values
	}
	if r.Method != http.MethodHead && code != http.StatusNoContent && code != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.GetBody())))
	}
	w.WriteHeader(code)
	_, _ = w.Write(resp.GetBody())
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

// forwardedHeader drops the caller's credentials (the principal says who is
// calling; tokens stay in the host), the hop-by-hop headers and those the
// caller's Connection header names.
func forwardedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range connectionNamed(h) {
		out.Del(name)
	}
	for _, name := range append([]string{"Authorization", "Cookie"}, hopByHop...) {
		out.Del(name)
	}
	return out
}

// responseHeader returns the headers of a plugin's response that the host
// passes on, and the names of those it drops: the hop-by-hop ones, those
// the response's Connection header names, any Proxy-* and Content-Length.
// The host frames the body itself: a plugin that says Content-Length: 5 of
// a longer body would have it cut short.
func responseHeader(h http.Header) (http.Header, []string) {
	drop := map[string]bool{"Content-Length": true}
	for _, name := range hopByHop {
		drop[name] = true
	}
	for _, name := range connectionNamed(h) {
		drop[name] = true
	}
	out := make(http.Header, len(h))
	var dropped []string
	for name, values := range h {
		if drop[name] || strings.HasPrefix(name, "Proxy-") {
			dropped = append(dropped, name)
			continue
		}
		out[name] = values
	}
	slices.Sort(dropped)
	return out, dropped
}
