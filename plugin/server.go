// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"

	"go.opentelemetry.io/otel/propagation"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/panics"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// server serves the plugin's http.Handler; serverV1 and serverV2 speak the
// protocol's versions, go-plugin picks one per process.
type server struct {
	handler   http.Handler
	telemetry *telemetry
	logger    *slog.Logger
}

// requestHead is what a call says of its request, in either version.
type requestHead struct {
	method, path, rawQuery string
	header                 http.Header
	creds                  auth.Credentials
	remoteAddr, host       string
	contentLength          int64 // -1: unknown
}

// request builds the handler's request. Its context is ctx, which carries
// the gRPC server span (a child of the host's client span) and ends with
// the call, with the caller's credentials added.
func (s *server) request(ctx context.Context, h requestHead, body io.Reader) (*http.Request, error) {
	ctx = auth.ContextWithCredentials(ctx, h.creds)
	r, err := http.NewRequestWithContext(ctx, h.method, "/", body)
	if err != nil {
		return nil, fmt.Errorf("plugin: request: %w", err)
	}
	r.URL = &url.URL{Path: h.path, RawQuery: h.rawQuery}
	r.RequestURI = r.URL.RequestURI()
	r.Header = h.header
	// The headers carry the host's caller's trace context; replace it with
	// this call's, so that a handler that extracts it (otelhttp.NewHandler,
	// say) continues the trace under the plugin's server span.
	for _, f := range s.telemetry.fields {
		delete(r.Header, f)
	}
	s.telemetry.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	r.Host = h.host
	r.RemoteAddr = h.remoteAddr
	r.ContentLength = h.contentLength
	return r, nil
}

// flush exports the plugin's spans; the host asks before stopping the
// plugin.
func (s *server) flush(ctx context.Context) error { return s.telemetry.ForceFlush(ctx) }

// serverV1 serves protocol version 1: each call carries the whole request,
// and its answer the whole response.
type serverV1 struct {
	pluginv1.UnimplementedPluginServer
	*server
}

var _ pluginv1.PluginServer = (*serverV1)(nil)

// CallResource turns the call into an http.Request and returns what the
// handler wrote.
func (s *serverV1) CallResource(ctx context.Context, req *pluginv1.CallResourceRequest) (*pluginv1.CallResourceResponse, error) {
	r, err := s.request(ctx, requestHead{
		method: req.GetMethod(), path: req.GetPath(), rawQuery: req.GetRawQuery(),
		header: pluginproto.HeaderFromProto(req.GetHeaders()),
		creds:  pluginproto.CredentialsFromProto(req.GetPrincipal()),
		host:   req.GetHost(), remoteAddr: req.GetRemoteAddr(),
		contentLength: int64(len(req.GetBody())),
	}, bytes.NewReader(req.GetBody()))
	if err != nil {
		return nil, err
	}
	w := &responseBuffer{header: http.Header{}}
	s.serve(w, r)
	return &pluginv1.CallResourceResponse{
		Status:  int32(w.status()),
		Headers: pluginproto.HeaderToProto(w.header),
		Body:    w.body.Bytes(),
		Route:   r.Pattern, // set by an http.ServeMux as it routes r
	}, nil
}

// serve runs the handler; a panic becomes a 500 recorded on the server span,
// as in the host, and the plugin keeps serving.
func (s *serverV1) serve(w *responseBuffer, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			panics.Record(r, s.logger, v)
			w.reset()
			httpjson.Error(w, http.StatusInternalServerError, "internal error")
		}
	}()
	s.handler.ServeHTTP(w, r)
}

// CheckHealth answers OK once the handler is being served.
func (s *serverV1) CheckHealth(context.Context, *pluginv1.CheckHealthRequest) (*pluginv1.CheckHealthResponse, error) {
	return &pluginv1.CheckHealthResponse{Status: pluginv1.CheckHealthResponse_STATUS_OK}, nil
}

// Flush exports the plugin's spans.
func (s *serverV1) Flush(ctx context.Context, _ *pluginv1.FlushRequest) (*pluginv1.FlushResponse, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	return &pluginv1.FlushResponse{}, nil
}

// responseBuffer is the http.ResponseWriter of a version 1 call: the whole
// response goes back to the host in one message.
type responseBuffer struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

var (
	_ http.ResponseWriter = (*responseBuffer)(nil)
	_ http.Flusher        = (*responseBuffer)(nil)
)

func (w *responseBuffer) Header() http.Header { return w.header }

func (w *responseBuffer) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *responseBuffer) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if w.header.Get("Content-Type") == "" {
		w.header.Set("Content-Type", http.DetectContentType(b))
	}
	return w.body.Write(b)
}

// Flush is a no-op: the response is sent whole.
func (w *responseBuffer) Flush() {}

func (w *responseBuffer) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func (w *responseBuffer) reset() {
	w.header = http.Header{}
	w.code = 0
	w.body.Reset()
}
