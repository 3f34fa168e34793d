// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Defaults for the timeouts of [Options] and [ProviderOptions].
const (
	DefaultTimeout             = 30 * time.Second
	DefaultDialTimeout         = 10 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
)

// DefaultMaxIdleConnsPerHost is the default of [Options.MaxIdleConnsPerHost].
const DefaultMaxIdleConnsPerHost = 32

// NoTimeout turns off the timeout it is given for. A zero timeout means the
// default instead.
const NoTimeout time.Duration = -1

// ErrInvalidOptions is wrapped by every error about invalid [Options] or
// [ProviderOptions].
var ErrInvalidOptions = errors.New("httpclient: invalid options")

// Options configure a client made by [New] or [Provider.New]. The zero value
// is valid: a traced client with the defaults listed on each field.
//
// With [Provider.New], a zero field takes the provider's value instead, and
// Attributes are added to the provider's.
type Options struct {
	// TracerProvider makes the client spans. Default: the global one,
	// [otel.GetTracerProvider], looked up when the client is made (the
	// global provider forwards to whatever is installed later).
	TracerProvider trace.TracerProvider
	// Propagator injects the trace context into each request's headers.
	// Default: the global one, [otel.GetTextMapPropagator], looked up when
	// the client is made.
	Propagator propagation.TextMapPropagator
	// MeterProvider receives the client metrics of the HTTP semantic
	// conventions (http.client.request.duration,
	// http.client.request.body.size). Default: the global one,
	// [otel.GetMeterProvider]. A no-op provider makes them free.
	MeterProvider metric.MeterProvider
	// Attributes are added to every client span, for example the id of the
	// calling plugin.
	Attributes []attribute.KeyValue

	// Middlewares wrap the base transport; the first is the outermost. Nil
	// means [DefaultMiddlewares]: a [TracingMiddleware] configured from the
	// fields above. A non-nil list, even an empty one, replaces the defaults,
	// and the fields above then have no effect.
	Middlewares []Middleware

	// Transport is the base round tripper under the middlewares. Default: a
	// clone of [http.DefaultTransport] with the connection pool and the
	// dial, TLS handshake and response header timeouts below
	// (http.DefaultTransport itself is never changed).
	Transport http.RoundTripper

	// MaxIdleConnsPerHost is how many kept-alive connections to one host
	// the default transport keeps for reuse; in all it keeps four times as
	// many, each for up to 90 seconds. Default:
	// [DefaultMaxIdleConnsPerHost], enough for a plugin that serves a few
	// dozen concurrent requests, each calling the same upstream (net/http's
	// default, 2, would make it dial that upstream again and again). Only
	// for the default transport: setting it together with Transport is an
	// error.
	MaxIdleConnsPerHost int

	// Timeout bounds a whole call, redirects included, from dialing to
	// reading the last byte of the response body, as [http.Client.Timeout]
	// does, but with a deadline on the request's context, which the
	// middlewares see (the returned client's own Timeout is zero: for a
	// chain of middlewares, net/http would spend a goroutine per request
	// on it). Its errors are timeouts ([os.IsTimeout]) that name it.
	// Default: [DefaultTimeout]; [NoTimeout] for none. A request's context
	// can shorten it.
	Timeout time.Duration
	// DialTimeout bounds establishing a TCP connection. Default:
	// [DefaultDialTimeout]. Only for the default transport: setting it
	// together with Transport is an error.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default:
	// [DefaultTLSHandshakeTimeout]. Only for the default transport.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers once
	// the request is written. Default: none, Timeout bounds it. Only for the
	// default transport.
	ResponseHeaderTimeout time.Duration
}

// timeouts are the four timeouts of Options and ProviderOptions.
type timeouts struct {
	overall, dial, tlsHandshake, responseHeader time.Duration
}

// transportSet reports whether a setting of the default base transport is
// given.
func (s settings) transportSet() bool {
	t := s.timeouts
	return t.dial != 0 || t.tlsHandshake != 0 || t.responseHeader != 0 || s.idlePerHost != 0
}

// or returns t with each zero timeout taken from def.
func (t timeouts) or(def timeouts) timeouts {
	pick := func(v, d time.Duration) time.Duration {
		if v == 0 {
			return d
		}
		return v
	}
	return timeouts{
		overall:        pick(t.overall, def.overall),
		dial:           pick(t.dial, def.dial),
		tlsHandshake:   pick(t.tlsHandshake, def.tlsHandshake),
		responseHeader: pick(t.responseHeader, def.responseHeader),
	}
}

var defaultTimeouts = timeouts{
	overall:        DefaultTimeout,
	dial:           DefaultDialTimeout,
	tlsHandshake:   DefaultTLSHandshakeTimeout,
	responseHeader: NoTimeout,
}

// netDuration converts a resolved timeout to net/http's convention, where
// zero means none.
func netDuration(d time.Duration) time.Duration {
	if d == NoTimeout {
		return 0
	}
	return d
}

// settings are Options or ProviderOptions in one form.
type settings struct {
	tp          trace.TracerProvider
	prop        propagation.TextMapPropagator
	mp          metric.MeterProvider
	attrs       []attribute.KeyValue
	middlewares []Middleware // nil: the defaults
	transport   http.RoundTripper
	timeouts    timeouts
	idlePerHost int // MaxIdleConnsPerHost
}

func (o Options) settings() settings {
	return settings{
		tp:          o.TracerProvider,
		prop:        o.Propagator,
		mp:          o.MeterProvider,
		attrs:       o.Attributes,
		middlewares: o.Middlewares,
		transport:   o.Transport,
		idlePerHost: o.MaxIdleConnsPerHost,
		timeouts: timeouts{
			overall:        o.Timeout,
			dial:           o.DialTimeout,
			tlsHandshake:   o.TLSHandshakeTimeout,
			responseHeader: o.ResponseHeaderTimeout,
		},
	}
}

// validate checks s, naming fields as <structName>.<Field>. customTransport
// says whether the base transport is the caller's, in which case the
// transport timeouts cannot apply.
func (s settings) validate(structName string, customTransport bool) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s.%s", ErrInvalidOptions, structName, fmt.Sprintf(format, args...)))
	}
	for _, d := range []struct {
		field     string
		value     time.Duration
		transport bool // a timeout of the default transport
	}{
		{"Timeout", s.timeouts.overall, false},
		{"DialTimeout", s.timeouts.dial, true},
		{"TLSHandshakeTimeout", s.timeouts.tlsHandshake, true},
		{"ResponseHeaderTimeout", s.timeouts.responseHeader, true},
	} {
		switch {
		case d.value < 0 && d.value != NoTimeout:
			fail("%s is %v; want a positive duration, zero for the default, or NoTimeout", d.field, d.value)
		case d.value != 0 && d.transport && customTransport:
			fail("%s is %v, but it applies to the default transport only; set it on your own Transport instead", d.field, d.value)
		}
	}
	switch {
	case s.idlePerHost < 0:
		fail("MaxIdleConnsPerHost is %d; want a positive number, or zero for the default", s.idlePerHost)
	case s.idlePerHost != 0 && customTransport:
		fail("MaxIdleConnsPerHost is %d, but it applies to the default transport only; set it on your own Transport instead", s.idlePerHost)
	}
	for i, kv := range s.attrs {
		if !kv.Valid() {
			fail("Attributes[%d] has an empty key", i)
		}
	}
	for i, mw := range s.middlewares {
		if mw == nil {
			fail("Middlewares[%d] is nil", i)
		}
	}
	return errors.Join(errs...)
}
