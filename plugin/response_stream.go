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
// the ResponseHead with the body buffered so far, and the rest of the body
// in parts of at most pluginproto.BodyPartSize. A response that fits in
// one part and is not flushed goes in one message: its head, marked end.
// It buffers at most one part: a send blocks under gRPC's flow control
// while the host, and so the caller, is slow to read, which slows the
// handler's Write down in turn.
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

// end sends the rest once the handler has returned. A response whose head
// has not gone out yet goes whole, in one message: its head, marked end,
// with the body in it.
func (w *responseStream) end() error {
	if w.err != nil {
		return w.err
	}
	if w.sent {
		return w.flushBuffer()
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.sniff(w.buf)
	return w.sendHead(w.buf, true)
}

// flushBuffer sends the head if it has not gone out, with the buffered
// body in it, or else the buffered body.
func (w *responseStream) flushBuffer() error {
	var err error
	if !w.sent {
		w.sniff(w.buf)
		err = w.sendHead(w.buf, false)
	} else if len(w.buf) > 0 {
		err = w.sendMsg(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: w.buf}})
	}
	w.buf = w.buf[:0]
	return err
}

// send sends one body part: in the head, if it has not gone out. The
// message is encoded before Send returns, so part may be reused.
func (w *responseStream) send(part []byte) error {
	if !w.sent {
		w.sniff(part)
		return w.sendHead(part, false)
	}
	return w.sendMsg(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Body{Body: part}})
}

// sendHead sends the head, with body, the beginning of the body, or, when
// end is set, all of it.
func (w *responseStream) sendHead(body []byte, end bool) error {
	w.sent = true
	return w.sendMsg(&pluginv2.CallResourceResponse{Part: &pluginv2.CallResourceResponse_Head{Head: &pluginv2.ResponseHead{
		Status:  int32(w.code),
		Headers: pluginproto.HeaderToProtoV2(w.header),
		Route:   w.r.Pattern, // set by an http.ServeMux as it routes r
		Body:    body,
		End:     end,
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
