// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/httpclient"
)

func TestClientSpanIsChildOfCallerAndPropagated(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	c := newClient(t, tel.options())

	ctx, parent := tel.parent(t)
	mustDo(t, ctx, c, srv.URL+"/forecast")
	parent.End()

	span := tel.onlyClientSpan(t)
	if got, want := span.Parent().SpanID(), parent.SpanContext().SpanID(); got != want {
		t.Errorf("parent span id = %s, want the caller's %s", got, want)
	}
	if got, want := span.SpanContext().TraceID(), parent.SpanContext().TraceID(); got != want {
		t.Errorf("trace id = %s, want the caller's %s", got, want)
	}

	// The server sees the client span as its remote parent.
	header := srv.lastTraceparent(t)
	remote := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(),
		propagation.MapCarrier{"traceparent": header}))
	if remote.TraceID() != span.SpanContext().TraceID() || remote.SpanID() != span.SpanContext().SpanID() {
		t.Errorf("traceparent = %q, want trace %s and span %s", header,
			span.SpanContext().TraceID(), span.SpanContext().SpanID())
	}
}

func TestClientSpanUsesConfiguredPropagator(t *testing.T) {
	tel := newTelemetry(t)
	var got http.Header
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() })
	o := tel.options()
	o.Propagator = propagation.Baggage{} // no traceparent
	c := newClient(t, o)

	ctx, parent := tel.parent(t)
	mustDo(t, ctx, c, srv.URL)
	parent.End()

	if tp := got.Get("traceparent"); tp != "" {
		t.Errorf("traceparent = %q with a baggage-only propagator, want none", tp)
	}
	tel.onlyClientSpan(t)
}

func TestClientSpanAttributes(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	o := tel.options()
	o.Attributes = []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")}
	c := newClient(t, o)

	ctx, parent := tel.parent(t)
	mustDo(t, ctx, c, srv.URL+"/forecast?city=Paris")
	parent.End()

	span := tel.onlyClientSpan(t)
	if span.Name() != "GET" {
		t.Errorf("name = %q, want GET", span.Name())
	}
	if span.SpanKind() != trace.SpanKindClient {
		t.Errorf("kind = %s, want client", span.SpanKind())
	}
	if span.Status().Code != codes.Unset {
		t.Errorf("status = %v, want Unset for 200", span.Status())
	}
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	for key, want := range map[attribute.Key]attribute.Value{
		"plugtrace.plugin.id":             attribute.StringValue("weather"),
		semconv.HTTPRequestMethodKey:      attribute.StringValue("GET"),
		semconv.URLFullKey:                attribute.StringValue(srv.URL + "/forecast?city=Paris"),
		semconv.ServerAddressKey:          attribute.StringValue("127.0.0.1"),
		semconv.ServerPortKey:             attribute.IntValue(port),
		semconv.HTTPResponseStatusCodeKey: attribute.IntValue(200),
		semconv.NetworkProtocolVersionKey: attribute.StringValue("1.1"),
	} {
		if got, ok := attr(span, key); !ok || got != want {
			t.Errorf("%s = %v (present: %v), want %v", key, got.String(), ok, want.String())
		}
	}
	if got, want := span.InstrumentationScope().Name, "github.com/plugtrace/plugtrace/httpclient"; got != want {
		t.Errorf("instrumentation scope = %q, want %q", got, want)
	}
}

