// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// forwardV2 forwards a request as one version 2 call, streaming both
// bodies: nothing holds more than a body part of either.
//
// The call's context is the request's, so that the caller going away
// cancels it, and with it the plugin handler's context. limits.CallTimeout
// bounds only the wait for the plugin's ResponseHead (504), and only the
// time spent waiting for the plugin (see headWait); after the head, the
// call lasts as long as the plugin sends and the caller reads, and this
// handler returns only at its end, so that the server span and the gRPC
// client span cover the whole stream.
//
// The request body goes in parts of pluginproto.BodyPartSize, read through
// http.MaxBytesReader, beside the response: a plugin can answer before it
// has read the body. The response is written as its head and each body
// part arrive, with a flush after each, so that Server-Sent Events reach
// the caller as the plugin flushes them. net/http frames it (chunked in
// HTTP/1.1): the plugin's Content-Length is not passed on.
//
// A failure before the head answers as in version 1 (413, 400, 502, 503,
// 504, short messages). A failure after it can only break the response
// off: the handler panics with http.ErrAbortHandler, and the caller sees a
// truncated response, never a complete-looking one.
func (p *externalPlugin) forwardV2(w http.ResponseWriter, r *http.Request, pc pluginv2.PluginClient) {
	limit := p.limits.MaxRequestBody
	if r.ContentLength > limit {
		p.tooLarge(w, limit)
		return
	}
	rc := http.NewResponseController(w)
	if r.ContentLength != 0 {
		// Without it, HTTP/1 net/http consumes or drops the rest of the
		// request body once the response head goes out. (HTTP/2 is full
		// duplex already, and says ErrNotSupported.)
		_ = rc.EnableFullDuplex()
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stream, err := pc.CallResource(ctx)
	if err != nil {
		p.callFailed(w, r, err)
		return
	}
	wait := newHeadWait(p.limits.CallTimeout, cancel)
	up := p.newUpload(stream, r, w, rc, cancel, wait)
	if up.body == nil {
		up.run() // the head alone: nothing to wait for beside the response
	} else {
		go up.run()
	}
	defer up.stop() // cancels the call and waits for run to end

	first, err := stream.Recv()
	if wait.end() {
		cancel()
		if r.Context().Err() == nil {
			p.timedOut(w)
		}
		return
	}
	if err != nil {
		p.failedBeforeHead(w, r, up, err)
		return
	}
	head := first.GetHead()
	if head == nil {
		p.logger.ErrorContext(r.Context(), "external plugin broke the protocol: its answer did not begin with a ResponseHead")
		httpjson.Error(w, http.StatusBadGateway, "plugin "+p.id+" failed")
		return
	}
	answered := pluginproto.HeaderFromProtoV2(head.GetHeaders())
	code := int(head.GetStatus())
	withBody := r.Method != http.MethodHead && code != http.StatusNoContent && code != http.StatusNotModified
	if head.GetEnd() {
		p.answerWhole(w, r, stream, wait, head, code, answered, withBody)
		return
	}
	if !p.writeHead(w, r, code, answered, head.GetRoute(), -1) {
		return
	}
	var n int64
	if part := head.GetBody(); withBody && len(part) > 0 {
		if _, err := w.Write(part); err != nil {
			return // the caller went away; the deferred cancel ends the call
		}
		n += int64(len(part))
	}
	_ = rc.Flush() // the caller sees the head when the plugin sent it
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) { // the plugin ended the call with OK
			break
		}
		if err != nil {
			p.breakOff(r, up, err)
			return
		}
		if msg.GetHead() != nil {
			p.breakOff(r, up, errors.New("a second ResponseHead"))
			return
		}
		part := msg.GetBody()
		if !withBody || len(part) == 0 {
			continue
		}
		if _, err := w.Write(part); err != nil {
			return // the caller went away; the deferred cancel ends the call
		}
		n += int64(len(part))
		if err := rc.Flush(); err != nil {
			return
		}
	}
	// As in version 1, only a false Content-Length is news.
	if declared := answered.Get("Content-Length"); declared != "" && withBody && declared != strconv.FormatInt(n, 10) {
		p.logger.WarnContext(r.Context(), "dropped headers of an external plugin's response",
			"headers", []string{"Content-Length"}, "reason", "it did not match the body")
	}
}

// answerWhole writes an answer that came whole, in its head: framed with
// a Content-Length, as in version 1, and written at once, without a flush
// of its own. The call then ends with the plugin's status, which follows
// the head; a plugin that does not end it within limits.CallTimeout has
// its call cancelled (the caller has the whole answer anyway).
func (p *externalPlugin) answerWhole(w http.ResponseWriter, r *http.Request, stream pluginv2.Plugin_CallResourceClient,
	wait *headWait, head *pluginv2.ResponseHead, code int, answered http.Header, withBody bool,
) {
	body := head.GetBody()
	if !p.writeHead(w, r, code, answered, head.GetRoute(), int64(len(body))) {
		return
	}
	if withBody && len(body) > 0 {
		_, _ = w.Write(body)
	}
	// Wait for the end of the call: the client span ends with the
	// plugin's status, not with a cancellation.
	wait.again()
	_, err := stream.Recv()
	wait.end()
	switch {
	case errors.Is(err, io.EOF):
	case err != nil:
		if r.Context().Err() == nil {
			p.logger.WarnContext(r.Context(), "external plugin's call failed after its whole answer", "error", err)
		}
	default:
		p.logger.ErrorContext(r.Context(), "external plugin broke the protocol: a message after a ResponseHead marked end; ignored")
	}
}

