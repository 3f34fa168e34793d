// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plugtrace/plugtrace/httpclient"
)

// upstream is a service that plugins call; it reports whether the trace
// context reached it.
func upstream() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "traceparent received: %t", r.Header.Get("traceparent") != "")
	}))
}

// fetch sends a GET and prints the response body.
func fetch(ctx context.Context, c *http.Client, url string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // reading to the end ends the client span
	fmt.Printf("%s: %s\n", resp.Status, strings.TrimSpace(string(body)))
}

// printSpans shows what the client spans carry, in a stable order.
func printSpans(rec *tracetest.SpanRecorder) {
	for _, s := range rec.Ended() {
		if s.Name() == "handle request" {
			continue
		}
		fmt.Printf("%s [%s] status=%s\n", s.Name(), s.SpanKind(), s.Status().Code)
		for _, key := range []attribute.Key{"plugtrace.plugin.id", "upstream", "http.request.method", "http.response.status_code", "error.type"} {
			if v, ok := attr(s, key); ok {
				fmt.Printf("  %s=%s\n", key, v.String())
			}
		}
		fmt.Printf("  events: %s\n", strings.Join(eventNames(s), " "))
	}
}

// A plugin calls an upstream service with a client from New. The call is a
// client span in the plugin's trace, the upstream receives the trace
// context, and the request's lifecycle is on the span as events.
func Example() {
	srv := upstream()
	defer srv.Close()
	// In production the options name the host's tracer provider and
	// propagator (or leave them to the global ones); here a recorder keeps
	// the spans in memory.
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))

	client, err := httpclient.New(httpclient.Options{
		TracerProvider: tp,
		Propagator:     propagation.TraceContext{},
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	// The plugin is handling a request: its span is in ctx.
	ctx, span := tp.Tracer("weather").Start(context.Background(), "handle request")
	fetch(ctx, client, srv.URL+"/forecast?city=Paris")
	fetch(ctx, client, srv.URL+"/missing")
	span.End()

	printSpans(rec)
	// Output:
	// 200 OK: traceparent received: true
	// 404 Not Found: 404 page not found
	// GET [client] status=Unset
	//   plugtrace.plugin.id=weather
	//   http.request.method=GET
	//   http.response.status_code=200
	//   events: http.connect.start http.connect.done http.getconn http.first_byte
	// GET [client] status=Error
	//   plugtrace.plugin.id=weather
	//   http.request.method=GET
	//   http.response.status_code=404
	//   error.type=404
	//   events: http.getconn http.first_byte
}

// A host makes one Provider per plugin, with the plugin's id among the
// attributes. The plugin makes the clients it needs from it; they share the
// provider's defaults and connection pool.
func ExampleProvider() {
	srv := upstream()
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))

	// In the host:
	provider, err := httpclient.NewProvider(httpclient.ProviderOptions{
		TracerProvider: tp,
		Propagator:     propagation.TraceContext{},
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.CloseIdleConnections()

	// In the plugin:
	client, err := provider.New(httpclient.Options{
		Attributes: []attribute.KeyValue{attribute.String("upstream", "forecast")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fetch(context.Background(), client, srv.URL)

	printSpans(rec)
	// Output:
	// 200 OK: traceparent received: true
	// GET [client] status=Unset
	//   plugtrace.plugin.id=weather
	//   upstream=forecast
	//   http.request.method=GET
	//   http.response.status_code=200
	//   events: http.connect.start http.connect.done http.getconn http.first_byte
}

// An explicit middleware list replaces the defaults. To keep tracing and add
// a middleware of your own, start from DefaultMiddlewares.
func ExampleDefaultMiddlewares() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "api key %q, traceparent %t", r.Header.Get("X-Api-Key"), r.Header.Get("traceparent") != "")
	}))
	defer srv.Close()
	tp := sdktrace.NewTracerProvider()

	apiKey := func(next http.RoundTripper) http.RoundTripper {
		return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context()) // a round tripper must not change the caller's request
			r.Header.Set("X-Api-Key", "k-123")
			return next.RoundTrip(r)
		})
	}
	o := httpclient.Options{TracerProvider: tp, Propagator: propagation.TraceContext{}}
	o.Middlewares = append(httpclient.DefaultMiddlewares(o), apiKey)
	client, _ := httpclient.New(o)
	defer client.CloseIdleConnections()
	fetch(context.Background(), client, srv.URL)

	o.Middlewares = []httpclient.Middleware{apiKey} // no tracing
	plain, _ := httpclient.New(o)
	defer plain.CloseIdleConnections()
	fetch(context.Background(), plain, srv.URL)
	// Output:
	// 200 OK: api key "k-123", traceparent true
	// 200 OK: api key "k-123", traceparent false
}

// TracingMiddleware also works on its own, around any round tripper.
func ExampleTracingMiddleware() {
	srv := upstream()
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))

	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	traced := httpclient.TracingMiddleware(
		httpclient.WithTracerProvider(tp),
		httpclient.WithPropagator(propagation.TraceContext{}),
		httpclient.WithAttributes(attribute.String("plugtrace.plugin.id", "weather")),
	)
	client := &http.Client{Transport: traced(base)}
	fetch(context.Background(), client, srv.URL)

	printSpans(rec)
	// Output:
	// 200 OK: traceparent received: true
	// GET [client] status=Unset
	//   plugtrace.plugin.id=weather
	//   http.request.method=GET
	//   http.response.status_code=200
	//   events: http.connect.start http.connect.done http.getconn http.first_byte
}
