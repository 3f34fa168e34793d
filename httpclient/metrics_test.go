// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

func TestClientMetrics(t *testing.T) {
	tel := newTelemetry(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
		}
	})
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	o := tel.options()
	o.MeterProvider = mp
	c := newClient(t, o)

	mustDo(t, context.Background(), c, srv.URL+"/forecast")
	mustDo(t, context.Background(), c, srv.URL+"/forecast")
	mustDo(t, context.Background(), c, srv.URL+"/missing")

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	metrics := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != "github.com/plugtrace/plugtrace/httpclient" {
			continue
		}
		for _, m := range sm.Metrics {
			metrics[m.Name] = m
		}
	}

	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	common := []attribute.KeyValue{
		semconv.HTTPRequestMethodGet,
		semconv.ServerAddress("127.0.0.1"),
		semconv.ServerPort(port),
		semconv.URLScheme("http"),
		semconv.NetworkProtocolName("http"),
		semconv.NetworkProtocolVersion("1.1"),
	}
	ok := attribute.NewSet(append(common, semconv.HTTPResponseStatusCode(200))...)
	notFound := attribute.NewSet(append(common, semconv.HTTPResponseStatusCode(404), semconv.ErrorTypeKey.String("404"))...)

	duration, found := metrics["http.client.request.duration"]
	if !found {
		t.Fatalf("no http.client.request.duration; got %v", keys(metrics))
	}
	if duration.Unit != "s" {
		t.Errorf("unit = %q, want s", duration.Unit)
	}
	hist, isHist := duration.Data.(metricdata.Histogram[float64])
	if !isHist {
		t.Fatalf("http.client.request.duration is a %T, want a float64 histogram", duration.Data)
	}
	counts := map[attribute.Distinct]uint64{}
	for _, dp := range hist.DataPoints {
		counts[dp.Attributes.Equivalent()] = dp.Count
		if dp.Sum <= 0 {
			t.Errorf("duration sum %v for %v, want > 0", dp.Sum, dp.Attributes.Encoded(attribute.DefaultEncoder()))
		}
	}
	if counts[ok.Equivalent()] != 2 || counts[notFound.Equivalent()] != 1 || len(counts) != 2 {
		for _, dp := range hist.DataPoints {
			t.Logf("data point %s: %d", dp.Attributes.Encoded(attribute.DefaultEncoder()), dp.Count)
		}
		t.Errorf("want 2 requests with status 200 and 1 with 404 and error.type")
	}

	size, found := metrics["http.client.request.body.size"]
	if !found {
		t.Fatalf("no http.client.request.body.size; got %v", keys(metrics))
	}
	if sizes, isHist := size.Data.(metricdata.Histogram[int64]); !isHist || len(sizes.DataPoints) != 2 {
		t.Errorf("http.client.request.body.size = %+v, want a histogram with 2 attribute sets", size.Data)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
