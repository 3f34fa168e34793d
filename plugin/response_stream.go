// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"net/http"

	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// responseStream is the http.ResponseWriter of a version 2 call. Like
// net/http's own, it holds the status and headers back until the first
// flush (an explicit Flush, a full buffer, or the handler's return), so
// that a Content-Type can still be sniffed from the body; then it sends
// the ResponseHead, and the body in parts of at most
// pluginproto.BodyPartSize. It buffers at most one part: a send blocks
// under gRPC's flow control while the host, and so the caller, is slow to
// read, which slows the handler's Write down in turn.
//
// http.NewResponseController(w).Flush works on it, and EnableFullDuplex
// succeeds: the request body can be read while the response is written.
type responseStream struct {
	stream pluginv2.Plugin_CallResourceServer
	r      *http.Request // for its Pattern, once routed
	header http.Header
	code   int    // 0 until WriteHeader or Write
	sent   bool   // the head went out
	buf    []byte // body not sent yet, at most BodyPartSize
	err    error  // the first failed send: the call is over
}

var (
	_ http.ResponseWriter = (*responseStream)(nil)
	_ http.Flusher        = (*responseStream)(nil)
)

func newResponseStream(stream pluginv2.Plugin_CallResourceServer, r *http.Request) *responseStream {
	return &responseStream{stream: stream, r: r, header: http.Header{}}
}

func (w *responseStream) Header() http.Header { return w.header }

// WriteHeader sets the status. Informational statuses (1xx) are not
// passed on: the protocol carries final responses only.
func (w *responseStream) WriteHeader(code int) {
	if w.code != 0 || w.sent || code < 200 {
		return
	}
	w.code = code
}

func (w *responseStream) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if !bodyAllowed(w.code) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.r.Method == http.MethodHead {
		if !w.sent {
			w.sniff(p)
		}
		return len(p), nil // the host sends no body either
	}
	n := 0
	for len(p) > 0 {
		if len(w.buf) == 0 && len(p) >= pluginproto.BodyPartSize {
			if err := w.send(p[:pluginproto.BodyPartSize]); err != nil {
				return n, err
			}
			n += pluginproto.BodyPartSize
			p = p[pluginproto.BodyPartSize:]
			continue
		}
		k := min(len(p), pluginproto.BodyPartSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		n += k
		p = p[k:]
		if len(w.buf) == pluginproto.BodyPartSize {
			if err := w.flushBuffer(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Flush sends what the handler wrote so far, the head included.
func (w *responseStream) Flush() { _ = w.FlushError() }

// FlushError is Flush, reporting a failed send; http.ResponseController
// uses it.
func (w *responseStream) FlushError() error {
	if w.err != nil {
		return w.err
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.flushBuffer()
}

// EnableFullDuplex succeeds: the request body stays readable while the
// response is written.
func (w *responseStream) EnableFullDuplex() error { return nil }

// began reports whether the head went out, after which the response can no
// longer change.
func (w *responseStream) began() bool { return w.sent }

// reset forgets what the handler wrote before the head went out.
func (w *responseStream) reset() {
	w.header = http.Header{}
	w.code = 0
	w.buf = nil
}

// end sends the rest once the handler has returned.
func (w *responseStream) end() error { return w.FlushError() }

// flushBuffer sends the head if it has not gone out, and the buffered body.
func (w *responseStream) flushBuffer() error {
	if len(w.buf) == 0 {
		return w.sendHead()
	}
	err := w.send(w.buf)
	w.buf = w.buf[:0]
	return err
}

// send sends one body part, after the head. The message is encoded before
// Send returns, so part may be reused.
func (w *responseStream) send(part []byte) error {
	if !w.sent {
		w.sniff(part)
	}
	if err := w.sendHead(); err != nil {
		return err
	}
	return w.sendMsg(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: part}})
}

func (w *responseStream) sendHead() error {
	if w.sent {
		return nil
	}
	w.sent = true
	return w.sendMsg(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Head{Head: &pluginv2.ResponseHead{
		Status:  int32(w.code),
		Headers: pluginproto.HeaderToProtoV2(w.header),
		Route:   w.r.Pattern, // set by an http.ServeMux as it routes r
	}}})
}

func (w *responseStream) sendMsg(m *pluginv2.CallResourceResponse) error {
	if w.err != nil {
		return w.err
	}
	w.err = w.stream.Send(m)
	return w.err
}

// sniff sets a Content-Type from the body's first bytes when the handler
// set none, as net/http does.
func (w *responseStream) sniff(p []byte) {
	if _, set := w.header["Content-Type"]; !set && len(p) > 0 && bodyAllowed(w.code) {
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
}

// bodyAllowed reports whether a response with status code may have a body
// (RFC 9110, sections 15.3.5 and 15.4.5).
func bodyAllowed(code int) bool {
	return code != http.StatusNoContent && code != http.StatusNotModified
}
