// SPDX-License-Identifier: Apache-2.0

package handoff

import (
	"fmt"
	"strconv"
)

// Plugin is the part of the hand-off that a plugin reads by hand: the
// PLUGTRACE_* variables. Its OpenTelemetry SDK reads the OTEL_* ones.
type Plugin struct {
	ID string
	// Enabled is false when the host turned tracing off for the plugin.
	Enabled bool
	// The tracer scope the host's configuration sets; empty fields keep the
	// defaults.
	TracerName, TracerVersion, TracerSchemaURL string
	CaptureEndUser                             bool
}

// FromEnv reads the PLUGTRACE_* variables through lookup (os.LookupEnv).
// started is false when the process was not started by a plugtrace host (no
// PLUGTRACE_PLUGIN_ID). Errors name the variable.
func FromEnv(lookup func(string) (string, bool)) (p Plugin, started bool, err error) {
	id, started := lookup(EnvPluginID)
	if !started {
		return Plugin{}, false, nil
	}
	get := func(k string) string { v, _ := lookup(k); return v }
	p = Plugin{
		ID:              id,
		TracerName:      get(EnvTracerName),
		TracerVersion:   get(EnvTracerVersion),
		TracerSchemaURL: get(EnvTracerSchemaURL),
	}
	if p.Enabled, err = parseBool(EnvTracingEnabled, get(EnvTracingEnabled), true); err != nil {
		return p, true, err
	}
	if p.CaptureEndUser, err = parseBool(EnvCaptureEndUser, get(EnvCaptureEndUser), false); err != nil {
		return p, true, err
	}
	return p, true, nil
}

func parseBool(name, v string, def bool) (bool, error) {
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s: %q is not true or false; the host sets it, check the plugin's environment", name, v)
	}
	return b, nil
}
