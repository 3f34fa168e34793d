// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"net/http"
	"testing"
)

// TestPluginsShareDeploymentNotIdentity gives the host a service identity
// and a deployment in OTEL_RESOURCE_ATTRIBUTES, and checks what reached the
// receiver: the host's spans carry both, the plugin's spans the deployment
// only, under the plugin's own service name.
func TestPluginsShareDeploymentNotIdentity(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,service.version=9.9.9,service.instance.id=host-1")
	up := newUpstream(t)
	h := startHostWith(t, "", externalPlugin("ext", "probe"))
	if status, body := h.do(t, http.MethodGet, "/api/ext/propagate?url="+up.URL, staticToken, ""); status != http.StatusOK {
		t.Fatalf("GET /propagate = %d %s", status, body)
	}
	shutdown(t, h)
	spans := h.rec.Spans()
	server := one(t, spans, "GET /api/ext/propagate")
	if r := server.Resource; r["service.version"] != "9.9.9" || r["service.instance.id"] != "host-1" || r["deployment.environment.name"] != "prod" {
		t.Fatalf("host resource %v, want its identity and deployment", r)
	}
	plugin := 0
	for _, s := range spans {
		r := s.Resource
		if r["plugtrace.plugin.id"] != "ext" {
			continue
		}
		plugin++
		if r["deployment.environment.name"] != "prod" || r["service.name"] != "ext" {
			t.Errorf("plugin span %q resource %v, want the host's deployment under service.name ext", s.Name, r)
		}
		for _, k := range []string{"service.version", "service.instance.id"} {
			if v, ok := r[k]; ok {
				t.Errorf("plugin span %q carries the host's %s=%q", s.Name, k, v)
			}
		}
	}
	if plugin == 0 {
		t.Fatalf("no plugin spans among %v", spans)
	}
}
