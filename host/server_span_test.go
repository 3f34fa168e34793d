// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// TestServerSpanAttributes checks the server span's attributes: those of
// the HTTP semantic conventions that otelhttp's handler sets, from the
// request and from the answer.
func TestServerSpanAttributes(t *testing.T) {
	h := startHost(t, "")
	body := `{"title":"attributes"}`
	req, _ := http.NewRequest(http.MethodPost, h.URL()+"/api/todos/", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+staticToken)
	req.Header.Set("User-Agent", "attr-test/1.0")
	req.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s", resp.StatusCode, answer)
	}
	server := one(t, h.flushed(t), "POST /api/todos/")
	u, _ := url.Parse(h.URL())
	want := map[string]string{
		"http.request.method":       "POST",
		"url.scheme":                "http",
		"url.path":                  "/api/todos/",
		"server.address":            "127.0.0.1",
		"server.port":               u.Port(),
		"network.peer.address":      "127.0.0.1",
		"network.protocol.version":  "1.1",
		"user_agent.original":       "attr-test/1.0",
		"client.address":            "203.0.113.7",
		"http.route":                "/api/todos/",
		"http.response.status_code": "201",
		"http.request.body.size":    strconv.Itoa(len(body)),
		"http.response.body.size":   strconv.Itoa(len(answer)),
	}
	for k, v := range want {
		if server.Attributes[k] != v {
			t.Errorf("%s = %q, want %q", k, server.Attributes[k], v)
		}
	}
	if _, ok := server.Attributes["network.peer.port"]; !ok {
		t.Error("no network.peer.port")
	}
	if len(server.Attributes) != len(want)+1 {
		t.Errorf("attributes %v, want those of %v and network.peer.port", server.Attributes, want)
	}
	if server.Kind != tracepb.Span_SPAN_KIND_SERVER || server.StatusCode != tracepb.Status_STATUS_CODE_UNSET {
		t.Errorf("kind %v status %v, want a server span with status unset", server.Kind, server.StatusCode)
	}
}

// TestServerSpanWithoutRoute checks the span of a request no route
// serves: named after the method alone, a 404 that is not an error.
func TestServerSpanWithoutRoute(t *testing.T) {
	h := startHost(t, "")
	if status, _ := h.do(t, "GET", "/nowhere", staticToken, ""); status != http.StatusNotFound {
		t.Fatalf("GET /nowhere = %d", status)
	}
	s := one(t, h.flushed(t), "GET")
	if s.StatusCode != tracepb.Status_STATUS_CODE_UNSET || s.Attributes["http.response.status_code"] != "404" || s.Attributes["http.route"] != "" {
		t.Fatalf("span of a 404: status %v attributes %v", s.StatusCode, s.Attributes)
	}
}

// TestServerMetrics checks that the host records the HTTP server metrics
// with the global meter provider, when one is set.
func TestServerMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	defer otel.SetMeterProvider(noop.NewMeterProvider())
	h := startHost(t, "")
	if status, _ := h.do(t, "GET", "/api/todos/", staticToken, ""); status != http.StatusOK {
		t.Fatalf("GET = %d", status)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := map[string]attribute.Set{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					found[m.Name] = p.Attributes
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					found[m.Name] = p.Attributes
				}
			}
		}
	}
	for _, name := range []string{"http.server.request.duration", "http.server.request.body.size", "http.server.response.body.size"} {
		attrs, ok := found[name]
		if !ok {
			t.Fatalf("no %s among %v", name, found)
		}
		route, _ := attrs.Value("http.route")
		code, _ := attrs.Value("http.response.status_code")
		method, _ := attrs.Value("http.request.method")
		if route.AsString() != "/api/todos/" || code.AsInt64() != 200 || method.AsString() != "GET" {
			t.Fatalf("%s attributes %v", name, attrs.ToSlice())
		}
	}
}
