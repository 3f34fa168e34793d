// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
)

// SpanOption configures a span started by [Service.StartActiveSpan] or [Run].
type SpanOption interface {
	applySpan(spanConfig) spanConfig
}

// spanConfig is small (five words) because every option copies it.
type spanConfig struct {
	attrs []attribute.KeyValue
	kind  trace.SpanKind
	creds *credentialsOption // nil: none given
	req   *http.Request
}

func newSpanConfig(opts []SpanOption) spanConfig {
	c := spanConfig{kind: trace.SpanKindInternal}
	for _, o := range opts {
		// The common options directly; the set is sealed, so the
		// method is the fallback, not an extension point.
		switch o := o.(type) {
		case kindOption:
			c.kind = trace.SpanKind(o)
		default:
			c = o.applySpan(c)
		}
	}
	return c
}

type attributesOption []attribute.KeyValue

func (o attributesOption) applySpan(c spanConfig) spanConfig {
	if c.attrs == nil {
		// Share the option's slice; the capped capacity makes a later append
		// copy instead of writing into it, so options stay reusable.
		c.attrs = o[:len(o):len(o)]
	} else {
		c.attrs = append(c.attrs, o...)
	}
	return c
}

// WithAttributes adds attributes to the span when it starts. An attribute
// with the key plugtrace.plugin.id replaces the plugin's own id.
func WithAttributes(kv ...attribute.KeyValue) SpanOption { return attributesOption(kv) }

type kindOption trace.SpanKind

func (o kindOption) applySpan(c spanConfig) spanConfig {
	c.kind = trace.SpanKind(o)
	return c
}

// WithKind sets the span's kind. The default is [trace.SpanKindInternal].
func WithKind(kind trace.SpanKind) SpanOption { return kindOption(kind) }

type credentialsOption struct{ creds auth.Credentials }

func (o *credentialsOption) applySpan(c spanConfig) spanConfig {
	c.creds = o
	return c
}

// WithCredentials attributes the span to the caller with these credentials.
// It wins over [WithRequest].
func WithCredentials(creds auth.Credentials) SpanOption { return &credentialsOption{creds} }

type requestOption struct{ r *http.Request }

func (o requestOption) applySpan(c spanConfig) spanConfig {
	c.req = o.r
	return c
}

// WithRequest attributes the span to the caller of r, whose credentials the
// provider's [auth.HTTPAuth] establishes. The request is used for nothing
// else. If its credentials are invalid, StartActiveSpan returns the error
// without running fn, whether or not the plugin is traced.
func WithRequest(r *http.Request) SpanOption { return requestOption{r} }
