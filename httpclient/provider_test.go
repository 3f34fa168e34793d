// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"

	"github.com/plugtrace/plugtrace/httpclient"
)

func newProvider(t *testing.T, o httpclient.ProviderOptions) *httpclient.Provider {
	t.Helper()
	p, err := httpclient.NewProvider(o)
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	t.Cleanup(p.CloseIdleConnections)
	return p
}

func providerClient(t *testing.T, p *httpclient.Provider, o httpclient.Options) *http.Client {
	t.Helper()
	c, err := p.New(o)
	if err != nil {
		t.Fatalf("Provider.New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// countingServer counts the connections it accepts.
func countingServer(t *testing.T) (*server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := newServerWith(t, nil, func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	})
	return srv, &conns
}

func TestProviderSharesDefaults(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	p := newProvider(t, httpclient.ProviderOptions{
		TracerProvider: tel.tp,
		Propagator:     tel.prop,
		MeterProvider:  metricnoop.NewMeterProvider(),
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
		Timeout:        7 * time.Second,
	})

	c := providerClient(t, p, httpclient.Options{
		Attributes: []attribute.KeyValue{attribute.String("upstream", "forecast")},
	})
	d := &deadlines{}
	timed := providerClient(t, p, httpclient.Options{Middlewares: []httpclient.Middleware{d.middleware}})
	start := time.Now()
	mustDo(t, context.Background(), timed, srv.URL)
	if dl := d.all(); len(dl) != 1 || dl[0].Before(start.Add(7*time.Second)) || dl[0].After(time.Now().Add(7*time.Second)) {
		t.Errorf("deadlines %v after the call began, want the provider's 7s", dl)
	}
	ctx, parent := tel.parent(t)
	mustDo(t, ctx, c, srv.URL)
	parent.End()

	span := tel.onlyClientSpan(t)
	for key, want := range map[attribute.Key]string{"plugtrace.plugin.id": "weather", "upstream": "forecast"} {
		if v, _ := attr(span, key); v.AsString() != want {
			t.Errorf("%s = %q, want %q", key, v.AsString(), want)
		}
	}
	if span.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Error("not a child of the caller's span")
	}
	if srv.lastTraceparent(t) == "" {
		t.Error("no traceparent")
	}
}

func TestProviderClientOverrides(t *testing.T) {
	providerTel, clientTel := newTelemetry(t), newTelemetry(t)
	srv := newServer(t, nil)
	p := newProvider(t, httpclient.ProviderOptions{
		TracerProvider: providerTel.tp,
		Propagator:     propagation.TraceContext{},
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
	})
	c := providerClient(t, p, httpclient.Options{
		TracerProvider: clientTel.tp,
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "other")},
		Timeout:        httpclient.NoTimeout,
	})
	if c.Timeout != 0 {
		t.Errorf("Timeout = %v, want none", c.Timeout)
	}

	mustDo(t, context.Background(), c, srv.URL)

	if n := len(providerTel.clientSpans()); n != 0 {
		t.Errorf("provider's tracer provider got %d spans, want none", n)
	}
	// The client's attribute comes last, so it wins.
	if v, _ := attr(clientTel.onlyClientSpan(t), "plugtrace.plugin.id"); v.AsString() != "other" {
		t.Errorf("plugtrace.plugin.id = %q, want the client's", v.AsString())
	}
}

func TestProviderClientsShareConnections(t *testing.T) {
	srv, conns := countingServer(t)
	p := newProvider(t, httpclient.ProviderOptions{Timeout: testTimeout})
	for range 3 {
		mustDo(t, context.Background(), providerClient(t, p, httpclient.Options{}), srv.URL)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("3 clients of one provider opened %d connections, want 1", n)
	}

	// A transport timeout of its own gives a client its own pool.
	mustDo(t, context.Background(), providerClient(t, p, httpclient.Options{DialTimeout: time.Second}), srv.URL)
	if n := conns.Load(); n != 2 {
		t.Errorf("connections = %d, want a second one for the client with its own DialTimeout", n)
	}

	// So does a pool size of its own.
	mustDo(t, context.Background(), providerClient(t, p, httpclient.Options{MaxIdleConnsPerHost: 4}), srv.URL)
	if n := conns.Load(); n != 3 {
		t.Errorf("connections = %d, want a third one for the client with its own MaxIdleConnsPerHost", n)
	}

	// Clients of New do not share.
	mustDo(t, context.Background(), newClient(t, httpclient.Options{Timeout: testTimeout}), srv.URL)
	if n := conns.Load(); n != 4 {
		t.Errorf("connections = %d, want a fourth one for a client of New", n)
	}
}

