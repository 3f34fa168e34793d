// SPDX-License-Identifier: Apache-2.0

package otlpconv

import "go.opentelemetry.io/otel/attribute"

// Option configures Spans.
type Option interface{ apply(config) config }

type config struct {
	resourceAttrs []attribute.KeyValue
	spanAttrs     []attribute.KeyValue
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithResourceAttributes sets kv on every resource, replacing what the
// sender gave for the same keys. The relay uses it to stamp the sender,
// whose token it checked, so that a plugin cannot pass its spans off as
// another's. These attributes are not counted against the limit.
func WithResourceAttributes(kv ...attribute.KeyValue) Option {
	return optionFunc(func(c config) config {
		c.resourceAttrs = append(c.resourceAttrs[:len(c.resourceAttrs):len(c.resourceAttrs)], kv...)
		return c
	})
}

// WithSpanAttributes sets kv on every span, replacing what the sender gave
// for the same keys. These attributes are not counted against the limit.
func WithSpanAttributes(kv ...attribute.KeyValue) Option {
	return optionFunc(func(c config) config {
		c.spanAttrs = append(c.spanAttrs[:len(c.spanAttrs):len(c.spanAttrs)], kv...)
		return c
	})
}
