// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/plugtrace/plugtrace/httpclient"
)

// traced wraps base in a TracingMiddleware that records into tel.
func (tel telemetry) traced(base http.RoundTripper) http.RoundTripper {
	return httpclient.TracingMiddleware(
		httpclient.WithTracerProvider(tel.tp),
		httpclient.WithPropagator(tel.prop),
		httpclient.WithMeterProvider(metricnoop.NewMeterProvider()),
	)(base)
}

// answer is a base round tripper that answers every request with the
// response that f makes.
func answer(f func(r *http.Request) *http.Response) http.RoundTripper {
	return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		res := f(r)
		res.Request = r
		return res, nil
	})
}

func roundTrip(t *testing.T, rt http.RoundTripper, method, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	return resp
}

func TestSpanEndsWithTheBody(t *testing.T) {
	t.Run("read to the end", func(t *testing.T) {
		tel := newTelemetry(t)
		srv := newServer(t, nil)
		c := newClient(t, tel.options())
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if n := len(tel.clientSpans()); n != 0 {
			t.Fatalf("%d client spans ended before the body was read", n)
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			t.Fatal(err)
		}
		if span := tel.onlyClientSpan(t); span.Status().Code != codes.Unset {
			t.Errorf("status = %v, want Unset", span.Status())
		}
	})

	t.Run("closed unread", func(t *testing.T) {
		tel := newTelemetry(t)
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, strings.Repeat("x", 1<<16))
		})
		c := newClient(t, tel.options())
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if span := tel.onlyClientSpan(t); span.Status().Code != codes.Unset {
			t.Errorf("status = %v, want Unset: closing early is no error", span.Status())
		}
	})

	t.Run("read error", func(t *testing.T) {
		tel := newTelemetry(t)
		rt := tel.traced(answer(func(*http.Request) *http.Response {
			return &http.Response{StatusCode: http.StatusOK, Proto: "HTTP/1.1",
				Body: io.NopCloser(iotest.ErrReader(errors.New("connection reset by peer")))}
		}))
		resp := roundTrip(t, rt, http.MethodGet, "http://upstream.invalid/")
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Fatal("read succeeded")
		}
		span := tel.onlyClientSpan(t)
		if span.Status().Code != codes.Error || !strings.Contains(span.Status().Description, "reset") {
			t.Errorf("status = %+v, want Error with the read error", span.Status())
		}
		if v, _ := attr(span, semconv.ErrorTypeKey); v.AsString() != "*errors.errorString" {
			t.Errorf("error.type = %q, want the read error's type", v.AsString())
		}
		_ = resp.Body.Close()
		if n := len(tel.clientSpans()); n != 1 {
			t.Errorf("got %d client spans after Close, want still 1", n)
		}
	})

	t.Run("no body", func(t *testing.T) {
		tel := newTelemetry(t)
		rt := tel.traced(answer(func(*http.Request) *http.Response {
			return &http.Response{StatusCode: http.StatusNoContent, Proto: "HTTP/1.1", Body: http.NoBody}
		}))
		resp := roundTrip(t, rt, http.MethodDelete, "http://upstream.invalid/item/1")
		if resp.Body != http.NoBody {
			t.Errorf("body = %T, want http.NoBody untouched", resp.Body)
		}
		// Nothing to wait for: the span has ended without Close.
		tel.onlyClientSpan(t)
	})

	t.Run("writable body of a protocol switch", func(t *testing.T) {
		tel := newTelemetry(t)
		conn := &fakeConn{}
		rt := tel.traced(answer(func(*http.Request) *http.Response {
			return &http.Response{StatusCode: http.StatusSwitchingProtocols, Proto: "HTTP/1.1", Body: conn}
		}))
		resp := roundTrip(t, rt, http.MethodGet, "http://upstream.invalid/ws")
		w, ok := resp.Body.(io.ReadWriteCloser)
		if !ok {
			t.Fatalf("body %T is not writable any more", resp.Body)
		}
		if _, err := io.WriteString(w, "hello"); err != nil || conn.written.String() != "hello" {
			t.Errorf("write: %v; the connection got %q", err, conn.written.String())
		}
		_ = w.Close()
		tel.onlyClientSpan(t)
	})
}

// fakeConn is the read-write body of a switched protocol.
type fakeConn struct {
	written strings.Builder
}

func (c *fakeConn) Read([]byte) (int, error)    { return 0, io.EOF }
func (c *fakeConn) Write(p []byte) (int, error) { return c.written.Write(p) }
func (c *fakeConn) Close() error                { return nil }

// RoundTrippers must not modify the request: the trace context goes into a
// copy of the headers.
func TestCallersRequestIsLeftAlone(t *testing.T) {
	tel := newTelemetry(t)
	var got http.Header
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() })
	c := newClient(t, tel.options())

	ctx, parent := tel.parent(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Mine", "1")
	before := req.Header.Clone()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	parent.End()

	if !reflect.DeepEqual(req.Header, before) {
		t.Errorf("the caller's headers changed to %v, want %v", req.Header, before)
	}
	if req.Context() != ctx {
		t.Error("the caller's request has another context")
	}
	if got.Get("X-Mine") != "1" || got.Get("Traceparent") == "" {
		t.Errorf("server got headers %v, want X-Mine and Traceparent", got)
	}
}

func TestTracingMiddlewareForwardsCloseIdleConnections(t *testing.T) {
	base := &closeCounter{RoundTripper: http.DefaultTransport}
	rt := newTelemetry(t).traced(base)
	closer, ok := rt.(interface{ CloseIdleConnections() })
	if !ok {
		t.Fatalf("%T has no CloseIdleConnections", rt)
	}
	closer.CloseIdleConnections()
	if base.calls != 1 {
		t.Errorf("the base transport's CloseIdleConnections ran %d times, want 1", base.calls)
	}
}

type closeCounter struct {
	http.RoundTripper
	calls int
}

func (c *closeCounter) CloseIdleConnections() { c.calls++ }
