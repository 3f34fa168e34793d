// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/semconv/v1.40.0/httpconv"
)

// serverMetrics are the HTTP server metrics of the semantic conventions
// (http.server.request.duration, http.server.request.body.size,
// http.server.response.body.size), recorded with the global meter
// provider, as otelhttp's handler records them. The host configures no
// meter provider itself; with the default, a no-op one, a request asks
// enabled first and builds no attributes.
type serverMetrics struct {
	duration httpconv.ServerRequestDuration
	reqSize  httpconv.ServerRequestBodySize
	respSize httpconv.ServerResponseBodySize
}

func newServerMetrics(mp metric.MeterProvider) serverMetrics {
	meter := mp.Meter(scopeName)
	var m serverMetrics
	var err error
	// The boundaries the conventions advise for durations in seconds.
	if m.duration, err = httpconv.NewServerRequestDuration(meter,
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)); err != nil {
		otel.Handle(err)
	}
	if m.reqSize, err = httpconv.NewServerRequestBodySize(meter); err != nil {
		otel.Handle(err)
	}
	if m.respSize, err = httpconv.NewServerResponseBodySize(meter); err != nil {
		otel.Handle(err)
	}
	return m
}

// enabled reports whether any of the metrics records anything.
func (m serverMetrics) enabled(ctx context.Context) bool {
	return m.duration.Inst().Enabled(ctx) || m.reqSize.Inst().Enabled(ctx) || m.respSize.Inst().Enabled(ctx)
}

// record records a request served in d, with the attributes the
// conventions name: http.request.method, url.scheme, server.address,
// server.port, network.protocol.*, http.response.status_code, http.route.
func (m serverMetrics) record(ctx context.Context, d time.Duration, r *http.Request, status int, read, written int64) {
	attrs := make([]attribute.KeyValue, 0, 8)
	method := r.Method
	if _, ok := methods[strings.ToUpper(method)]; ok {
		method = strings.ToUpper(method)
	} else {
		method = "_OTHER"
	}
	host, port := splitHostPort(r.Host)
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(method), schemeAttribute(r), semconv.ServerAddress(host))
	if port = requiredPort(r.TLS != nil, port); port > 0 {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if name, version := protocol(r.Proto); name != "" {
		attrs = append(attrs, semconv.NetworkProtocolName(name))
		if version != "" {
			attrs = append(attrs, semconv.NetworkProtocolVersion(version))
		}
	}
	if status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	}
	if route := routeOf(r); route != "" {
		attrs = append(attrs, semconv.HTTPRoute(route))
	}
	set := metric.WithAttributeSet(attribute.NewSet(attrs...))
	m.duration.Inst().Record(ctx, d.Seconds(), set)
	m.reqSize.Inst().Record(ctx, read, set)
	m.respSize.Inst().Record(ctx, written, set)
}
