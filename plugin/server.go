// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"bytes"
	"context"
	"fmt"
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

// server serves the plugin's http.Handler as the Plugin gRPC service.
type server struct {
	pluginv1.UnimplementedPluginServer
	handler   http.Handler
	telemetry *telemetry
	logger    *slog.Logger
}

var _ pluginv1.PluginServer = (*server)(nil)

// CallResource turns the call into an http.Request, whose context carries
// the gRPC server span (a child of the host's client span) and the caller's
// credentials, and returns what the handler wrote.
func (s *server) CallResource(ctx context.Context, req *pluginv1.CallResourceRequest) (*pluginv1.CallResourceResponse, error) {
	ctx = auth.ContextWithCredentials(ctx, pluginproto.CredentialsFromProto(req.GetPrincipal()))
	r, err := http.NewRequestWithContext(ctx, req.GetMethod(), "/", bytes.NewReader(req.GetBody()))
	if err != nil {
		return nil, fmt.Errorf("plugin: request: %w", err)
	}
	r.URL = &url.URL{Path: req.GetPath(), RawQuery: req.GetRawQuery()}
	r.RequestURI = r.URL.RequestURI()
	r.Header = pluginproto.HeaderFromProto(req.GetHeaders())
	// The headers carry the host's caller's trace context; replace it with
	// this call's, so that a handler that extracts it (otelhttp.NewHandler,
	// say) continues the trace under the plugin's server span.
	prop := s.telemetry.prop
	for _, f := range prop.Fields() {
		r.Header.Del(f)
	}
	prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	r.Host = req.GetHost()
	r.RemoteAddr = req.GetRemoteAddr()
	r.ContentLength = int64(len(req.GetBody()))

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
func (s *server) serve(w *responseBuffer, r *http.Request) {
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
func (s *server) CheckHealth(context.Context, *pluginv1.CheckHealthRequest) (*pluginv1.CheckHealthResponse, error) {
	return &pluginv1.CheckHealthResponse{Status: pluginv1.CheckHealthResponse_STATUS_OK}, nil
}

// Flush exports the plugin's spans; the host calls it before stopping the
// plugin.
func (s *server) Flush(ctx context.Context, _ *pluginv1.FlushRequest) (*pluginv1.FlushResponse, error) {
	if err := s.telemetry.ForceFlush(ctx); err != nil {
		return nil, err
	}
	return &pluginv1.FlushResponse{}, nil
}

// responseBuffer is the http.ResponseWriter of a forwarded request: the
// whole response goes back to the host in one message.
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
