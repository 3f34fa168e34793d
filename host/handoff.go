// SPDX-License-Identifier: Apache-2.0

package host

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/handoff"
)

// hostEnvAllowed lists the host variables a plugin process inherits: enough
// to run, nothing secret. Everything else comes from the hand-off and
// plugins[].env.
var hostEnvAllowed = []string{"PATH", "HOME", "USER", "TMPDIR", "TZ", "LANG", "LC_ALL", "SYSTEMROOT"}

// pluginEnviron is the whole environment of plugins[i]'s process: the few
// host variables it needs to run, its plugins[].env, and the telemetry
// hand-off, which the host builds here and nowhere else.
func (h *Host) pluginEnviron(i int) ([]string, error) {
	pc := h.cfg.Plugins[i]
	t := h.cfg.Backend.Tracing
	tracer := t.Plugin[pc.ID].Tracer
	s := handoff.Settings{
		PluginID:        pc.ID,
		Enabled:         h.tracing.Enabled(pc.ID),
		Propagators:     t.Propagators,
		Sampler:         t.Sampler.Type,
		ServiceName:     pc.ID,
		Resource:        h.telemetry.DeploymentAttributes(),
		TracerName:      tracer.Name,
		TracerVersion:   tracer.Version,
		TracerSchemaURL: tracer.SchemaURL,
		CaptureEndUser:  t.Capture.EndUser,
	}
	if config.IsRatio(t.Sampler.Type) {
		s.SamplerArg = strconv.FormatFloat(t.Sampler.Ratio, 'g', -1, 64)
	}
	// Where the YAML is silent, the plugin's SDK reads what the host's
	// read: the host's own standard variables, passed on as they are.
	if s.Sampler == "" {
		s.Sampler, s.SamplerArg = os.Getenv(handoff.EnvSampler), os.Getenv(handoff.EnvSamplerArg)
	}
	if s.Propagators == nil {
		// Said explicitly: SDKs in other languages may default otherwise.
		s.Propagators = []string{"tracecontext", "baggage"}
		if v := os.Getenv(handoff.EnvPropagators); v != "" {
			s.Propagators = []string{v}
		}
	}
	if h.relay != nil {
		s.Protocol = config.ProtocolGRPC
		s.Endpoint = h.relay.endpoint()
		s.Headers = map[string]string{"authorization": "Bearer " + h.relay.token(pc.ID)}
	} else {
		// Direct export: the upstream the host exports to, as configured,
		// or as the host's OTEL_EXPORTER_OTLP_* variables say.
		s.Protocol = t.OTLP.Protocol
		if t.OTLP.Endpoint != "" {
			s.Endpoint = t.OTLP.EndpointURL()
		}
		s.Headers = maps.Clone(t.OTLP.Headers)
		for _, k := range handoff.ExporterVariables {
			if v, ok := os.LookupEnv(k); ok && v != "" {
				s.Exporter = append(s.Exporter, k+"="+v)
			}
		}
	}

	var env []string
	for _, k := range hostEnvAllowed {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(pc.Env)) {
		v := pc.Env[k]
		switch {
		case k == handoff.EnvServiceName:
			s.ServiceName = v // "unless its config says otherwise"
		case k == handoff.EnvResource:
			kv, err := handoff.DecodeKeyValues(v)
			if err != nil {
				// Not the decoder's message: plugins[].env values may be
				// secret. (config.Validate has refused this already.)
				return nil, fmt.Errorf("plugins[%d].env.%s: not a comma-separated list of key=value pairs", i, k)
			}
			maps.Copy(s.Resource, kv)
		case handoff.IsReserved(k):
			// config.Validate refuses these; never let one through.
			continue
		default:
			env = append(env, k+"="+v)
		}
	}
	return append(env, s.Environ()...), nil
}