func TestSpanNameFollowsMethod(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	c := newClient(t, tel.options())
	for _, tc := range []struct{ method, name, attr, original string }{
		{http.MethodPost, "POST", "POST", ""},
		{http.MethodDelete, "DELETE", "DELETE", ""},
		{"PURGE", "HTTP", "_OTHER", "PURGE"}, // not a standard method
		{"get", "HTTP", "_OTHER", "get"},     // methods are case-sensitive
	} {
		tel.rec.Reset()
		if _, err := do(t, context.Background(), c, tc.method, srv.URL); err != nil {
			t.Fatal(err)
		}
		span := tel.onlyClientSpan(t)
		if got := span.Name(); got != tc.name {
			t.Errorf("%s: span name = %q, want %q", tc.method, got, tc.name)
		}
		if got, _ := attr(span, semconv.HTTPRequestMethodKey); got.AsString() != tc.attr {
			t.Errorf("%s: http.request.method = %q, want %q", tc.method, got.AsString(), tc.attr)
		}
		got, ok := attr(span, semconv.HTTPRequestMethodOriginalKey)
		if tc.original == "" && ok || got.AsString() != tc.original {
			t.Errorf("%s: http.request.method_original = %q (present: %v), want %q", tc.method, got.AsString(), ok, tc.original)
		}
	}
}

func TestLifecycleEvents(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	c := newClient(t, tel.options())

	// A new connection, then a kept-alive one.
	mustDo(t, context.Background(), c, srv.URL)
	mustDo(t, context.Background(), c, srv.URL)

	spans := tel.clientSpans()
	if len(spans) != 2 {
		t.Fatalf("got %d client spans, want 2", len(spans))
	}
	first, second := spans[0], spans[1]
	wantFirst := []string{"http.connect.start", "http.connect.done", "http.getconn", "http.first_byte"}
	if got := eventNames(first); !equal(got, wantFirst) {
		t.Errorf("events on a new connection = %v, want %v", got, wantFirst)
	}
	if got, want := eventNames(second), []string{"http.getconn", "http.first_byte"}; !equal(got, want) {
		t.Errorf("events on a kept-alive connection = %v, want %v", got, want)
	}

	host := strings.TrimPrefix(srv.URL, "http://")
	e, _ := event(first, "http.connect.done")
	if got, _ := eventAttr(e, otelhttptrace.HTTPRemoteAddr); got.AsString() != host {
		t.Errorf("http.connect.done: http.remote = %q, want %q", got.AsString(), host)
	}
	for _, tc := range []struct {
		span   sdktrace.ReadOnlySpan
		reused bool
	}{{first, false}, {second, true}} {
		e, _ := event(tc.span, "http.getconn")
		if got, ok := eventAttr(e, otelhttptrace.HTTPConnectionReused); !ok || got.AsBool() != tc.reused {
			t.Errorf("http.getconn: http.conn.reused = %v (present: %v), want %v", got.AsBool(), ok, tc.reused)
		}
	}

	// Events lie within the span, in order.
	for _, s := range spans {
		prev := s.StartTime()
		for _, e := range s.Events() {
			if e.Time.Before(prev) || e.Time.After(s.EndTime()) {
				t.Errorf("event %s at %v is out of order or outside the span [%v, %v]", e.Name, e.Time, s.StartTime(), s.EndTime())
			}
			prev = e.Time
		}
	}
}

func TestLifecycleEventsDNS(t *testing.T) {
	if _, err := net.DefaultResolver.LookupHost(context.Background(), "localhost"); err != nil {
		t.Skipf("localhost does not resolve: %v", err)
	}
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	c := newClient(t, tel.options())

	u, _ := url.Parse(srv.URL)
	mustDo(t, context.Background(), c, "http://localhost:"+u.Port()+"/")

	span := tel.onlyClientSpan(t)
	// localhost may resolve to ::1 as well, which refuses: there can be more
	// than one connect.
	want := []string{"http.dns.start", "http.dns.done", "http.connect.start", "http.connect.done", "http.getconn", "http.first_byte"}
	if got := firstOccurrences(eventNames(span)); !equal(got, want) {
		t.Errorf("events (first of each) = %v, want %v", got, want)
	}
	e, _ := event(span, "http.dns.start")
	if got, _ := eventAttr(e, semconv.ServerAddressKey); got.AsString() != "localhost" {
		t.Errorf("http.dns.start: server.address = %q, want localhost", got.AsString())
	}
	e, _ = event(span, "http.dns.done")
	if got, _ := eventAttr(e, otelhttptrace.HTTPDNSAddrs); !strings.Contains(got.AsString(), "127.0.0.1") {
		t.Errorf("http.dns.done: http.dns.addrs = %q, want it to contain 127.0.0.1", got.AsString())
	}
}

