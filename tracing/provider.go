// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/auth"
)

// Provider hands out the tracing service of each plugin. It is safe for
// concurrent use.
type Provider struct {
	cfg      Config
	tp       trace.TracerProvider
	httpAuth auth.HTTPAuth

	mu       sync.Mutex
	services map[string]*service
}

// NewProvider validates cfg and returns a Provider.
//
// By default services take their tracers from the global tracer provider
// ([otel.GetTracerProvider]) and find a request's credentials with
// [auth.ContextHTTPAuth]; see [WithTracerProvider] and [WithHTTPAuth].
func NewProvider(cfg Config, opts ...ProviderOption) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tracing: invalid config: %w", err)
	}
	o := providerConfig{}
	for _, opt := range opts {
		o = opt.apply(o)
	}
	if o.tp == nil {
		o.tp = otel.GetTracerProvider()
	}
	if o.httpAuth == nil {
		o.httpAuth = auth.ContextHTTPAuth()
	}
	return &Provider{
		cfg:      cloneConfig(cfg),
		tp:       o.tp,
		httpAuth: o.httpAuth,
		services: make(map[string]*service),
	}, nil
}

// ForPlugin returns the tracing service of the plugin with the given id. It
// returns the same Service for the same id. An invalid id is an error that
// wraps [ErrInvalidPluginID].
func (p *Provider) ForPlugin(pluginID string) (Service, error) {
	if err := ValidatePluginID(pluginID); err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.services[pluginID]; ok {
		return s, nil
	}
	s := newService(pluginID, p.cfg, p.tp, p.httpAuth)
	p.services[pluginID] = s
	return s, nil
}

// Enabled reports whether tracing is on for the plugin.
func (p *Provider) Enabled(pluginID string) bool { return p.cfg.enabled(pluginID) }

// Config returns a copy of the configuration p was created with.
func (p *Provider) Config() Config { return cloneConfig(p.cfg) }

// cloneConfig copies the map so that later changes by the caller do not race
// with the provider.
func cloneConfig(c Config) Config {
	if c.Plugins == nil {
		return c
	}
	plugins := make(map[string]PluginConfig, len(c.Plugins))
	for id, pc := range c.Plugins {
		if pc.Enabled != nil {
			v := *pc.Enabled
			pc.Enabled = &v
		}
		plugins[id] = pc
	}
	c.Plugins = plugins
	return c
}
