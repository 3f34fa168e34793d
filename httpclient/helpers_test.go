// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/httpclient"
)

// testTimeout bounds every request a test makes.
const testTimeout = 10 * time.Second

// telemetry is a real SDK tracer provider that records spans in memory, and
// the propagator the tests use.
type telemetry struct {
	tp   *sdktrace.TracerProvider
	rec  *tracetest.SpanRecorder
	prop propagation.TextMapPropagator
}

func newTelemetry(t *testing.T) telemetry {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return telemetry{tp: tp, rec: rec, prop: propagation.TraceContext{}}
}

// options are Options that send spans to tel.
func (tel telemetry) options() httpclient.Options {
	return httpclient.Options{
		TracerProvider: tel.tp,
		Propagator:     tel.prop,
		MeterProvider:  metricnoop.NewMeterProvider(),
		Timeout:        testTimeout,
	}
}

// parent starts a span to call from; the test ends it.
func (tel telemetry) parent(t *testing.T) (context.Context, trace.Span) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return tel.tp.Tracer("test").Start(ctx, "parent")
}

// clientSpans are the ended spans of kind client.
func (tel telemetry) clientSpans() []sdktrace.ReadOnlySpan {
	var spans []sdktrace.ReadOnlySpan
	for _, s := range tel.rec.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			spans = append(spans, s)
		}
	}
	return spans
}

// onlyClientSpan is the one ended client span.
func (tel telemetry) onlyClientSpan(t *testing.T) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := tel.clientSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d client spans, want 1", len(spans))
	}
	return spans[0]
}

// server is an httptest server on 127.0.0.1 that remembers the last
// traceparent header it received.
type server struct {
	*httptest.Server
	traceparent chan string
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	return newServerWith(t, h, func(*http.Server) {})
}

// newServerWith is newServer with a chance to configure the server before
// it starts.
func newServerWith(t *testing.T, h http.HandlerFunc, configure func(*http.Server)) *server {
	t.Helper()
	s := &server{traceparent: make(chan string, 100)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.traceparent <- r.Header.Get("traceparent"):
		default:
		}
		if h != nil {
			h(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	configure(s.Config)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// lastTraceparent is the traceparent header of the last request.
func (s *server) lastTraceparent(t *testing.T) string {
	t.Helper()
	var last string
	for {
		select {
		case last = <-s.traceparent:
		default:
			return last
		}
	}
}

// newClient makes a client and closes its idle connections when the test
// ends, so that goleak finds no stray goroutines.
func newClient(t *testing.T, o httpclient.Options) *http.Client {
	t.Helper()
	c, err := httpclient.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// do sends a request and reads and closes the response body, which ends the
// client span.
func do(t *testing.T, ctx context.Context, c *http.Client, method, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp, nil
}

func mustDo(t *testing.T, ctx context.Context, c *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := do(t, ctx, c, http.MethodGet, url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

// attr is the value of key on s, if s has it.
func attr(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// eventNames lists the names of the events of s, in order.
func eventNames(s sdktrace.ReadOnlySpan) []string {
	var names []string
	for _, e := range s.Events() {
		names = append(names, e.Name)
	}
	return names
}

// event is the first event of s with the given name.
func event(s sdktrace.ReadOnlySpan, name string) (sdktrace.Event, bool) {
	for _, e := range s.Events() {
		if e.Name == name {
			return e, true
		}
	}
	return sdktrace.Event{}, false
}

func eventAttr(e sdktrace.Event, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range e.Attributes {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}
