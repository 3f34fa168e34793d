package host

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/plugtrace/plugtrace/tracing"
)

// spansFromOTLP turns relayed OTLP spans into SDK read-only spans, which the
// host's exporters take. The resource's plugtrace.plugin.id is set to the
// sender, whose token the relay checked: a plugin can name its spans as it
// likes, but not pass its spans off as another plugin's process. The
// enduser.id rule is not applied here: the host's exporters apply it to
// relayed spans as to the host's own (telemetry.WithoutEndUser).
func spansFromOTLP(rss []*tracepb.ResourceSpans, sender string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, rs := range rss {
		attrs := attributes(rs.GetResource().GetAttributes())
		attrs = append(attrs, tracing.PluginIDKey.String(sender)) // last wins in the set
		res := resource.NewWithAttributes(rs.GetSchemaUrl(), attrs...)
		for _, ss := range rs.GetScopeSpans() {
			scope := instrumentation.Scope{
				Name:      ss.GetScope().GetName(),
				Version:   ss.GetScope().GetVersion(),
				SchemaURL: ss.GetSchemaUrl(),
			}
			for _, s := range ss.GetSpans() {
				out = append(out, spanStub(s, res, scope).Snapshot())
			}
		}
	}
	return out
}

func spanStub(s *tracepb.Span, res *resource.Resource, scope instrumentation.Scope) tracetest.SpanStub {
	var traceID trace.TraceID
	var spanID, parentID trace.SpanID
	copy(traceID[:], s.GetTraceId())
	copy(spanID[:], s.GetSpanId())
	copy(parentID[:], s.GetParentSpanId())
	flags := trace.TraceFlags(byte(s.GetFlags())) | trace.FlagsSampled
	stub := tracetest.SpanStub{
		Name: s.GetName(),
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: spanID, TraceFlags: flags,
		}),
		SpanKind:             trace.SpanKind(s.GetKind()),
		StartTime:            time.Unix(0, int64(s.GetStartTimeUnixNano())),
		EndTime:              time.Unix(0, int64(s.GetEndTimeUnixNano())),
		Attributes:           attributes(s.GetAttributes()),
		DroppedAttributes:    int(s.GetDroppedAttributesCount()),
		DroppedEvents:        int(s.GetDroppedEventsCount()),
		DroppedLinks:         int(s.GetDroppedLinksCount()),
		Resource:             res,
		InstrumentationScope: scope,
	}
	if parentID.IsValid() {
		stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: parentID, TraceFlags: flags, Remote: true})
	}
	switch s.GetStatus().GetCode() {
	case tracepb.Status_STATUS_CODE_ERROR:
		stub.Status.Code = codes.Error
		stub.Status.Description = s.GetStatus().GetMessage()
	case tracepb.Status_STATUS_CODE_OK:
		stub.Status.Code = codes.Ok
	}
	for _, e := range s.GetEvents() {
		stub.Events = append(stub.Events, sdktrace.Event{
			Name:                  e.GetName(),
			Time:                  time.Unix(0, int64(e.GetTimeUnixNano())),
			Attributes:            attributes(e.GetAttributes()),
			DroppedAttributeCount: int(e.GetDroppedAttributesCount()),
		})
	}
	for _, l := range s.GetLinks() {
		var lt trace.TraceID
		var ls trace.SpanID
		copy(lt[:], l.GetTraceId())
		copy(ls[:], l.GetSpanId())
		stub.Links = append(stub.Links, sdktrace.Link{
			SpanContext:           trace.NewSpanContext(trace.SpanContextConfig{TraceID: lt, SpanID: ls, Remote: true}),
			Attributes:            attributes(l.GetAttributes()),
			DroppedAttributeCount: int(l.GetDroppedAttributesCount()),
		})
	}
	return stub
}

func attributes(kvs []*commonpb.KeyValue) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		if v, ok := attrValue(kv.GetValue()); ok {
			out = append(out, attribute.KeyValue{Key: attribute.Key(kv.GetKey()), Value: v})
		}
	}
	return out
}

// attrValue converts an OTLP value. Arrays become typed slices when their
// elements share a type; maps and mixed arrays, which the Go attribute model
// cannot hold, become their string form.
func attrValue(v *commonpb.AnyValue) (attribute.Value, bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return attribute.StringValue(x.StringValue), true
	case *commonpb.AnyValue_BoolValue:
		return attribute.BoolValue(x.BoolValue), true
	case *commonpb.AnyValue_IntValue:
		return attribute.Int64Value(x.IntValue), true
	case *commonpb.AnyValue_DoubleValue:
		return attribute.Float64Value(x.DoubleValue), true
	case *commonpb.AnyValue_ArrayValue:
		return arrayValue(x.ArrayValue.GetValues()), true
	case *commonpb.AnyValue_BytesValue:
		return attribute.StringValue(string(x.BytesValue)), true
	case nil:
		return attribute.Value{}, false
	}
	return attribute.StringValue(v.String()), true
}

func arrayValue(vs []*commonpb.AnyValue) attribute.Value {
	var (
		ss []string
		bs []bool
		is []int64
		fs []float64
	)
	for _, e := range vs {
		switch x := e.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			ss = append(ss, x.StringValue)
		case *commonpb.AnyValue_BoolValue:
			bs = append(bs, x.BoolValue)
		case *commonpb.AnyValue_IntValue:
			is = append(is, x.IntValue)
		case *commonpb.AnyValue_DoubleValue:
			fs = append(fs, x.DoubleValue)
		}
	}
	switch len(vs) {
	case len(ss):
		return attribute.StringSliceValue(ss)
	case len(bs):
		return attribute.BoolSliceValue(bs)
	case len(is):
		return attribute.Int64SliceValue(is)
	case len(fs):
		return attribute.Float64SliceValue(fs)
	}
	strs := make([]string, len(vs))
	for i, e := range vs {
		strs[i] = e.String()
	}
	return attribute.StringSliceValue(strs)
}
