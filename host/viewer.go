// SPDX-License-Identifier: Apache-2.0

package host

import (
	"net"
	"net/http"

	"github.com/plugtrace/plugtrace/internal/httpjson"
	"github.com/plugtrace/plugtrace/traceview"
)

// viewerPath is where the embedded trace viewer is served.
const viewerPath = "/traces/"

// mountViewer serves the embedded viewer at /traces/, to whom the
// configuration allows: the callers named in
// backend.tracing.embedded.viewers; without that list, local callers when
// the host listens on loopback only; otherwise nobody, and the log says
// how to name viewers.
func (h *Host) mountViewer(mux *http.ServeMux) {
	viewers := h.cfg.Backend.Tracing.Embedded.Viewers
	switch {
	case len(viewers) > 0:
		mux.Handle(viewerPath, traceview.Handler(h.store,
			traceview.WithAuthenticator(h.auth), traceview.WithViewers(viewers...)))
	case isLoopback(h.cfg.Backend.Listen):
		mux.Handle(viewerPath, traceview.Handler(h.store, traceview.WithLocalAccess()))
	default:
		h.logger.Warn("trace viewer off: backend.listen is not a loopback address and no viewers are named; "+
			"list who may read traces in backend.tracing.embedded.viewers", "listen", h.cfg.Backend.Listen)
		mux.HandleFunc(viewerPath, func(w http.ResponseWriter, _ *http.Request) {
			httpjson.Error(w, http.StatusNotFound, "the trace viewer is off")
		})
		h.viewerOff = true
	}
}

// isLoopback reports whether the listen address accepts loopback
// connections only: its host is a loopback IP address or "localhost".
// An empty host, 0.0.0.0 or [::] listens on every interface.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
