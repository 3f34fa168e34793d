// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/semconv/v1.40.0/httpconv"
)

// clientMetrics are the HTTP client metrics of the semantic conventions,
// made once per middleware. A request asks enabled first, so that with a
// no-op meter provider it builds no attributes.
type clientMetrics struct {
	duration httpconv.ClientRequestDuration
	bodySize httpconv.ClientRequestBodySize
}

func newClientMetrics(mp metric.MeterProvider) clientMetrics {
	meter := mp.Meter(scopeName)
	var m clientMetrics
	var err error
	// The boundaries the conventions advise for durations in seconds.
	m.duration, err = httpconv.NewClientRequestDuration(meter,
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10))
	if err != nil {
		otel.Handle(err)
	}
	m.bodySize, err = httpconv.NewClientRequestBodySize(meter)
	if err != nil {
		otel.Handle(err)
	}
	return m
}

// enabled reports whether any of the metrics records anything.
func (m clientMetrics) enabled(ctx context.Context) bool {
	return m.duration.Inst().Enabled(ctx) || m.bodySize.Inst().Enabled(ctx)
}

// record records a request that took d until its response headers came (or
// its error), with the attributes the conventions name: http.request.method,
// server.address, server.port, url.scheme, network.protocol.name and
// .version, http.response.status_code and error.type. The request body size
// is the declared one (none for a body of unknown length).
func (m clientMetrics) record(ctx context.Context, d time.Duration, r *http.Request, meth method, res *http.Response, err error) {
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, meth.attr)
	host, port := serverAddress(r)
	if host != "" {
		attrs = append(attrs, semconv.ServerAddress(host))
	}
	if port > 0 {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if r.URL != nil && r.URL.Scheme != "" {
		attrs = append(attrs, semconv.URLScheme(r.URL.Scheme))
	}
	if err != nil {
		attrs = append(attrs, semconv.ErrorType(err))
	} else {
		attrs, _, _ = responseAttributes(res, attrs)
		if !hasKey(attrs, semconv.NetworkProtocolNameKey) {
			attrs = append(attrs, semconv.NetworkProtocolName("http"))
		}
	}
	set := metric.WithAttributeSet(attribute.NewSet(attrs...))
	m.duration.Inst().Record(ctx, d.Seconds(), set)
	if size, ok := requestBodySize(r); ok {
		m.bodySize.Inst().Record(ctx, size, set)
	}
}

func hasKey(attrs []attribute.KeyValue, key attribute.Key) bool {
	for _, kv := range attrs {
		if kv.Key == key {
			return true
		}
	}
	return false
}

// requestBodySize is the size of r's body, if known before sending it.
func requestBodySize(r *http.Request) (int64, bool) {
	switch {
	case r.Body == nil || r.Body == http.NoBody:
		return 0, true
	case r.ContentLength > 0:
		return r.ContentLength, true
	}
	// For a client request, 0 with a body means unknown, as does -1.
	return 0, false
}
