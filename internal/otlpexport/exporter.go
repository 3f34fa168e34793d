// SPDX-License-Identifier: Apache-2.0

// Package otlpexport is the OTLP span exporter of plugtrace's processes: the
// SDK's OTLP client (otlptracegrpc or otlptracehttp, with their endpoint,
// TLS, headers, compression, timeout, retries and OTEL_EXPORTER_OTLP_*
// variables) behind an encoder of its own.
//
// It is written by hand for a measured reason. The SDK's exporter turns
// every span into a tree of generated protobuf messages (three allocations
// per attribute) that the client then sizes twice and marshals; in a host
// that exports every span, that was 40 % of an untraced request's CPU on
// top of it (see the README's Performance section). This encoder writes
// each span straight to protobuf's wire format, and hands the client each
// resource's spans as the bytes of a ResourceSpans message, in the
// message's unknown fields, which protobuf writes out as they are: the
// request on the wire is the one the SDK's exporter sends, byte for byte.
//
// Two differences: a string that is not UTF-8 has its invalid bytes
// replaced by U+FFFD (the SDK's exporter fails the batch); and the
// client's own self-observability metrics (OTEL_GO_X_OBSERVABILITY) count
// the spans of an export from its messages, and count none here.
package otlpexport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// errShutdown is what an export after Shutdown returns.
var errShutdown = errors.New("traces export: the exporter is shut down")

// Exporter exports spans through an OTLP client. Create it with New.
type Exporter struct {
	client  otlptrace.Client
	stopped atomic.Bool

	bufs     sync.Pool    // *[]byte
	lastSize atomic.Int64 // of the last request's bytes: a new buffer's capacity
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New starts client and returns an exporter that exports through it. The
// client must be done with the messages it is given when UploadTraces
// returns, as the SDK's are: they share the exporter's buffers. It must
// send protobuf: the messages have no fields for JSON to show. NewGRPC and
// NewHTTP make such clients.
func New(ctx context.Context, client otlptrace.Client) (*Exporter, error) {
	if err := client.Start(ctx); err != nil {
		return nil, err
	}
	return &Exporter{client: client}, nil
}

// NewGRPC returns an exporter through otlptracegrpc's client with opts.
func NewGRPC(ctx context.Context, opts ...otlptracegrpc.Option) (*Exporter, error) {
	return New(ctx, otlptracegrpc.NewClient(opts...))
}

// NewHTTP returns an exporter through otlptracehttp's client with opts,
// which always sends protobuf, whatever opts or the
// OTEL_EXPORTER_OTLP_*PROTOCOL variables say (that client takes
// http/json from them).
func NewHTTP(ctx context.Context, opts ...otlptracehttp.Option) (*Exporter, error) {
	opts = append(opts[:len(opts):len(opts)], otlptracehttp.WithEncoding(otlptracehttp.EncodingProtobuf))
	return New(ctx, otlptracehttp.NewClient(opts...))
}

// ExportSpans sends spans in one request. It returns the client's error,
// as the SDK's exporter does: "traces export: ...".
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	groups := groupSpans(spans)
	if len(groups) == 0 {
		return nil
	}
	if e.stopped.Load() {
		return errShutdown
	}
	buf, _ := e.bufs.Get().(*[]byte)
	if buf == nil {
		// The pool empties at every GC: a new buffer takes the size of the
		// last request at once rather than growing to it.
		b := make([]byte, 0, e.lastSize.Load())
		buf = &b
	}
	enc := encoder{b: (*buf)[:0]}
	rss := make([]*tracepb.ResourceSpans, len(groups))
	for i, g := range groups {
		start := len(enc.b)
		enc.resourceSpans(g)
		rs := &tracepb.ResourceSpans{}
		// The slice is capped so that the next group cannot grow into it.
		rs.ProtoReflect().SetUnknown(protoreflect.RawFields(enc.b[start:len(enc.b):len(enc.b)]))
		rss[i] = rs
	}
	err := e.client.UploadTraces(ctx, rss)
	// The client is done with the bytes once UploadTraces returns (it
	// marshals them again for each retry, inside the call).
	e.lastSize.Store(int64(len(enc.b)))
	*buf = enc.b[:0]
	e.bufs.Put(buf)
	if err != nil {
		return fmt.Errorf("traces export: %w", err)
	}
	return nil
}

