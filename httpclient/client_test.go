// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"

	"github.com/plugtrace/plugtrace/httpclient"
)

func TestNewRejectsInvalidOptions(t *testing.T) {
	nop := func(next http.RoundTripper) http.RoundTripper { return next }
	for _, tc := range []struct {
		name string
		o    httpclient.Options
		want []string // each must appear in the error
	}{
		{"negative timeout", httpclient.Options{Timeout: -5 * time.Second}, []string{"Options.Timeout", "-5s"}},
		{"negative dial timeout", httpclient.Options{DialTimeout: -time.Millisecond}, []string{"Options.DialTimeout", "-1ms"}},
		{"negative TLS timeout", httpclient.Options{TLSHandshakeTimeout: -2}, []string{"Options.TLSHandshakeTimeout", "-2ns"}},
		{"negative header timeout", httpclient.Options{ResponseHeaderTimeout: -time.Hour}, []string{"Options.ResponseHeaderTimeout", "-1h0m0s"}},
		{"transport timeout with own transport", httpclient.Options{Transport: http.DefaultTransport, DialTimeout: time.Second},
			[]string{"Options.DialTimeout is 1s", "default transport"}},
		{"negative idle connections", httpclient.Options{MaxIdleConnsPerHost: -1}, []string{"Options.MaxIdleConnsPerHost is -1"}},
		{"idle connections with own transport", httpclient.Options{Transport: http.DefaultTransport, MaxIdleConnsPerHost: 8},
			[]string{"Options.MaxIdleConnsPerHost is 8", "default transport"}},
		{"nil middleware", httpclient.Options{Middlewares: []httpclient.Middleware{nop, nil}}, []string{"Options.Middlewares[1]", "nil"}},
		{"invalid attribute", httpclient.Options{Attributes: []attribute.KeyValue{attribute.String("ok", "v"), attribute.String("", "v")}},
			[]string{"Options.Attributes[1] has an empty key"}},
		{"all at once", httpclient.Options{Timeout: -3, DialTimeout: -4}, []string{"Options.Timeout", "-3ns", "Options.DialTimeout", "-4ns"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := httpclient.New(tc.o)
			if err == nil {
				c.CloseIdleConnections()
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, httpclient.ErrInvalidOptions) {
				t.Errorf("error %q does not wrap ErrInvalidOptions", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newClient(t, httpclient.Options{ResponseHeaderTimeout: 50 * time.Millisecond, Timeout: testTimeout})

	start := time.Now()
	_, err := do(t, context.Background(), c, http.MethodGet, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Fatalf("err = %v, want the response header timeout", err)
	}
	if d := time.Since(start); d > testTimeout/2 {
		t.Errorf("took %v: the response header timeout did not apply", d)
	}
}

func TestNewLeavesDefaultTransportAlone(t *testing.T) {
	def := http.DefaultTransport.(*http.Transport)
	before := *def.Clone()
	newClient(t, httpclient.Options{
		DialTimeout:           time.Second,
		TLSHandshakeTimeout:   2 * time.Second,
		ResponseHeaderTimeout: 3 * time.Second,
	})
	if def.TLSHandshakeTimeout != before.TLSHandshakeTimeout || def.ResponseHeaderTimeout != before.ResponseHeaderTimeout {
		t.Errorf("http.DefaultTransport changed: TLS %v -> %v, response header %v -> %v",
			before.TLSHandshakeTimeout, def.TLSHandshakeTimeout, before.ResponseHeaderTimeout, def.ResponseHeaderTimeout)
	}
}

func TestNewUsesGlobalsLookedUpAtNew(t *testing.T) {
	tel := newTelemetry(t)
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tel.tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})
	srv := newServer(t, nil)
	c := newClient(t, httpclient.Options{Timeout: testTimeout})

	mustDo(t, context.Background(), c, srv.URL)

	tel.onlyClientSpan(t)
	if srv.lastTraceparent(t) == "" {
		t.Error("no traceparent with the global propagator")
	}
	if otel.GetTracerProvider() != tel.tp {
		t.Error("New changed the global tracer provider")
	}
}

func TestMiddlewares(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)

	var mu sync.Mutex
	var calls []string
	record := func(name string) httpclient.Middleware {
		return func(next http.RoundTripper) http.RoundTripper {
			return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				calls = append(calls, name)
				mu.Unlock()
				return next.RoundTrip(r)
			})
		}
	}

	t.Run("an explicit list replaces the defaults", func(t *testing.T) {
		tel.rec.Reset()
		calls = nil
		o := tel.options()
		o.Middlewares = []httpclient.Middleware{record("outer"), record("inner")}
		mustDo(t, context.Background(), newClient(t, o), srv.URL)
		if !equal(calls, []string{"outer", "inner"}) {
			t.Errorf("calls = %v, want outer then inner", calls)
		}
		if n := len(tel.clientSpans()); n != 0 {
			t.Errorf("got %d client spans, want none", n)
		}
	})

	t.Run("DefaultMiddlewares keep tracing", func(t *testing.T) {
		tel.rec.Reset()
		calls = nil
		o := tel.options()
		o.Attributes = []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")}
		o.Middlewares = append(httpclient.DefaultMiddlewares(o), record("mine"))
		mustDo(t, context.Background(), newClient(t, o), srv.URL)
		if !equal(calls, []string{"mine"}) {
			t.Errorf("calls = %v, want mine", calls)
		}
		span := tel.onlyClientSpan(t)
		if v, _ := attr(span, "plugtrace.plugin.id"); v.AsString() != "weather" {
			t.Errorf("plugtrace.plugin.id = %q, want weather", v.AsString())
		}
	})

	t.Run("Chain", func(t *testing.T) {
		calls = nil
		base := httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			calls = append(calls, "base")
			return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Request: r}, nil
		})
		rt := httpclient.Chain(base, record("1"), record("2"), record("3"))
		req, _ := http.NewRequest(http.MethodGet, "http://example.invalid/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTeapot {
			t.Fatalf("RoundTrip = %v, %v", resp, err)
		}
		if want := []string{"1", "2", "3", "base"}; !equal(calls, want) {
			t.Errorf("calls = %v, want %v", calls, want)
		}
	})
}

// Options given to New are copied: changing them afterwards changes no client.
func TestNewCopiesOptions(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	o := tel.options()
	o.Attributes = []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")}
	c := newClient(t, o)
	o.Attributes[0] = attribute.String("plugtrace.plugin.id", "changed")

	mustDo(t, context.Background(), c, srv.URL)

	if v, _ := attr(tel.onlyClientSpan(t), "plugtrace.plugin.id"); v.AsString() != "weather" {
		t.Errorf("plugtrace.plugin.id = %q, want weather", v.AsString())
	}
}
