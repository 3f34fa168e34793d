// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"

	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/panics"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// serverV2 serves protocol version 2: both bodies stream, so the handler
// reads the request body as the host sends it and the caller receives the
// response as the handler flushes it.
type serverV2 struct {
	pluginv2.UnimplementedPluginServer
	*server
	describe *pluginv2.DescribeResponse
}

var _ pluginv2.PluginServer = (*serverV2)(nil)

// Describe returns the version and public routes of ManageOpts.
func (s *serverV2) Describe(context.Context, *pluginv2.DescribeRequest) (*pluginv2.DescribeResponse, error) {
	return s.describe, nil
}

// CallResource serves one request. The handler's r.Context() is the call's:
// it ends when the host cancels the call, as it does when the caller goes
// away.
func (s *serverV2) CallResource(stream pluginv2.Plugin_CallResourceServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	head := first.GetHead()
	if head == nil {
		return status.Error(codes.InvalidArgument, "the first message of a call must be its RequestHead")
	}
	var body io.ReadCloser = http.NoBody
	switch {
	case head.GetEnd():
		// The whole request came in its head: nothing more to receive.
		if len(head.GetBody()) > 0 {
			body = &requestBody{part: head.GetBody(), err: io.EOF}
		}
	case head.GetContentLength() != 0 || len(head.GetBody()) > 0:
		body = &requestBody{part: head.GetBody(), recv: stream.Recv}
	}
	r, err := s.request(stream.Context(), requestHead{
		method: head.GetMethod(), path: head.GetPath(), rawQuery: head.GetRawQuery(),
		header: pluginproto.HeaderFromProtoV2(head.GetHeaders()),
		creds:  pluginproto.CredentialsFromProtoV2(head.GetPrincipal()),
		host:   head.GetHost(), remoteAddr: head.GetRemoteAddr(),
		contentLength: head.GetContentLength(),
	}, body)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	w := newResponseStream(stream, r)
	if err := s.serve(w, r); err != nil {
		return err
	}
	return w.end()
}

// serve runs the handler. A panic before the response began becomes a 500
// recorded on the server span, as in the host; after that, the call fails
// and the host breaks the caller's response off. http.ErrAbortHandler
// breaks it off without being recorded, as in net/http.
func (s *serverV2) serve(w *responseStream, r *http.Request) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { //nolint:errorlint // recover returns panic's value, never a wrapped error
			err = status.Error(codes.Aborted, "the handler aborted its response")
			return
		}
		panics.Record(r, s.logger, v)
		if w.began() {
			err = status.Error(codes.Internal, "the handler panicked after its response began")
			return
		}
		w.reset()
		httpjson.Error(w, http.StatusInternalServerError, "internal error")
	}()
	s.handler.ServeHTTP(w, r)
	return nil
}

// CheckHealth answers OK once the handler is being served.
func (s *serverV2) CheckHealth(context.Context, *pluginv2.CheckHealthRequest) (*pluginv2.CheckHealthResponse, error) {
	return &pluginv2.CheckHealthResponse{Status: pluginv2.CheckHealthResponse_STATUS_OK}, nil
}

// Flush exports the plugin's spans.
func (s *serverV2) Flush(ctx context.Context, _ *pluginv2.FlushRequest) (*pluginv2.FlushResponse, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	return &pluginv2.FlushResponse{}, nil
}

// requestBody is r.Body of a version 2 call: it reads the body parts as the
// handler asks for them, so that gRPC's flow control holds the host (and
// the caller) back while the handler is slow to read. An error of the call
// (the host cancelled it, say because the body went over its limit) is the
// error of Read: a body cut short never ends in io.EOF.
type requestBody struct {
	recv   func() (*pluginv2.CallResourceRequest, error)
	part   []byte
	err    error
	closed atomic.Bool
}

var _ io.ReadCloser = (*requestBody)(nil)

func (b *requestBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, http.ErrBodyReadAfterClose
	}
	for len(b.part) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		msg, err := b.recv()
		switch {
		case err != nil: // io.EOF: the host sent the whole body
			b.err = err
		case msg.GetHead() != nil:
			b.err = errors.New("plugin: the host sent a second RequestHead")
		default:
			b.part = msg.GetBody()
		}
	}
	n := copy(p, b.part)
	b.part = b.part[n:]
	return n, nil
}

// Close makes later reads fail. What the handler did not read is dropped
// when the call ends.
func (b *requestBody) Close() error {
	b.closed.Store(true)
	return nil
}
