// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
)

// ProviderOption configures a [Provider].
type ProviderOption interface {
	apply(providerConfig) providerConfig
}

type providerConfig struct {
	tp       trace.TracerProvider
	httpAuth auth.HTTPAuth
}

type providerOptionFunc func(providerConfig) providerConfig

func (f providerOptionFunc) apply(c providerConfig) providerConfig { return f(c) }

// WithTracerProvider sets the tracer provider that plugin tracers come from.
// The default is the global one, [otel.GetTracerProvider].
func WithTracerProvider(tp trace.TracerProvider) ProviderOption {
	return providerOptionFunc(func(c providerConfig) providerConfig {
		c.tp = tp
		return c
	})
}

// WithHTTPAuth sets how [WithRequest] finds a request's credentials. The
// default, [auth.ContextHTTPAuth], reads what the host stored in the
// request's context.
func WithHTTPAuth(a auth.HTTPAuth) ProviderOption {
	return providerOptionFunc(func(c providerConfig) providerConfig {
		c.httpAuth = a
		return c
	})
}