// Shutdown stops the client, which lets the exports in flight end within
// ctx's deadline; exports after it fail.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e.stopped.Swap(true) {
		return nil
	}
	return e.client.Stop(ctx)
}

// resourceGroup is the spans of one resource, by scope, in the order they
// came.
type resourceGroup struct {
	res    *resource.Resource
	scopes []scopeGroup
}

type scopeGroup struct {
	scope instrumentation.Scope
	spans []sdktrace.ReadOnlySpan
}

// groupSpans groups spans by resource and scope. Spans of one process share
// one resource and a few scopes, so each lookup first tries the last
// group's.
func groupSpans(spans []sdktrace.ReadOnlySpan) []resourceGroup {
	var groups []resourceGroup
	var byResource map[attribute.Distinct]int
	last := -1
	for _, sd := range spans {
		if sd == nil {
			continue
		}
		res := sd.Resource()
		var gi int
		switch {
		case last >= 0 && groups[last].res == res:
			gi = last
		case len(groups) == 0:
			groups = append(groups, resourceGroup{res: res})
		default:
			if byResource == nil {
				byResource = make(map[attribute.Distinct]int, len(groups)+1)
				for i, g := range groups {
					byResource[g.res.Equivalent()] = i
				}
			}
			key := res.Equivalent()
			var ok bool
			if gi, ok = byResource[key]; !ok {
				gi = len(groups)
				groups = append(groups, resourceGroup{res: res})
				byResource[key] = gi
			}
		}
		last = gi
		g := &groups[gi]
		scope := sd.InstrumentationScope()
		si := -1
		for i := len(g.scopes) - 1; i >= 0; i-- {
			if g.scopes[i].scope == scope {
				si = i
				break
			}
		}
		if si < 0 {
			si = len(g.scopes)
			g.scopes = append(g.scopes, scopeGroup{scope: scope})
		}
		g.scopes[si].spans = append(g.scopes[si].spans, sd)
	}
	return groups
}

// resourceSpans writes the fields of a ResourceSpans message for g.
func (e *encoder) resourceSpans(g resourceGroup) {
	if g.res != nil {
		m := e.begin(resourceSpansResource)
		for iter := g.res.Iter(); iter.Next(); {
			e.keyValue(resourceAttributes, iter.Attribute())
		}
		e.end(m)
	}
	for _, s := range g.scopes {
		ss := e.begin(resourceSpansScopeSpans)
		if s.scope != (instrumentation.Scope{}) {
			m := e.begin(scopeSpansScope)
			e.string(scopeName, s.scope.Name)
			e.string(scopeVersion, s.scope.Version)
			for iter := s.scope.Attributes.Iter(); iter.Next(); {
				e.keyValue(scopeAttributes, iter.Attribute())
			}
			e.end(m)
		}
		for _, sd := range s.spans {
			m := e.begin(scopeSpansSpans)
			e.span(sd)
			e.end(m)
		}
		e.string(scopeSpansSchemaURL, s.scope.SchemaURL)
		e.end(ss)
	}
	e.string(resourceSpansSchemaURL, g.res.SchemaURL())
}

// NewFromEnv returns the exporter that contrib's autoexport makes for
// OTEL_TRACES_EXPORTER=otlp, with this package's encoder: the protocol of
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else
// http/protobuf, and a client that reads the other OTEL_EXPORTER_OTLP_*
// variables itself.
func NewFromEnv(ctx context.Context) (*Exporter, error) {
	proto := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch proto {
	case "grpc":
		return NewGRPC(ctx)
	case "", "http/protobuf":
		return NewHTTP(ctx)
	}
	return nil, fmt.Errorf("OTLP protocol %q: use grpc or http/protobuf", proto)
}