func TestLifecycleEventsTLS(t *testing.T) {
	tel := newTelemetry(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	o := tel.options()
	o.Transport = srv.Client().Transport // trusts the server's certificate
	c := newClient(t, o)

	mustDo(t, context.Background(), c, srv.URL)

	span := tel.onlyClientSpan(t)
	want := []string{"http.connect.start", "http.connect.done", "http.tls.start", "http.tls.done", "http.getconn", "http.first_byte"}
	if got := eventNames(span); !equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	e, _ := event(span, "http.tls.done")
	if got, ok := eventAttr(e, semconv.TLSProtocolVersionKey); !ok || got.AsString() != "1.3" {
		t.Errorf("http.tls.done: tls.protocol.version = %q, want 1.3", got.AsString())
	}
}

func TestErrorStatusForHTTPErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   codes.Code
	}{
		{http.StatusOK, codes.Unset},
		{http.StatusNoContent, codes.Unset},
		{http.StatusFound, codes.Unset}, // not followed: no Location
		{http.StatusNotFound, codes.Error},
		{http.StatusTooManyRequests, codes.Error},
		{http.StatusInternalServerError, codes.Error},
		{http.StatusServiceUnavailable, codes.Error},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			tel := newTelemetry(t)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) })
			c := newClient(t, tel.options())

			resp := mustDo(t, context.Background(), c, srv.URL)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.status)
			}
			span := tel.onlyClientSpan(t)
			if span.Status().Code != tc.want {
				t.Errorf("span status = %v, want %v", span.Status().Code, tc.want)
			}
			errType, hasErrType := attr(span, semconv.ErrorTypeKey)
			if tc.want == codes.Error && errType.AsString() != strconv.Itoa(tc.status) {
				t.Errorf("error.type = %q, want %q", errType.AsString(), strconv.Itoa(tc.status))
			}
			if tc.want == codes.Unset && hasErrType {
				t.Errorf("error.type = %q on success, want none", errType.AsString())
			}
			if got, _ := attr(span, semconv.HTTPResponseStatusCodeKey); got.AsInt64() != int64(tc.status) {
				t.Errorf("http.response.status_code = %d, want %d", got.AsInt64(), tc.status)
			}
		})
	}
}

func TestErrorStatusForTransportErrors(t *testing.T) {
	tel := newTelemetry(t)
	// A port that refuses connections.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := newClient(t, tel.options())

	ctx, parent := tel.parent(t)
	_, err = do(t, ctx, c, http.MethodGet, "http://"+addr+"/")
	parent.End()
	if err == nil {
		t.Fatal("GET on a closed port succeeded")
	}

	span := tel.onlyClientSpan(t)
	if span.Status().Code != codes.Error || span.Status().Description == "" {
		t.Errorf("status = %+v, want Error with the error's message", span.Status())
	}
	if got, ok := attr(span, semconv.ErrorTypeKey); !ok || got.AsString() == "" {
		t.Errorf("error.type missing")
	}
	if _, ok := attr(span, semconv.HTTPResponseStatusCodeKey); ok {
		t.Errorf("http.response.status_code set without a response")
	}
	e, ok := event(span, "http.connect.done")
	if !ok {
		t.Fatalf("no http.connect.done event; events: %v", eventNames(span))
	}
	if got, ok := eventAttr(e, "http.connect.error"); !ok || !strings.Contains(got.AsString(), "refused") {
		t.Errorf("http.connect.error = %q, want the refusal", got.AsString())
	}
}

