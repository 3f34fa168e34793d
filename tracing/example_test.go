// SPDX-License-Identifier: Apache-2.0

package tracing_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/tracing"
	"github.com/plugtrace/plugtrace/tracing/tracingtest"
)

// printSpan shows what a span carries, in a stable order.
func printSpan(s sdktrace.ReadOnlySpan) {
	fmt.Printf("%s [%s] scope=%s status=%s\n", s.Name(), s.SpanKind(), s.InstrumentationScope().Name, s.Status().Code)
	for _, key := range []attribute.Key{tracing.PluginIDKey, tracing.PrincipalTypeKey, tracing.EndUserIDKey, "todo.count", "error.type"} {
		if v, ok := tracingtest.Attribute(s, key); ok {
			fmt.Printf("  %s=%s\n", key, v.String())
		}
	}
	for _, e := range s.Events() {
		fmt.Printf("  event %s\n", e.Name)
	}
}

// A host creates one Provider and hands each plugin its Service. Plugin code
// wraps a unit of work in StartActiveSpan; the service ends the span.
func Example() {
	// In production the provider uses the host's tracer provider; here a
	// recorder keeps the spans in memory.
	rec := tracingtest.NewRecorder()
	provider, _ := tracing.NewProvider(tracing.Config{},
		tracing.WithTracerProvider(rec.TracerProvider()))
	svc, _ := provider.ForPlugin("todos")

	err := svc.StartActiveSpan(context.Background(), "list todos", func(ctx context.Context, span tracing.Span) error {
		span.SetAttribute("todo.count", 3)
		return nil
	})
	fmt.Println("err:", err)
	printSpan(rec.Ended()[0])
	// Output:
	// err: <nil>
	// list todos [internal] scope=plugtrace-plugin-todos status=Unset
	//   plugtrace.plugin.id=todos
	//   todo.count=3
}

// A returned error is recorded on the span and returned unchanged.
func ExampleService_StartActiveSpan_error() {
	rec := tracingtest.NewRecorder()
	svc, _ := rec.Provider().ForPlugin("todos")

	errNotFound := errors.New("todo 7 not found")
	err := svc.StartActiveSpan(context.Background(), "get todo", func(ctx context.Context, span tracing.Span) error {
		return errNotFound
	}, tracing.WithKind(trace.SpanKindServer))
	fmt.Println("same error:", err == errNotFound)
	printSpan(rec.Ended()[0])
	// Output:
	// same error: true
	// get todo [server] scope=plugtrace-plugin-todos status=Error
	//   plugtrace.plugin.id=todos
	//   error.type=*errors.errorString
	//   event exception
}

// The caller's identity comes from the request, through the credentials the
// host stored in its context. enduser.id is recorded only with
// CaptureEndUser on.
func ExampleWithRequest() {
	rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{CaptureEndUser: true}))
	svc, _ := rec.Provider().ForPlugin("todos")

	r := httptest.NewRequest(http.MethodGet, "/api/todos/", nil)
	r = r.WithContext(auth.ContextWithCredentials(r.Context(), auth.UserCredentials("user:default/alice")))

	_ = svc.StartActiveSpan(r.Context(), "list todos", func(ctx context.Context, span tracing.Span) error {
		return nil
	}, tracing.WithRequest(r))
	printSpan(rec.Ended()[0])
	// Output:
	// list todos [internal] scope=plugtrace-plugin-todos status=Unset
	//   plugtrace.plugin.id=todos
	//   plugtrace.principal.type=user
	//   enduser.id=user:default/alice
}

// Run passes a function's value through.
func ExampleRun() {
	rec := tracingtest.NewRecorder()
	svc, _ := rec.Provider().ForPlugin("todos")

	titles, err := tracing.Run(context.Background(), svc, "load titles", func(ctx context.Context, span tracing.Span) ([]string, error) {
		return []string{"write docs", "ship"}, nil
	})
	fmt.Println(titles, err)
	// Output: [write docs ship] <nil>
}

// Operators can override a plugin's tracer and switch tracing off per plugin.
func ExampleConfig() {
	off := false
	rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{
		Plugins: map[string]tracing.PluginConfig{
			"catalog": {Tracer: tracing.TracerConfig{Name: "custom-name", Version: "2.0.0"}},
			"search":  {Enabled: &off},
		},
	}))
	for _, id := range []string{"catalog", "search"} {
		svc, _ := rec.Provider().ForPlugin(id)
		_ = svc.StartActiveSpan(context.Background(), id+" work", func(ctx context.Context, span tracing.Span) error {
			return nil // runs for both plugins
		})
	}
	for _, s := range rec.Ended() {
		fmt.Println(s.Name(), s.InstrumentationScope().Name, s.InstrumentationScope().Version)
	}
	// Output: catalog work custom-name 2.0.0
}
