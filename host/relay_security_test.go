// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/otlptest"
)

// relayClient returns an OTLP client of the host's relay and a context that
// carries the relay token of the external test plugin ext, as the host
// handed them to it.
func relayClient(t *testing.T, h *testHost) (collectortrace.TraceServiceClient, context.Context) {
	t.Helper()
	status, body := h.do(t, "GET", "/api/ext/env", userToken(t, "user:default/alice"), "")
	var environ []string
	if err := json.Unmarshal([]byte(body), &environ); err != nil || status != http.StatusOK {
		t.Fatalf("GET /env = %d %s", status, body)
	}
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	addr := strings.TrimPrefix(env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], "http://")
	token, ok := strings.CutPrefix(env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"], "authorization=Bearer%20")
	if !strings.HasPrefix(addr, "127.0.0.1:") || !ok {
		t.Fatalf("relay endpoint %q, headers %q", addr, env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"])
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return collectortrace.NewTraceServiceClient(conn), metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func str(key, value string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: key, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: value}}}
}

// export is one resource's spans; each span gets a valid trace id, the
// same for all, and a span id of its name, unless it has its own.
func export(resource []*commonpb.KeyValue, spans ...*tracepb.Span) *collectortrace.ExportTraceServiceRequest {
	for _, s := range spans {
		if s.TraceId == nil {
			s.TraceId = []byte("0123456789abcdef")
		}
		if s.SpanId == nil {
			id := sha256.Sum256([]byte(s.Name))
			s.SpanId = id[:8]
		}
		s.Flags = 0x101
	}
	return &collectortrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: resource},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}},
	}}}
}

// TestRelayBoundsWhatPluginsSend sends the relay, with the plugin's own
// token, what a misbehaving plugin could, and reads back what reached the
// host's upstream.
func TestRelayBoundsWhatPluginsSend(t *testing.T) {
	many := make([]*commonpb.KeyValue, 100_000)
	for i := range many {
		many[i] = str(fmt.Sprintf("attr.%06d", i), "v")
	}
	posing := []*commonpb.KeyValue{str("plugtrace.plugin.id", "todos"), str("service.name", "todos")}
	cases := []struct {
		name         string
		req          *collectortrace.ExportTraceServiceRequest
		wantCode     codes.Code
		wantRejected int64
		stored       func(t *testing.T, spans []otlptest.Span) // what the upstream has of the case's spans
	}{
		{
			name:     "8 MiB export",
			req:      export(nil, &tracepb.Span{Name: "oversized", Attributes: []*commonpb.KeyValue{str("blob", strings.Repeat("x", 8<<20))}}),
			wantCode: codes.ResourceExhausted,
			stored: func(t *testing.T, spans []otlptest.Span) {
				if n := len(otlptest.ByName(spans, "oversized")); n != 0 {
					t.Errorf("%d spans of the refused export stored", n)
				}
			},
		},
		{
			name: "3 MiB export",
			req:  export(nil, &tracepb.Span{Name: "large", Attributes: []*commonpb.KeyValue{str("blob", strings.Repeat("x", 3<<20))}}),
			stored: func(t *testing.T, spans []otlptest.Span) {
				one(t, spans, "large")
			},
		},
		{
			name: "100k resource attributes",
			req:  export(many, &tracepb.Span{Name: "crowded"}),
			stored: func(t *testing.T, spans []otlptest.Span) {
				res := one(t, spans, "crowded").Resource
				own := 0
				for k := range res {
					if strings.HasPrefix(k, "attr.") {
						own++
					}
				}
				// At most 128 in all, the sender's id among them.
				if len(res) > 128 || own == 0 || len(res) > own+1 || res["plugtrace.plugin.id"] != "ext" {
					t.Errorf("stored resource has %d of the plugin's attributes (of %d), plugtrace.plugin.id %q; want at most 128 in all, with the sender's id",
						own, len(res), res["plugtrace.plugin.id"])
				}
			},
		},
		{
			name: "posing as another plugin",
			req:  export(posing, &tracepb.Span{Name: "posing", Attributes: posing}),
			stored: func(t *testing.T, spans []otlptest.Span) {
				s := one(t, spans, "posing")
				if s.Attributes["plugtrace.plugin.id"] != "ext" || s.Resource["plugtrace.plugin.id"] != "ext" {
					t.Errorf("span attributes %v resource %v: want plugtrace.plugin.id ext, the sender's, in both", s.Attributes, s.Resource)
				}
			},
		},
		{
			name: "invalid ids",
			req: export(nil,
				&tracepb.Span{Name: "valid ids"},
				&tracepb.Span{Name: "short trace id", TraceId: []byte("01234567")},
				&tracepb.Span{Name: "zero trace id", TraceId: make([]byte, 16)},
				&tracepb.Span{Name: "long span id", SpanId: []byte("012345678")},
				&tracepb.Span{Name: "zero span id", SpanId: make([]byte, 8)},
				&tracepb.Span{Name: "bad parent", ParentSpanId: []byte("0123")},
			),
			wantRejected: 5,
			stored: func(t *testing.T, spans []otlptest.Span) {
				one(t, spans, "valid ids")
				for _, name := range []string{"short trace id", "zero trace id", "long span id", "zero span id", "bad parent"} {
					if n := len(otlptest.ByName(spans, name)); n != 0 {
						t.Errorf("span %q stored %d times", name, n)
					}
				}
			},
		},
	}
	h := startHostWith(t, "", externalPlugin("ext", "probe"))
	client, ctx := relayClient(t, h)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := client.Export(ctx, c.req)
			if status.Code(err) != c.wantCode {
				t.Fatalf("export of %d bytes: %v, want code %v", proto.Size(c.req), err, c.wantCode)
			}
			ps := resp.GetPartialSuccess()
			if ps.GetRejectedSpans() != c.wantRejected || (c.wantRejected > 0) != (ps.GetErrorMessage() != "") {
				t.Fatalf("partial success %v, want %d rejected spans, and a message if any", ps, c.wantRejected)
			}
		})
	}
	// The embedded store has the accepted spans (they share one trace), and
	// none of the refused ones.
	want := []string{"large", "crowded", "posing", "valid ids"}
	var stored map[string]bool
	await.True(t, 10*time.Second, func() bool {
		_, body := h.do(t, "GET", "/traces/api/traces/"+hex.EncodeToString([]byte("0123456789abcdef")), "", "")
		var detail struct{ Spans []struct{ Name string } }
		_ = json.Unmarshal([]byte(body), &detail)
		stored = map[string]bool{}
		for _, s := range detail.Spans {
			stored[s.Name] = true
		}
		return len(stored) == len(want)
	}, "embedded store has %v, want %v", await.Value(&stored), want)
	for _, name := range want {
		if !stored[name] {
			t.Errorf("span %q not in the embedded store: %v", name, stored)
		}
	}
	// Shutdown flushes the host: every relayed span is at the upstream.
	shutdown(t, h)
	spans := h.rec.Spans()
	for _, c := range cases {
		t.Run(c.name+"/stored", func(t *testing.T) { c.stored(t, spans) })
	}
}