func TestProviderTransport(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	var used atomic.Int64
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	p := newProvider(t, httpclient.ProviderOptions{
		TracerProvider: tel.tp,
		Transport: httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			used.Add(1)
			return base.RoundTrip(r)
		}),
	})

	mustDo(t, context.Background(), providerClient(t, p, httpclient.Options{}), srv.URL)
	if used.Load() != 1 {
		t.Errorf("the provider's transport served %d requests, want 1", used.Load())
	}
	tel.onlyClientSpan(t)

	// Timeouts of the default transport cannot apply to the provider's own.
	_, err := p.New(httpclient.Options{TLSHandshakeTimeout: time.Second})
	if !errors.Is(err, httpclient.ErrInvalidOptions) || !strings.Contains(err.Error(), "Options.TLSHandshakeTimeout") {
		t.Errorf("err = %v, want one about Options.TLSHandshakeTimeout", err)
	}
}

func TestProviderExplicitMiddlewares(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, nil)
	p := newProvider(t, httpclient.ProviderOptions{
		TracerProvider: tel.tp,
		Propagator:     tel.prop,
		Attributes:     []attribute.KeyValue{attribute.String("plugtrace.plugin.id", "weather")},
	})

	mustDo(t, context.Background(), providerClient(t, p, httpclient.Options{Middlewares: []httpclient.Middleware{}}), srv.URL)
	if n := len(tel.clientSpans()); n != 0 {
		t.Errorf("got %d client spans with an empty middleware list, want none", n)
	}
	if tp := srv.lastTraceparent(t); tp != "" {
		t.Errorf("traceparent = %q, want none", tp)
	}

	var mine atomic.Int64
	extra := func(next http.RoundTripper) http.RoundTripper {
		return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			mine.Add(1)
			return next.RoundTrip(r)
		})
	}
	o := httpclient.Options{Attributes: []attribute.KeyValue{attribute.String("upstream", "forecast")}}
	o.Middlewares = append(p.DefaultMiddlewares(o), extra)
	mustDo(t, context.Background(), providerClient(t, p, o), srv.URL)
	if mine.Load() != 1 {
		t.Error("the extra middleware did not run")
	}
	span := tel.onlyClientSpan(t)
	for key, want := range map[attribute.Key]string{"plugtrace.plugin.id": "weather", "upstream": "forecast"} {
		if v, _ := attr(span, key); v.AsString() != want {
			t.Errorf("%s = %q, want %q", key, v.AsString(), want)
		}
	}
}

func TestNewProviderRejectsInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    httpclient.ProviderOptions
		want []string
	}{
		{"negative timeout", httpclient.ProviderOptions{Timeout: -time.Second}, []string{"ProviderOptions.Timeout", "-1s"}},
		{"transport timeout with own transport", httpclient.ProviderOptions{Transport: http.DefaultTransport, ResponseHeaderTimeout: time.Second},
			[]string{"ProviderOptions.ResponseHeaderTimeout is 1s", "default transport"}},
		{"idle connections with own transport", httpclient.ProviderOptions{Transport: http.DefaultTransport, MaxIdleConnsPerHost: 8},
			[]string{"ProviderOptions.MaxIdleConnsPerHost is 8", "default transport"}},
		{"invalid attribute", httpclient.ProviderOptions{Attributes: []attribute.KeyValue{{Value: attribute.StringValue("v")}}},
			[]string{"ProviderOptions.Attributes[0]", "empty key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := httpclient.NewProvider(tc.o)
			if err == nil {
				p.CloseIdleConnections()
				t.Fatal("NewProvider succeeded")
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

	p := newProvider(t, httpclient.ProviderOptions{})
	if _, err := p.New(httpclient.Options{Timeout: -time.Minute}); err == nil || !strings.Contains(err.Error(), "Options.Timeout is -1m0s") {
		t.Errorf("Provider.New: err = %v, want one naming Options.Timeout and its value", err)
	}
}
