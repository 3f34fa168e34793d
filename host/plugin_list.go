// SPDX-License-Identifier: Apache-2.0

package host

import (
	"net/http"

	"github.com/plugtrace/plugtrace/internal/httpjson"
)

// Plugin kinds reported by /api/plugins.
const (
	KindInProcess = "in-process"
	KindExternal  = "external"
)

// Plugin states reported by /api/plugins. An in-process plugin is always
// running; an external one goes through all of them.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	StateCrashed  = "crashed" // exited or failed to start; restarting with backoff
	StateStopping = "stopping"
	StateStopped  = "stopped"
)

// PluginInfo describes one plugin in /api/plugins.
type PluginInfo struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Tracing bool   `json:"tracing"`
	Mount   string `json:"mount"`
	// Restarts counts how often an external plugin was restarted.
	Restarts int `json:"restarts,omitempty"`
	// LastError is why an external plugin last went down.
	LastError string `json:"lastError,omitempty"`
	// Version is the version an external plugin declares (protocol
	// version 2), as of its last start.
	Version string `json:"version,omitempty"`
	// Protocol is the protocol version an external plugin speaks, 1 or 2,
	// as of its last start; 0 (left out) before it ever started.
	Protocol int `json:"protocol,omitempty"`
}

func (h *Host) servePlugins(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	plugins := append([]PluginInfo(nil), h.plugins...)
	h.mu.Unlock()
	for _, ext := range h.external {
		info := ext.info()
		info.Tracing = h.tracing.Enabled(ext.id)
		plugins = append(plugins, info)
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"plugins": plugins})
}
