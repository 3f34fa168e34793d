// SPDX-License-Identifier: Apache-2.0

package plugin_test

import (
	"context"
	"log"
	"net/http"

	"go.opentelemetry.io/otel/attribute"

	"github.com/plugtrace/plugtrace/httpclient"
	"github.com/plugtrace/plugtrace/plugin"
	"github.com/plugtrace/plugtrace/tracing"
)

// The whole main function of an external plugin. The host starts the
// binary (plugins[].command in its config) and serves its handler at
// /api/hello/. (Compiled, not run: it needs a host.)
func Example() {
	newHandler := func(ctx context.Context, env plugin.Env) (http.Handler, error) {
		client, err := env.HTTPClient.New(httpclient.Options{})
		if err != nil {
			return nil, err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /greeting", func(w http.ResponseWriter, r *http.Request) {
			err := env.Tracing.StartActiveSpan(r.Context(), "hello.greet", func(ctx context.Context, span tracing.Span) error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:9000/names", nil)
				resp, err := client.Do(req) // a client span, child of hello.greet
				if err != nil {
					return err
				}
				return resp.Body.Close()
			}, tracing.WithRequest(r))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			_, _ = w.Write([]byte("hello\n"))
		})
		return mux, nil
	}

	err := plugin.Manage("hello", newHandler, plugin.ManageOpts{
		TracingOpts: plugin.TracingOpts{
			CustomAttributes: []attribute.KeyValue{attribute.String("hello.team", "docs")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
}
