// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net/http"
	"slices"

	"go.opentelemetry.io/otel"
)

// New returns an HTTP client configured by o: its base transport wrapped in
// the middlewares, by default a [TracingMiddleware]. Each client made by New
// has its own default transport, and so its own connection pool; clients
// made by one [Provider] share one.
//
// Invalid options, such as a negative timeout, are an error that names the
// field and wraps [ErrInvalidOptions]. New changes no global state.
func New(o Options) (*http.Client, error) {
	s := o.settings()
	if err := s.validate("Options", s.transport != nil); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	base := s.transport
	if base == nil {
		base = newTransport(s)
	}
	return s.client(base), nil
}

// DefaultMiddlewares returns the middlewares that [New] uses when
// o.Middlewares is nil: a [TracingMiddleware] with o's TracerProvider,
// Propagator, MeterProvider and Attributes. Append to them to keep tracing
// and add middlewares of your own:
//
//	o.Middlewares = append(httpclient.DefaultMiddlewares(o), retry)
func DefaultMiddlewares(o Options) []Middleware {
	return o.settings().withDefaults().defaultMiddlewares()
}

// withDefaults fills in what s leaves out and copies the slices the caller
// could change later.
func (s settings) withDefaults() settings {
	if s.tp == nil {
		s.tp = otel.GetTracerProvider()
	}
	if s.prop == nil {
		s.prop = otel.GetTextMapPropagator()
	}
	if s.mp == nil {
		s.mp = otel.GetMeterProvider()
	}
	s.attrs = slices.Clone(s.attrs)
	s.middlewares = slices.Clone(s.middlewares) // keeps nil apart from empty
	s.timeouts = s.timeouts.or(defaultTimeouts)
	if s.idlePerHost == 0 {
		s.idlePerHost = DefaultMaxIdleConnsPerHost
	}
	return s
}

func (s settings) defaultMiddlewares() []Middleware {
	return []Middleware{TracingMiddleware(
		WithTracerProvider(s.tp),
		WithPropagator(s.prop),
		WithMeterProvider(s.mp),
		WithAttributes(s.attrs...),
	)}
}

// client wraps base in the middlewares of s.
func (s settings) client(base http.RoundTripper) *http.Client {
	middlewares := s.middlewares
	if middlewares == nil {
		middlewares = s.defaultMiddlewares()
	}
	rt := Chain(base, middlewares...)
	if d := netDuration(s.timeouts.overall); d > 0 {
		rt = &deadlineTransport{next: rt, timeout: d}
	}
	return &http.Client{Transport: &chainTransport{rt: rt, base: base}}
}
