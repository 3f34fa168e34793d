// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// deadlineTransport is Options.Timeout: it bounds a call of the client,
// its redirects included, from the first request to the last byte of the
// answer's body, as http.Client.Timeout does, with a deadline on the
// request's context.
//
// It exists for a measured reason. For a RoundTripper that net/http does
// not know, which any chain of middlewares is, http.Client.Timeout costs
// a goroutine, a timer and three channels per request (net/http's
// setRequestCancel); that was 5.6 % of the weather example plugin's CPU.
// A context deadline costs a timer.
type deadlineTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

var _ http.RoundTripper = (*deadlineTransport)(nil)

func (t *deadlineTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(t.timeout)
	// A redirect keeps the deadline of the call's first request, which is
	// in the context of the request the redirect answered.
	if prev := r.Response; prev != nil && prev.Request != nil {
		if d, ok := prev.Request.Context().Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
	}
	parent := r.Context()
	ctx, cancel := context.WithDeadline(parent, deadline)
	res, err := t.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		err = t.timedOut(parent, ctx, err)
		cancel()
		return res, err
	}
	body := &deadlineBody{body: res.Body, t: t, parent: parent, ctx: ctx, cancel: cancel}
	res.Body = body
	if w, ok := body.body.(io.Writer); ok {
		// An upgraded connection (101): its body is written to as well.
		res.Body = &deadlineConn{deadlineBody: body, w: w}
	}
	return res, nil
}

// timedOut marks err as this timeout's when the deadline that passed is
// this transport's, not one of the caller's context.
func (t *deadlineTransport) timedOut(parent, ctx context.Context, err error) error {
	if ctx.Err() == nil || parent.Err() != nil || !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return err
	}
	return &timeoutError{err: err, timeout: t.timeout}
}

// timeoutError is the error of a call that Options.Timeout ended. Like
// http.Client.Timeout's, it is a timeout (os.IsTimeout) and says which
// one.
type timeoutError struct {
	err     error
	timeout time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%v (httpclient Options.Timeout of %v exceeded)", e.err, e.timeout)
}
func (e *timeoutError) Unwrap() error { return e.err }
func (e *timeoutError) Timeout() bool { return true }

// deadlineBody keeps the deadline until the body is read to its end or
// closed.
type deadlineBody struct {
	body        io.ReadCloser
	t           *deadlineTransport
	parent, ctx context.Context
	cancel      context.CancelFunc
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	switch {
	case errors.Is(err, io.EOF):
		b.cancel()
	case err != nil:
		err = b.t.timedOut(b.parent, b.ctx, err)
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.body.Close()
	b.cancel()
	return err
}

// deadlineConn is the body of an upgraded connection, which writes too.
type deadlineConn struct {
	*deadlineBody
	w io.Writer
}

func (c *deadlineConn) Write(p []byte) (int, error) { return c.w.Write(p) }
