// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net/http"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ProviderOptions are the defaults a [Provider] gives its clients. Each field
// means what the field of the same name in [Options] means, with the same
// default.
type ProviderOptions struct {
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
	MeterProvider  metric.MeterProvider
	// Attributes are added to the spans of every client, before the
	// client's own.
	Attributes []attribute.KeyValue

	// Transport is the base transport the clients share. Default: one clone
	// of [http.DefaultTransport] with the pool and timeouts below, made by
	// NewProvider, so that the clients share one connection pool.
	Transport http.RoundTripper

	MaxIdleConnsPerHost int

	Timeout               time.Duration
	DialTimeout           time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
}

func (o ProviderOptions) settings() settings {
	return Options{
		TracerProvider:        o.TracerProvider,
		Propagator:            o.Propagator,
		MeterProvider:         o.MeterProvider,
		Attributes:            o.Attributes,
		Transport:             o.Transport,
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
		Timeout:               o.Timeout,
		DialTimeout:           o.DialTimeout,
		TLSHandshakeTimeout:   o.TLSHandshakeTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
	}.settings()
}

// Provider hands out HTTP clients that share defaults: telemetry, span
// attributes, timeouts and a base transport. A host makes one per plugin,
// with the plugin's id among the attributes, and hands it to the plugin. It
// is safe for concurrent use.
type Provider struct {
	defaults        settings // resolved; middlewares nil
	transport       http.RoundTripper
	customTransport bool
}

// NewProvider validates o and returns a Provider. The global telemetry
// providers, for the fields left nil, are looked up now. An invalid option
// is an error that names the field and wraps [ErrInvalidOptions].
func NewProvider(o ProviderOptions) (*Provider, error) {
	s := o.settings()
	if err := s.validate("ProviderOptions", s.transport != nil); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	p := &Provider{defaults: s, transport: s.transport, customTransport: s.transport != nil}
	if p.transport == nil {
		p.transport = newTransport(s)
	}
	p.defaults.transport = nil
	return p, nil
}

// New returns a client like [New] does, with p's defaults for every field
// that o leaves zero. o.Attributes are added to p's. The client shares p's
// base transport unless o sets a Transport or a setting of the default
// transport (DialTimeout, TLSHandshakeTimeout, ResponseHeaderTimeout,
// MaxIdleConnsPerHost), in which case it gets a transport, and connection
// pool, of its own.
func (p *Provider) New(o Options) (*http.Client, error) {
	s, base, err := p.resolve(o)
	if err != nil {
		return nil, err
	}
	return s.client(base), nil
}

// DefaultMiddlewares returns the middlewares that p.New(o) uses when
// o.Middlewares is nil. Append to them to keep tracing and add your own.
func (p *Provider) DefaultMiddlewares(o Options) []Middleware {
	return p.merge(o.settings()).defaultMiddlewares()
}

// CloseIdleConnections closes the idle connections of the shared base
// transport. Clients with a transport of their own close theirs with
// [http.Client.CloseIdleConnections].
func (p *Provider) CloseIdleConnections() { closeIdleConnections(p.transport) }

func (p *Provider) resolve(o Options) (settings, http.RoundTripper, error) {
	c := o.settings()
	custom := c.transport != nil || p.customTransport
	if err := c.validate("Options", custom); err != nil {
		return settings{}, nil, err
	}
	s := p.merge(c)
	switch {
	case c.transport != nil:
		return s, c.transport, nil
	case c.transportSet():
		return s, newTransport(s), nil
	default:
		return s, p.transport, nil
	}
}

// merge lays c over p's defaults.
func (p *Provider) merge(c settings) settings {
	s := p.defaults
	if c.tp != nil {
		s.tp = c.tp
	}
	if c.prop != nil {
		s.prop = c.prop
	}
	if c.mp != nil {
		s.mp = c.mp
	}
	if len(c.attrs) > 0 {
		s.attrs = append(slices.Clip(s.attrs), c.attrs...)
	}
	if c.idlePerHost != 0 {
		s.idlePerHost = c.idlePerHost
	}
	s.middlewares = slices.Clone(c.middlewares) // keeps nil apart from empty
	s.timeouts = c.timeouts.or(p.defaults.timeouts)
	return s
}
