package host

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/telemetry"
)

// setupExternal prepares the supervisors of the configured external plugins
// (and the relay they export to); nothing starts before Start.
func (h *Host) setupExternal(limits ExternalLimits) error {
	t := h.cfg.Backend.Tracing
	if len(h.cfg.Plugins) == 0 {
		return nil
	}
	// config.Validate has checked what direct export needs.
	if t.Plugins.Export != config.ExportDirect {
		r, err := newRelay(h.telemetry.Relay)
		if err != nil {
			return fmt.Errorf("host: relay: %w", err)
		}
		h.relay = r
	}
	for i, pc := range h.cfg.Plugins {
		handoff, extra, err := h.handoff(i, pc)
		if err != nil {
			return err
		}
		ext := newExternalPlugin(pc.ID, pc.Command, pluginEnviron(handoff.Environ(), extra), limits,
			h.telemetry.TracerProvider(), h.telemetry.Propagator(), h)
		h.external = append(h.external, ext)
	}
	return nil
}

// handoff returns the telemetry hand-off of plugins[i] and its extra
// environment (plugins[i].env, minus what the hand-off takes from it).
func (h *Host) handoff(i int, pc config.ExternalPlugin) (telemetry.Handoff, []string, error) {
	t := h.cfg.Backend.Tracing
	tracer := t.Plugin[pc.ID].Tracer
	ho := telemetry.Handoff{
		PluginID:        pc.ID,
		Enabled:         h.tracing.Enabled(pc.ID),
		Propagators:     t.Propagators,
		Sampler:         t.Sampler.Type,
		ServiceName:     pc.ID,
		Resource:        map[string]string{},
		TracerName:      tracer.Name,
		TracerVersion:   tracer.Version,
		TracerSchemaURL: tracer.SchemaURL,
		CaptureEndUser:  t.Capture.EndUser,
	}
	if strings.Contains(t.Sampler.Type, "traceidratio") {
		ho.SamplerArg = formatRatio(t.Sampler.Ratio)
	}
	// The host's resource describes the deployment (environment, region);
	// its service.name is the host's own.
	for k, v := range t.Resource {
		if k != "service.name" {
			ho.Resource[k] = v
		}
	}
	if h.relay != nil {
		ho.Protocol = config.ProtocolGRPC
		ho.Endpoint = h.relay.endpoint()
		ho.Headers = map[string]string{"authorization": "Bearer " + h.relay.token(pc.ID)}
	} else {
		ho.Protocol = t.OTLP.Protocol
		ho.Endpoint = t.OTLP.EndpointURL()
		ho.Headers = maps.Clone(t.OTLP.Headers)
	}

	var extra []string
	for _, k := range slices.Sorted(maps.Keys(pc.Env)) {
		v := pc.Env[k]
		switch {
		case k == telemetry.EnvServiceName:
			ho.ServiceName = v // "unless its config says otherwise"
		case k == telemetry.EnvResource:
			kv, err := telemetry.ParseKeyValues(k, v)
			if err != nil {
				// Not the parser's message: it quotes the value, and
				// plugins[].env values may be secret. (config.Validate
				// has refused this already.)
				return ho, nil, fmt.Errorf("plugins[%d].env.%s: not a comma-separated list of key=value pairs", i, k)
			}
			maps.Copy(ho.Resource, kv)
		case telemetry.IsHandoffVariable(k):
			// config.Validate refuses these; never let one through.
			continue
		default:
			extra = append(extra, k+"="+v)
		}
	}
	return ho, extra, nil
}

// startExternal starts every external plugin's supervisor and waits until
// each has started, or failed once, so that the first requests find them.
func (h *Host) startExternal() {
	for _, ext := range h.external {
		ext.run()
	}
	deadline := time.Now().Add(h.limits.StartTimeout)
	for _, ext := range h.external {
		for time.Now().Before(deadline) {
			if state, _, _ := ext.info(); state != StateStarting {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
