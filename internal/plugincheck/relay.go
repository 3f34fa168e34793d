// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// relay is the check's OTLP/gRPC trace receiver on loopback: the endpoint
// of the plugin's hand-off, as the host's relay is. Like the host's, it
// refuses exports that do not carry the plugin's bearer token.
type relay struct {
	collectortrace.UnimplementedTraceServiceServer

	token string
	srv   *grpc.Server
	lis   net.Listener

	mu      sync.Mutex
	spans   []receivedSpan
	refused int           // exports without the token
	changed chan struct{} // closed and replaced on every export
}

// receivedSpan is what the trace check needs of a span.
type receivedSpan struct {
	traceID trace.TraceID
	spanID  trace.SpanID
	parent  trace.SpanID
	name    string
}

func newRelay() (*relay, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	r := &relay{token: hex.EncodeToString(b), lis: lis, srv: grpc.NewServer(), changed: make(chan struct{})}
	collectortrace.RegisterTraceServiceServer(r.srv, r)
	go func() { _ = r.srv.Serve(lis) }()
	return r, nil
}

// endpoint is the relay's URL, as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT has
// it: the http scheme says no TLS.
func (r *relay) endpoint() string { return "http://" + r.lis.Addr().String() }

func (r *relay) stop() { r.srv.Stop() }

// Export implements the OTLP trace service.
func (r *relay) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	known := false
	for _, v := range md.Get("authorization") {
		if t, ok := strings.CutPrefix(v, "Bearer "); ok && t == r.token {
			known = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.notify()
	if !known {
		r.refused++
		return nil, status.Error(codes.Unauthenticated, "plugtrace plugin check: missing or unknown plugin token")
	}
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				var sp receivedSpan
				copy(sp.traceID[:], s.GetTraceId())
				copy(sp.spanID[:], s.GetSpanId())
				copy(sp.parent[:], s.GetParentSpanId())
				sp.name = s.GetName()
				r.spans = append(r.spans, sp)
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// notify wakes the waiters of received; r.mu is held.
func (r *relay) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// received returns what has arrived so far, and a channel closed when more
// arrives.
func (r *relay) received() (spans []receivedSpan, refused int, changed <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedSpan(nil), r.spans...), r.refused, r.changed
}