// failedBeforeHead answers a call that failed before the plugin's answer
// began: the request body could not be read, or the call failed.
func (p *externalPlugin) failedBeforeHead(w http.ResponseWriter, r *http.Request, up *upload, err error) {
	if r.Context().Err() != nil {
		return // the caller went away; nobody reads the answer
	}
	if bodyErr := up.failure(); bodyErr != nil {
		if tooLarge, ok := errors.AsType[*http.MaxBytesError](bodyErr); ok {
			p.tooLarge(w, tooLarge.Limit)
			return
		}
		p.logger.InfoContext(r.Context(), "reading a request body for an external plugin", "error", bodyErr)
		httpjson.Error(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	p.callFailed(w, r, err)
}

// breakOff ends a response that has begun, after a failure of the call,
// so that the caller sees it truncated: net/http closes the connection (or
// resets the HTTP/2 stream) without ending the body. A caller that went
// away needs nothing.
func (p *externalPlugin) breakOff(r *http.Request, up *upload, err error) {
	if r.Context().Err() != nil {
		return
	}
	if bodyErr := up.failure(); bodyErr != nil {
		err = bodyErr // the host cancelled the call for it
	}
	p.logger.ErrorContext(r.Context(), "external plugin's response broke off", "error", err)
	span := trace.SpanFromContext(r.Context())
	span.SetStatus(otelcodes.Error, "the plugin's response broke off")
	span.SetName(spanName("", r)) // serverSpans names it after the handler returns, which it does not
	panic(http.ErrAbortHandler)
}

// upload sends the request to the plugin: its head, its body in parts,
// then the end of the host's side of the call. It runs beside the
// response.
type upload struct {
	stream pluginv2.Plugin_CallResourceClient
	head   *pluginv2.RequestHead
	body   io.Reader // nil: the request has none
	rc     *http.ResponseController
	cancel context.CancelFunc // of the call
	wait   *headWait
	done   chan struct{}

	mu      sync.Mutex
	bodyErr error // reading the request body failed
	reading bool  // run is in a read of the request body
	stopped bool  // stop was called: no more reads
}

func (p *externalPlugin) newUpload(stream pluginv2.Plugin_CallResourceClient, r *http.Request, w http.ResponseWriter,
	rc *http.ResponseController, cancel context.CancelFunc, wait *headWait,
) *upload {
	creds, _ := auth.CredentialsFromContext(r.Context())
	u := &upload{
		stream: stream,
		head: &pluginv2.RequestHead{
			Method:        r.Method,
			Path:          strings.TrimPrefix(r.URL.Path, p.prefix()),
			RawQuery:      r.URL.RawQuery,
			Headers:       pluginproto.HeaderToProtoV2Without(r.Header, forwardedHeader(r.Header)),
			Principal:     pluginproto.CredentialsToProtoV2(creds),
			RemoteAddr:    r.RemoteAddr,
			Host:          r.Host,
			ContentLength: r.ContentLength,
		},
		rc:     rc,
		cancel: cancel,
		wait:   wait,
		done:   make(chan struct{}),
	}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		u.body = http.MaxBytesReader(w, r.Body, p.limits.MaxRequestBody)
	}
	return u
}

// run sends the request: a request without a body whole, in its head
// (marked end). A send fails only when the call is over, which the
// response side reports; a body that cannot be read cancels the call, so
// that the plugin never takes a cut body for a whole one.
func (u *upload) run() {
	defer close(u.done)
	u.head.End = u.body == nil
	if u.head.End {
		// The whole request has arrived (see below); the head and the end
		// of the host's side then go out together.
		_ = u.rc.SetReadDeadline(time.Time{})
	}
	if err := u.stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Head{Head: u.head}}); err != nil {
		return
	}
	if u.body != nil {
		buf := make([]byte, pluginproto.BodyPartSize)
		for {
			if !u.startRead() {
				return
			}
			u.wait.pause() // for the caller
			n, err := u.body.Read(buf)
			u.wait.restart() // for the plugin, again
			u.endRead()
			if n > 0 {
				// Send encodes the message before it returns: buf is free
				// again.
				if err := u.stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Body{Body: buf[:n]}}); err != nil {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				u.mu.Lock()
				u.bodyErr = err
				u.mu.Unlock()
				u.cancel()
				return
			}
		}
	}
	// The whole request has arrived: the server's read deadline
	// (backend.http.readTimeout), there for the request, must not end a
	// long response (net/http cancels the request's context when the
	// deadline passes).
	if !u.head.End {
		_ = u.rc.SetReadDeadline(time.Time{})
	}
	_ = u.stream.CloseSend()
}

// failure returns the error of reading the request body, if any.
func (u *upload) failure() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.bodyErr
}

// stop ends the upload once the response is over: net/http forbids
// reading the request body after the handler has returned. The call is
// cancelled by then, which ends a send; a read of a body that nobody needs
// any more is ended by a read deadline in the past.
func (u *upload) stop() {
	u.cancel()
	select {
	case <-u.done:
		return
	default:
	}
	u.mu.Lock()
	u.stopped = true
	if u.reading {
		// Only a body read blocks on the connection, so only it is ended
		// this way. A deadline in the past set at any other moment would
		// outlive this request: it fails net/http's background read of
		// the connection, which then cancels the context of the next
		// request on it.
		_ = u.rc.SetReadDeadline(time.Now())
	}
	u.mu.Unlock()
	<-u.done
}

// startRead reports whether run may read the body (stop was not called),
// and notes that it does.
func (u *upload) startRead() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reading = !u.stopped
	return u.reading
}

func (u *upload) endRead() {
	u.mu.Lock()
	u.reading = false
	u.mu.Unlock()
}
