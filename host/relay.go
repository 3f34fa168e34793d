// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"strings"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/plugtrace/plugtrace/internal/otlpconv"
	"github.com/plugtrace/plugtrace/tracing"
)

// relay is the host's OTLP/gRPC endpoint for its external plugins. Each
// plugin exports with a bearer token of its own; the relay refuses any
// export without a known token and hands the spans to the host's exporters.
// Plugins never see the upstream's address or credentials.
type relay struct {
	collectortrace.UnimplementedTraceServiceServer

	sink func([]sdktrace.ReadOnlySpan)
	srv  *grpc.Server
	lis  net.Listener

	mu     sync.Mutex
	tokens map[string]string // plugin id -> token
}

var _ collectortrace.TraceServiceServer = (*relay)(nil)

// maxRelayMessage bounds one export a plugin sends to the relay: 4 MiB,
// gRPC's default receive limit, so that a plugin cannot make the host
// decode more at once. A larger export is refused with ResourceExhausted
// before it is decoded, and none of its spans is kept. An SDK's batches
// (512 spans by default) are far smaller. Request and response bodies,
// which the host forwards over another connection, have the larger
// pluginproto.MaxMessageSize.
const maxRelayMessage = 4 << 20

func newRelay(sink func([]sdktrace.ReadOnlySpan)) (*relay, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{sink: sink, lis: lis, tokens: map[string]string{}}
	r.srv = grpc.NewServer(grpc.MaxRecvMsgSize(maxRelayMessage))
	collectortrace.RegisterTraceServiceServer(r.srv, r)
	go func() { _ = r.srv.Serve(lis) }()
	return r, nil
}

// endpoint is the URL plugins export to.
func (r *relay) endpoint() string { return "http://" + r.lis.Addr().String() }

// token returns the plugin's token, minting it on first use.
func (r *relay) token(pluginID string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tokens[pluginID]; ok {
		return t
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	t := hex.EncodeToString(b)
	r.tokens[pluginID] = t
	return t
}

// sender returns the plugin whose token the request carries.
func (r *relay) sender(ctx context.Context) (string, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	var presented string
	for _, v := range md.Get("authorization") {
		if t, ok := strings.CutPrefix(v, "Bearer "); ok {
			presented = t
		}
	}
	if presented == "" {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	match := ""
	for id, t := range r.tokens { // compare with every token, in constant time each
		if subtle.ConstantTimeCompare([]byte(presented), []byte(t)) == 1 {
			match = id
		}
	}
	return match, match != ""
}

// Export implements the OTLP trace service. The sender, whose token was
// checked, is stamped as plugtrace.plugin.id on each span and its resource:
// a plugin names its spans as it likes, but cannot pass them off as another
// plugin's. Spans with malformed ids are rejected and counted in
// partial_success. The enduser.id rule is not applied here: the host's
// exporters apply it to relayed spans as to the host's own.
func (r *relay) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	sender, ok := r.sender(ctx)
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "plugtrace relay: missing or unknown plugin token")
	}
	id := tracing.PluginIDKey.String(sender)
	spans, rejected := otlpconv.Spans(req.GetResourceSpans(),
		otlpconv.WithResourceAttributes(id), otlpconv.WithSpanAttributes(id))
	if len(spans) > 0 {
		r.sink(spans)
	}
	resp := &collectortrace.ExportTraceServiceResponse{}
	if rejected > 0 {
		resp.PartialSuccess = &collectortrace.ExportTracePartialSuccess{
			RejectedSpans: int64(rejected),
			ErrorMessage:  "plugtrace relay: spans need a 16-byte trace id and 8-byte span ids, not all zero",
		}
	}
	return resp, nil
}

func (r *relay) stop() { r.srv.Stop() }
