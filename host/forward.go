// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// ServeHTTP forwards a request to the plugin.
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
		httpjson.Error(w, http.StatusBadRequest, "reading request body: "+err.Error())
		return
	}
	creds, _ := auth.CredentialsFromContext(r.Context())
	prefix := "/api/" + p.id
	req := &pluginproto.CallResourceRequest{
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
		default:
			httpjson.Error(w, http.StatusBadGateway, fmt.Sprintf("plugin %s failed: %s", p.id, status.Convert(err).Message()))
		}
		return
	}
	if route := resp.GetRoute(); route != "" {
		setRoute(r, prefix+routePath(route))
	}
	for name, values := range pluginproto.HeaderFromProto(resp.GetHeaders()) {
		w.Header()[name] = values
	}
	w.WriteHeader(int(resp.GetStatus()))
	_, _ = w.Write(resp.GetBody())
}

// forwardedHeader drops the caller's credentials (the principal says who is
// calling; tokens stay in the host) and hop-by-hop headers.
func forwardedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range []string{"Authorization", "Cookie", "Connection", "Keep-Alive", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		out.Del(name)
	}
	return out
}