func TestErrorStatusForTimeout(t *testing.T) {
	tel := newTelemetry(t)
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	o := tel.options()
	o.Timeout = 50 * time.Millisecond
	c := newClient(t, o)

	_, err := do(t, context.Background(), c, http.MethodGet, srv.URL)
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if span := tel.onlyClientSpan(t); span.Status().Code != codes.Error {
		t.Errorf("status = %v, want Error", span.Status())
	}
}

func TestNoCredentialsFromURLInAttributes(t *testing.T) {
	const (
		user      = "alice-user"
		password  = "s3cr3t-pass"
		signature = "sigvalue-123"
	)
	tel := newTelemetry(t)
	var gotUser, gotPassword string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { gotUser, gotPassword, _ = r.BasicAuth() })
	o := tel.options()
	o.TracerProvider = tel.tp
	c := newClient(t, o)

	host := strings.TrimPrefix(srv.URL, "http://")
	raw := fmt.Sprintf("http://%s:%s@%s/file?X-Goog-Signature=%s&sig=%s&city=Paris&Signature=&AWSAccessKeyId=%s",
		user, password, host, signature, signature, signature)
	mustDo(t, context.Background(), c, raw)

	if gotUser != user || gotPassword != password {
		t.Errorf("server saw basic auth %q:%q, want the URL's: tracing must not change the request", gotUser, gotPassword)
	}
	span := tel.onlyClientSpan(t)
	wantURL := fmt.Sprintf("http://%s/file?X-Goog-Signature=REDACTED&sig=REDACTED&city=Paris&Signature=REDACTED&AWSAccessKeyId=REDACTED", host)
	if got, _ := attr(span, semconv.URLFullKey); got.AsString() != wantURL {
		t.Errorf("url.full = %q, want %q", got.AsString(), wantURL)
	}
	check := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			if v := kv.Value.String(); strings.Contains(v, password) || strings.Contains(v, user) || strings.Contains(v, signature) {
				t.Errorf("%s attribute %s = %q carries a credential from the URL", where, kv.Key, v)
			}
		}
	}
	check("span", span.Attributes())
	for _, e := range span.Events() {
		check("event "+e.Name, e.Attributes)
	}
	if strings.Contains(span.Status().Description, password) {
		t.Errorf("status description %q carries the password", span.Status().Description)
	}
}

func TestExplicitEmptyMiddlewaresMeanNoTracing(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	o := tel.options()
	o.Middlewares = []httpclient.Middleware{}
	c := newClient(t, o)

	ctx, parent := tel.parent(t)
	mustDo(t, ctx, c, srv.URL)
	parent.End()

	if spans := tel.clientSpans(); len(spans) != 0 {
		t.Errorf("got %d client spans, want none", len(spans))
	}
	if got := len(tel.rec.Ended()); got != 1 {
		t.Errorf("got %d spans, want only the parent", got)
	}
	if tp := srv.lastTraceparent(t); tp != "" {
		t.Errorf("traceparent = %q, want none", tp)
	}
	if evs := tel.rec.Ended()[0].Events(); len(evs) != 0 {
		t.Errorf("the parent span got events %v, want none", evs)
	}
}

func TestUnsampledRequestPropagatesButRecordsNothing(t *testing.T) {
	rec := newTelemetry(t).rec
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.NeverSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	srv := newServer(t, nil)
	c := newClient(t, httpclient.Options{TracerProvider: tp, Propagator: propagation.TraceContext{}})

	mustDo(t, context.Background(), c, srv.URL)

	if got := len(rec.Ended()); got != 0 {
		t.Errorf("got %d spans, want none", got)
	}
	if tp := srv.lastTraceparent(t); !strings.HasSuffix(tp, "-00") {
		t.Errorf("traceparent = %q, want one with the sampled flag off", tp)
	}
}

