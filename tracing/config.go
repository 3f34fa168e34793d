// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Config says which plugins are traced and how. The zero value is valid:
// every plugin is traced with its default tracer, and the caller's identity
// is not captured.
type Config struct {
	// CaptureEndUser records the caller's identity as enduser.id on spans
	// started with credentials. Off by default: an identity is personal data.
	// While it is off, the service drops enduser.id from every span, whoever
	// sets it.
	CaptureEndUser bool

	// DisableByDefault turns tracing off for every plugin whose
	// PluginConfig.Enabled is not set to true.
	DisableByDefault bool

	// Plugins holds per-plugin settings, keyed by plugin id.
	Plugins map[string]PluginConfig
}

// PluginConfig holds the tracing settings of one plugin.
type PluginConfig struct {
	// Enabled switches tracing on or off for the plugin. Nil follows
	// Config.DisableByDefault.
	Enabled *bool

	// Tracer overrides the plugin's tracer (its instrumentation scope).
	Tracer TracerConfig
}

// TracerConfig overrides the instrumentation scope of a plugin's tracer. Each
// empty field keeps its default: name "plugtrace-plugin-<id>", no version, no
// schema URL.
type TracerConfig struct {
	Name      string
	Version   string
	SchemaURL string
}

// pluginIDPattern is the grammar of plugin ids: lower-case words of letters
// and digits, each starting with a letter, joined by single '-' or '_'.
const pluginIDPattern = `^[a-z][a-z0-9]*([-_][a-z][a-z0-9]*)*$`

var pluginIDRE = regexp.MustCompile(pluginIDPattern)

// ErrInvalidPluginID is wrapped by every error about a malformed plugin id.
var ErrInvalidPluginID = errors.New("invalid plugin id")

// ValidatePluginID reports whether id is a well-formed plugin id, such as
// "todos" or "weather-forecast". The error wraps [ErrInvalidPluginID].
func ValidatePluginID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: must not be empty", ErrInvalidPluginID)
	}
	if !pluginIDRE.MatchString(id) {
		return fmt.Errorf("%w %q: must match %s (lower-case letters and digits, words joined by '-' or '_')",
			ErrInvalidPluginID, id, pluginIDPattern)
	}
	return nil
}

// Validate reports every problem in c, naming the offending field.
func (c Config) Validate() error {
	ids := make([]string, 0, len(c.Plugins))
	for id := range c.Plugins {
		ids = append(ids, id)
	}
	sort.Strings(ids) // deterministic messages
	var errs []error
	for _, id := range ids {
		field := fmt.Sprintf("Plugins[%q]", id)
		if err := ValidatePluginID(id); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
			continue
		}
		if err := c.Plugins[id].Tracer.validate(field + ".Tracer"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t TracerConfig) validate(field string) error {
	if t.Name != "" && strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("%s.Name: %q is blank; leave it empty for the default name", field, t.Name)
	}
	if t.SchemaURL != "" {
		u, err := url.Parse(t.SchemaURL)
		if err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("%s.SchemaURL: %q is not an absolute URL such as https://opentelemetry.io/schemas/1.26.0", field, t.SchemaURL)
		}
	}
	return nil
}

// enabled reports whether the plugin id is traced under c.
func (c Config) enabled(id string) bool {
	if p, ok := c.Plugins[id]; ok && p.Enabled != nil {
		return *p.Enabled
	}
	return !c.DisableByDefault
}

// tracerConfig returns the effective scope of plugin id's tracer.
func (c Config) tracerConfig(id string) TracerConfig {
	t := c.Plugins[id].Tracer
	if t.Name == "" {
		t.Name = DefaultTracerName(id)
	}
	return t
}

// DefaultTracerName returns the instrumentation scope name of a plugin's
// tracer when no override is configured: "plugtrace-plugin-<id>".
func DefaultTracerName(pluginID string) string { return "plugtrace-plugin-" + pluginID }
