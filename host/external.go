// SPDX-License-Identifier: Apache-2.0

package host

import (
	"fmt"
	"time"

	"github.com/plugtrace/plugtrace/config"
)

// setupExternal prepares the supervisors of the configured external plugins
// (and the relay they export to); nothing starts before Start.
func (h *Host) setupExternal() error {
	if len(h.cfg.Plugins) == 0 {
		return nil
	}
	// config.Validate has checked what direct export needs.
	if h.cfg.Backend.Tracing.Plugins.Export != config.ExportDirect {
		r, err := newRelay(h.telemetry.Relay)
		if err != nil {
			return fmt.Errorf("host: relay: %w", err)
		}
		h.relay = r
	}
	traced := h.cfg.Backend.Tracing.Sampler.Type != config.SamplerAlwaysOff
	for i, pc := range h.cfg.Plugins {
		environ, err := h.pluginEnviron(i)
		if err != nil {
			return err
		}
		h.external = append(h.external, newExternalPlugin(pc.ID, pc.Command, environ, h.limits,
			h.telemetry.TracerProvider(), h.telemetry.Propagator(), traced, h.logger))
	}
	return nil
}

// startExternal starts every external plugin's supervisor and waits until
// each has started, or failed once, so that the first requests find them.
func (h *Host) startExternal() {
	for _, ext := range h.external {
		ext.run()
	}
	deadline := time.NewTimer(h.limits.StartTimeout)
	defer deadline.Stop()
	for _, ext := range h.external {
		select {
		case <-ext.firstStart:
		case <-deadline.C:
			return
		}
	}
}
