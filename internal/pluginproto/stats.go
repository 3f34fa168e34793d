// SPDX-License-Identifier: Apache-2.0

package pluginproto

import (
	"context"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/semconv/v1.43.0/rpcconv"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
)

// ClientStats returns the stats handler of the host's side of the
// connection to a plugin: otelgrpc's client handler (a client span for
// each CallResource, the trace context passed on in the call's metadata,
// otelgrpc's metrics). traced says whether tp may record spans at all;
// when it does not and no meter provider records otelgrpc's metrics, a
// call gets only what otelgrpc would leave of it: the trace context in its
// metadata, for the plugin to continue.
func ClientStats(tp trace.TracerProvider, prop propagation.TextMapPropagator, traced bool) stats.Handler {
	h := newStatsHandler(otelgrpc.NewClientHandler(otelOptions(tp, prop)...), prop, traced)
	h.client = true
	dur, err := rpcconv.NewClientCallDuration(h.meter, durationBuckets)
	h.probe = dur.Inst()
	h.handle(err)
	return h
}

// ServerStats returns the stats handler of a plugin's gRPC server:
// otelgrpc's server handler (a server span for each CallResource,
// continuing the host's trace, and otelgrpc's metrics). When traced says
// that tp records no spans and no meter provider records otelgrpc's
// metrics, a call gets only the host's trace context, extracted from its
// metadata, in its context.
func ServerStats(tp trace.TracerProvider, prop propagation.TextMapPropagator, traced bool) stats.Handler {
	h := newStatsHandler(otelgrpc.NewServerHandler(otelOptions(tp, prop)...), prop, traced)
	dur, err := rpcconv.NewServerCallDuration(h.meter, durationBuckets)
	h.probe = dur.Inst()
	h.handle(err)
	return h
}

func otelOptions(tp trace.TracerProvider, prop propagation.TextMapPropagator) []otelgrpc.Option {
	return []otelgrpc.Option{
		otelgrpc.WithTracerProvider(tp),
		otelgrpc.WithPropagators(prop),
		otelgrpc.WithFilter(Traced),
	}
}

// durationBuckets are those of otelgrpc's duration metrics: the probe is
// the same instrument.
var durationBuckets = metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

// statsHandler is otelgrpc's handler, skipped for the calls it would
// record nothing of.
type statsHandler struct {
	otel   stats.Handler
	prop   propagation.TextMapPropagator
	traced bool
	client bool
	meter  metric.Meter
	// probe is otelgrpc's duration metric, as otelgrpc makes it on the
	// global meter provider: whether it records says whether otelgrpc's
	// metrics do.
	probe metric.Float64Histogram
}

var _ stats.Handler = (*statsHandler)(nil)

func newStatsHandler(h stats.Handler, prop propagation.TextMapPropagator, traced bool) *statsHandler {
	return &statsHandler{
		otel: h, prop: prop, traced: traced,
		meter: otel.GetMeterProvider().Meter(otelgrpc.ScopeName, metric.WithInstrumentationVersion(otelgrpc.Version)),
	}
}

func (h *statsHandler) handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// propagationOnly marks the context of a call that otelgrpc does not see.
type propagationOnly struct{}

func (h *statsHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	if h.traced || (h.probe != nil && h.probe.Enabled(ctx)) {
		return h.otel.TagRPC(ctx, info)
	}
	ctx = context.WithValue(ctx, propagationOnly{}, true)
	if h.client {
		carrier := &outgoing{}
		h.prop.Inject(ctx, carrier)
		if len(carrier.kv) == 0 {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, carrier.kv...)
	}
	return h.prop.Extract(ctx, incoming{ctx})
}

func (h *statsHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if ctx.Value(propagationOnly{}) != nil {
		return
	}
	h.otel.HandleRPC(ctx, s)
}

func (h *statsHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return h.otel.TagConn(ctx, info)
}

func (h *statsHandler) HandleConn(ctx context.Context, s stats.ConnStats) {
	h.otel.HandleConn(ctx, s)
}

// outgoing collects what a propagator injects, for the call's metadata.
type outgoing struct{ kv []string }

var _ propagation.TextMapCarrier = (*outgoing)(nil)

func (c *outgoing) Get(key string) string {
	for i := 0; i+1 < len(c.kv); i += 2 {
		if c.kv[i] == key {
			return c.kv[i+1]
		}
	}
	return ""
}

func (c *outgoing) Set(key, value string) { c.kv = append(c.kv, key, value) }

func (c *outgoing) Keys() []string {
	keys := make([]string, 0, len(c.kv)/2)
	for i := 0; i < len(c.kv); i += 2 {
		keys = append(keys, c.kv[i])
	}
	return keys
}

// incoming reads the metadata of a call for a propagator, without copying
// all of it.
type incoming struct{ ctx context.Context }

var _ propagation.TextMapCarrier = incoming{}

func (c incoming) Get(key string) string {
	if v := metadata.ValueFromIncomingContext(c.ctx, key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (incoming) Set(string, string) {}

func (c incoming) Keys() []string {
	md, _ := metadata.FromIncomingContext(c.ctx)
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	return keys
}