func TestConcurrentRequests(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	p, err := httpclient.NewProvider(httpclient.ProviderOptions{
		TracerProvider: tel.tp,
		Propagator:     tel.prop,
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
		Timeout:        testTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.CloseIdleConnections()
	shared, err := p.New(httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}

	const goroutines, requests = 8, 25
	ctx, parent := tel.parent(t)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*requests)
	for g := range goroutines {
		wg.Go(func() {
			// Half share one client; the others make their own from p.
			c := shared
			if g%2 == 1 {
				var err error
				if c, err = p.New(httpclient.Options{Attributes: []attribute.KeyValue{attribute.Int("worker", g)}}); err != nil {
					errs <- err
					return
				}
			}
			for range requests {
				if _, err := do(t, ctx, c, http.MethodGet, srv.URL); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	parent.End()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	spans := tel.clientSpans()
	if len(spans) != goroutines*requests {
		t.Fatalf("got %d client spans, want %d", len(spans), goroutines*requests)
	}
	ids := make(map[trace.SpanID]bool)
	for _, s := range spans {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %s has parent %s, want %s", s.SpanContext().SpanID(), s.Parent().SpanID(), parent.SpanContext().SpanID())
		}
		if v, _ := attr(s, "plugtrace.plugin.id"); v.AsString() != "weather" {
			t.Errorf("span without the provider's attribute")
		}
		// A dial may finish after a request took another connection that came
		// free first: connect events can come after http.first_byte.
		if _, ok := event(s, "http.getconn"); !ok {
			t.Errorf("events = %v, want http.getconn", eventNames(s))
		}
		if _, ok := event(s, "http.first_byte"); !ok {
			t.Errorf("events = %v, want http.first_byte", eventNames(s))
		}
		ids[s.SpanContext().SpanID()] = true
	}
	if len(ids) != len(spans) {
		t.Errorf("got %d distinct span ids for %d spans", len(ids), len(spans))
	}
}

func TestTracingMiddlewareStandalone(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	mw := httpclient.TracingMiddleware(
		httpclient.WithTracerProvider(tel.tp),
		httpclient.WithPropagator(tel.prop),
		httpclient.WithAttributes(attribute.String("a", "1")),
		httpclient.WithAttributes(attribute.String("b", "2")),
	)
	c := &http.Client{Transport: mw(base), Timeout: testTimeout}

	ctx, parent := tel.parent(t)
	mustDo(t, ctx, c, srv.URL)
	parent.End()

	span := tel.onlyClientSpan(t)
	if span.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("not a child of the caller's span")
	}
	for _, key := range []attribute.Key{"a", "b"} {
		if _, ok := attr(span, key); !ok {
			t.Errorf("attribute %s missing; WithAttributes should accumulate", key)
		}
	}
	if srv.lastTraceparent(t) == "" {
		t.Error("no traceparent")
	}
}

func TestWithClientTrace(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(context.Context) *httptrace.ClientTrace
		want []string // first occurrences
	}{
		{"otelhttptrace", func(ctx context.Context) *httptrace.ClientTrace {
			return otelhttptrace.NewClientTrace(ctx, otelhttptrace.WithoutSubSpans(), otelhttptrace.WithoutHeaders())
		}, []string{"http.getconn.start"}}, // then http.connect.<addr>.start ...
		{"nil func", nil, nil},
		{"nil trace", func(context.Context) *httptrace.ClientTrace { return nil }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel := newTelemetry(t)
			srv := newServer(t, nil)
			o := tel.options()
			o.Middlewares = []httpclient.Middleware{httpclient.TracingMiddleware(
				httpclient.WithTracerProvider(tel.tp),
				httpclient.WithPropagator(tel.prop),
				httpclient.WithClientTrace(tc.f),
			)}
			c := newClient(t, o)

			mustDo(t, context.Background(), c, srv.URL)

			got := firstOccurrences(eventNames(tel.onlyClientSpan(t)))
			if len(got) > len(tc.want) {
				got = got[:len(tc.want)]
			}
			if !equal(got, tc.want) {
				t.Errorf("events = %v, want them to start with %v", got, tc.want)
			}
		})
	}
}

// The lifecycle events are the same for every way to set up tracing, and
// come once.
func TestLifecycleEventsWithAndWithoutDefaultTransport(t *testing.T) {
	want := []string{"http.connect.start", "http.connect.done", "http.getconn", "http.first_byte"}
	for _, tc := range []struct {
		name string
		opts func(tel telemetry) httpclient.Options
	}{
		{"default chain", func(tel telemetry) httpclient.Options { return tel.options() }},
		{"TracingMiddleware over the default transport", func(tel telemetry) httpclient.Options {
			o := tel.options()
			o.Middlewares = []httpclient.Middleware{httpclient.TracingMiddleware(
				httpclient.WithTracerProvider(tel.tp), httpclient.WithPropagator(tel.prop))}
			return o
		}},
		{"DefaultMiddlewares and another", func(tel telemetry) httpclient.Options {
			o := tel.options()
			o.Middlewares = append(httpclient.DefaultMiddlewares(o), func(next http.RoundTripper) http.RoundTripper { return next })
			return o
		}},
		{"own transport", func(tel telemetry) httpclient.Options {
			o := tel.options()
			base := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(base.CloseIdleConnections)
			o.Transport = base
			return o
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel := newTelemetry(t)
			srv := newServer(t, nil)
			c := newClient(t, tc.opts(tel))
			mustDo(t, context.Background(), c, srv.URL)
			mustDo(t, context.Background(), c, srv.URL)
			spans := tel.clientSpans()
			if len(spans) != 2 {
				t.Fatalf("got %d client spans, want 2", len(spans))
			}
			if got := eventNames(spans[0]); !equal(got, want) {
				t.Errorf("events on a new connection = %v, want %v", got, want)
			}
			if got, want := eventNames(spans[1]), []string{"http.getconn", "http.first_byte"}; !equal(got, want) {
				t.Errorf("events on a kept-alive connection = %v, want %v", got, want)
			}
		})
	}
}

func TestTLSHandshakeFailure(t *testing.T) {
	tel := newTelemetry(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake fails on purpose
	defer srv.Close()
	c := newClient(t, tel.options()) // the default transport does not trust the test certificate

	if _, err := do(t, context.Background(), c, http.MethodGet, srv.URL); err == nil {
		t.Fatal("GET with an untrusted certificate succeeded")
	}

	span := tel.onlyClientSpan(t)
	if span.Status().Code != codes.Error {
		t.Errorf("status = %v, want Error", span.Status())
	}
	want := []string{"http.connect.start", "http.connect.done", "http.tls.start", "http.tls.done"}
	if got := eventNames(span); !equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	e, _ := event(span, "http.tls.done")
	if got, _ := eventAttr(e, "http.tls.error"); !strings.Contains(got.AsString(), "certificate") {
		t.Errorf("http.tls.error = %q, want the certificate error", got.AsString())
	}
}

// Tracing leaves net/http's errors as they are.
func TestDialErrorsKeepTheirType(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	tel := newTelemetry(t)
	plain := tel.options()
	plain.Middlewares = []httpclient.Middleware{}
	for name, o := range map[string]httpclient.Options{"traced": tel.options(), "plain": plain} {
		t.Run(name, func(t *testing.T) {
			_, err := do(t, context.Background(), newClient(t, o), http.MethodGet, "http://"+addr+"/")
			var ue *url.Error
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a *url.Error", err)
			}
			if _, ok := ue.Err.(*net.OpError); !ok {
				t.Errorf("url.Error wraps a %T, want the dialer's *net.OpError", ue.Err)
			}
		})
	}
	span := tel.onlyClientSpan(t)
	if v, _ := attr(span, semconv.ErrorTypeKey); v.AsString() != "*net.OpError" {
		t.Errorf("error.type = %q, want *net.OpError", v.AsString())
	}
}

func firstOccurrences(names []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
