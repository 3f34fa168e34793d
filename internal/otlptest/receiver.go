// SPDX-License-Identifier: Apache-2.0

// Package otlptest is a real OTLP/gRPC trace receiver for tests: it speaks
// the collector's wire protocol on a loopback port and keeps what it
// receives, so tests assert on what actually left a process.
package otlptest

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Span is one received span with its resource and scope, flattened for
// assertions.
type Span struct {
	TraceID, SpanID, ParentSpanID string // hex
	Name                          string
	Kind                          tracepb.Span_SpanKind
	Attributes                    map[string]string // values as strings
	Resource                      map[string]string
	Scope                         string
	ScopeVersion                  string
	ScopeSchemaURL                string
	StatusCode                    tracepb.Status_StatusCode
	StatusMessage                 string
	Events                        []Event
	Links                         []Link
	Start, End                    time.Time
}

// Link is one span link.
type Link struct {
	TraceID, SpanID string // hex
	Attributes      map[string]string
}

// Event is one span event.
type Event struct {
	Name       string
	Attributes map[string]string
}

// Receiver is an OTLP/gRPC trace receiver on 127.0.0.1.
type Receiver struct {
	collectortrace.UnimplementedTraceServiceServer

	srv *grpc.Server
	lis net.Listener

	discard bool // keep no span, count them only

	mu       sync.Mutex
	spans    []Span
	raw      []*tracepb.ResourceSpans
	count    int
	headers  []metadata.MD
	requests int
	// Refuse, when set, answers every export with this error code.
	refuse codes.Code
}

var _ collectortrace.TraceServiceServer = (*Receiver)(nil)

// Option configures a Receiver.
type Option func(*Receiver)

// Discard makes the receiver keep neither spans nor headers, only count
// them (SpanCount): for benchmarks, whose receivers take millions.
func Discard() Option { return func(r *Receiver) { r.discard = true } }

// NewReceiver starts a receiver and stops it when the test ends.
func NewReceiver(tb testing.TB, opts ...Option) *Receiver {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &Receiver{srv: grpc.NewServer(), lis: lis}
	for _, o := range opts {
		o(r)
	}
	collectortrace.RegisterTraceServiceServer(r.srv, r)
	go func() { _ = r.srv.Serve(lis) }()
	tb.Cleanup(r.srv.Stop)
	return r
}

// Endpoint returns host:port for an OTLP gRPC exporter (insecure).
func (r *Receiver) Endpoint() string { return r.lis.Addr().String() }

// Refuse makes the receiver answer every export with code (codes.OK to
// accept again).
func (r *Receiver) Refuse(code codes.Code) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse = code
}

// Export implements the OTLP trace service.
func (r *Receiver) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if !r.discard {
		r.headers = append(r.headers, md)
	}
	if r.refuse != codes.OK {
		return nil, status.Error(r.refuse, "refused by test")
	}
	if r.discard {
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				r.count += len(ss.GetSpans())
			}
		}
		return &collectortrace.ExportTraceServiceResponse{}, nil
	}
	spans := Flatten(req.GetResourceSpans())
	r.spans = append(r.spans, spans...)
	r.raw = append(r.raw, req.GetResourceSpans()...)
	r.count += len(spans)
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// Flatten turns OTLP resource spans into Spans.
func Flatten(rss []*tracepb.ResourceSpans) []Span {
	var out []Span
	for _, rs := range rss {
		res := attrMap(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{
					TraceID:        hex.EncodeToString(s.GetTraceId()),
					SpanID:         hex.EncodeToString(s.GetSpanId()),
					ParentSpanID:   hex.EncodeToString(s.GetParentSpanId()),
					Name:           s.GetName(),
					Kind:           s.GetKind(),
					Attributes:     attrMap(s.GetAttributes()),
					Resource:       res,
					Scope:          ss.GetScope().GetName(),
					ScopeVersion:   ss.GetScope().GetVersion(),
					ScopeSchemaURL: ss.GetSchemaUrl(),
					StatusCode:     s.GetStatus().GetCode(),
					StatusMessage:  s.GetStatus().GetMessage(),
					Start:          time.Unix(0, int64(s.GetStartTimeUnixNano())),
					End:            time.Unix(0, int64(s.GetEndTimeUnixNano())),
				}
				for _, e := range s.GetEvents() {
					sp.Events = append(sp.Events, Event{Name: e.GetName(), Attributes: attrMap(e.GetAttributes())})
				}
				for _, l := range s.GetLinks() {
					sp.Links = append(sp.Links, Link{
						TraceID:    hex.EncodeToString(l.GetTraceId()),
						SpanID:     hex.EncodeToString(l.GetSpanId()),
						Attributes: attrMap(l.GetAttributes()),
					})
				}
				out = append(out, sp)
			}
		}
	}
	return out
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = valueString(kv.GetValue())
	}
	return m
}

func valueString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	case *commonpb.AnyValue_ArrayValue:
		parts := make([]string, len(x.ArrayValue.GetValues()))
		for i, e := range x.ArrayValue.GetValues() {
			parts[i] = valueString(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return v.String()
}

// Spans returns every span received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// ResourceSpans returns the resource spans received so far, as they came
// (not flattened), for tests that compare whole messages.
func (r *Receiver) ResourceSpans() []*tracepb.ResourceSpans {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*tracepb.ResourceSpans(nil), r.raw...)
}

// SpanCount returns how many spans were received so far.
func (r *Receiver) SpanCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Headers returns the gRPC metadata of every export request.
func (r *Receiver) Headers() []metadata.MD {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]metadata.MD(nil), r.headers...)
}

// Requests returns how many export requests arrived, accepted or not.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Reset forgets what was received.
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans, r.raw, r.headers, r.requests, r.count = nil, nil, nil, 0, 0
}

// WaitForSpans waits until match holds for the received spans, or fails the
// test after timeout. It returns the spans it last saw.
func (r *Receiver) WaitForSpans(tb testing.TB, timeout time.Duration, match func([]Span) bool) []Span {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		spans := r.Spans()
		if match(spans) {
			return spans
		}
		if time.Now().After(deadline) {
			tb.Fatalf("otlptest: spans did not arrive within %v; received %d: %v", timeout, len(spans), Names(spans))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Names returns the sorted names of spans.
func Names(spans []Span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name
	}
	sort.Strings(out)
	return out
}

// ByName returns the spans named name.
func ByName(spans []Span, name string) []Span {
	var out []Span
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Trace returns the spans of one trace.
func Trace(spans []Span, traceID string) []Span {
	var out []Span
	for _, s := range spans {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}
