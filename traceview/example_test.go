// SPDX-License-Identifier: Apache-2.0

package traceview_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/traceview"
	"github.com/plugtrace/plugtrace/tracing"
)

// The host exports its spans to a Store and serves the viewer from it.
func Example() {
	store, err := traceview.NewStore(traceview.DefaultMaxSpans)
	if err != nil {
		panic(err)
	}
	// The host uses a batcher; a syncer makes the example deterministic.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(store))
	defer tp.Shutdown(context.Background())

	provider, _ := tracing.NewProvider(tracing.Config{}, tracing.WithTracerProvider(tp))
	todos, _ := provider.ForPlugin("todos")
	ctx, request := tp.Tracer("host").Start(context.Background(), "GET /api/todos/")
	_ = todos.StartActiveSpan(ctx, "list todos", func(context.Context, tracing.Span) error { return nil })
	request.End()

	for _, t := range store.Traces(traceview.Query{Plugin: "todos"}) {
		fmt.Println(t.RootName, t.SpanCount, t.Plugins)
	}

	mux := http.NewServeMux()
	mux.Handle("/traces/", traceview.Handler(store))
	_ = mux // the host serves mux; see ExampleHandler
	// Output: GET /api/todos/ 2 [todos]
}

// The JSON API answers a bad filter with a message that names it.
func ExampleHandler() {
	store, _ := traceview.NewStore(100)
	srv := httptest.NewServer(traceview.Handler(store))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/traces/api/traces?minDuration=soon")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Print(res.StatusCode, " ", string(body))
	// Output: 400 {"error":"invalid minDuration \"soon\": want a duration such as 150ms or 2s, or a number of milliseconds"}
}

// A host on a network opens the viewer only to its viewers: a browser signs
// in once at /traces/login, other clients send their token with each
// request.
func ExampleWithViewers() {
	store, _ := traceview.NewStore(100)
	bearer, err := auth.NewBearerAuth(auth.BearerConfig{
		StaticTokens: []auth.StaticToken{{Token: "ops-token-from-the-config", Subject: "external:ops-dashboard"}},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/traces/", traceview.Handler(store,
		traceview.WithAuthenticator(bearer),
		traceview.WithViewers("user:default/alice", "external:ops-dashboard")))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, token := range []string{"", "ops-token-from-the-config"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/traces/api/traces", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Print(res.StatusCode, " ", string(body))
	}
	// Output:
	// 401 {"error":"these traces are not public: send a bearer token, or sign in at /traces/login"}
	// 200 {"traces":[]}
}
