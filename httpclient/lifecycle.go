// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Names of the lifecycle events, documented in the package documentation.
// Their attributes use otelhttptrace's keys where it has one, semantic
// conventions otherwise.
const (
	eventGetConn      = "http.getconn"
	eventDNSStart     = "http.dns.start"
	eventDNSDone      = "http.dns.done"
	eventConnectStart = "http.connect.start"
	eventConnectDone  = "http.connect.done"
	eventTLSStart     = "http.tls.start"
	eventTLSDone      = "http.tls.done"
	eventFirstByte    = "http.first_byte"
)

// Attribute keys for the error of a failed DNS lookup, connect or handshake,
// named like otelhttptrace's: <phase>.error.
const (
	dnsErrorKey     = attribute.Key("http.dns.error")
	connectErrorKey = attribute.Key("http.connect.error")
	tlsErrorKey     = attribute.Key("http.tls.error")
)

// getConnOptions are the event options of http.getconn, indexed by
// [reused][wasIdle], made once rather than for every request.
var getConnOptions = func() (o [2][2]trace.EventOption) {
	for _, reused := range []bool{false, true} {
		for _, wasIdle := range []bool{false, true} {
			o[index(reused)][index(wasIdle)] = trace.WithAttributes(
				otelhttptrace.HTTPConnectionReused.Bool(reused),
				otelhttptrace.HTTPConnectionWasIdle.Bool(wasIdle),
			)
		}
	}
	return o
}()

func index(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lifecycle adds the events of one request to its client span.
//
// otelhttptrace.NewClientTrace, even in its events mode (WithoutSubSpans,
// WithoutHeaders), makes two maps for every request, builds attributes in
// every hook (formatting addresses as strings on kept-alive connections
// too), records a start and a done event for most phases and names connect
// events after the address: 64 allocations per request on a kept-alive
// connection (BenchmarkTracingMiddleware). lifecycle makes 18, 11 over the
// default transport, whose dialer installs the dial hooks (BenchmarkGet):
// the hooks themselves, and one event at each point a reader needs, whose
// attributes on a kept-alive connection are made once (getConnOptions).
type lifecycle struct {
	span trace.Span
	ct   httptrace.ClientTrace
}

// hooks returns the hooks that add the events to l.span. Without dial, it
// leaves out those of dialing (DNS lookup, connect), which the dialer of the
// default transport then installs (see withDialEvents). Hooks may run after
// the span has ended (a dial outlives a cancelled request); the span then
// ignores them.
func (l *lifecycle) hooks(dial bool) *httptrace.ClientTrace {
	l.ct = httptrace.ClientTrace{
		GotConn:              l.gotConn,
		TLSHandshakeStart:    l.tlsHandshakeStart,
		TLSHandshakeDone:     l.tlsHandshakeDone,
		GotFirstResponseByte: l.gotFirstResponseByte,
	}
	if dial {
		l.ct.DNSStart, l.ct.DNSDone = l.dnsStart, l.dnsDone
		l.ct.ConnectStart, l.ct.ConnectDone = l.connectStart, l.connectDone
	}
	return &l.ct
}

// dialEventsKey is the context key of the lifecycle whose dial events the
// default transport's dialer records.
type dialEventsKey struct{}

// withDialEvents wraps the dial function of the default base transport so
// that it records the DNS and connect events of the lifecycle in the dial's
// context, if any: the dial keeps the values of the context of the request
// that started it. A TracingMiddleware right over that transport puts its
// lifecycle there instead of hooking the dial for every request: DNS and
// connect hooks make net/http build an adapter per request, and most
// requests take a kept-alive connection and never dial.
func withDialEvents(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if l, ok := ctx.Value(dialEventsKey{}).(*lifecycle); ok {
			ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				DNSStart:     l.dnsStart,
				DNSDone:      l.dnsDone,
				ConnectStart: l.connectStart,
				ConnectDone:  l.connectDone,
			})
		}
		return dial(ctx, network, addr)
	}
}

func (l *lifecycle) gotConn(info httptrace.GotConnInfo) {
	l.span.AddEvent(eventGetConn, getConnOptions[index(info.Reused)][index(info.WasIdle)])
}

func (l *lifecycle) dnsStart(info httptrace.DNSStartInfo) {
	l.span.AddEvent(eventDNSStart, trace.WithAttributes(semconv.ServerAddress(info.Host)))
}

func (l *lifecycle) dnsDone(info httptrace.DNSDoneInfo) {
	addrs := make([]string, len(info.Addrs))
	for i, a := range info.Addrs {
		addrs[i] = a.String()
	}
	attrs := []attribute.KeyValue{otelhttptrace.HTTPDNSAddrs.String(strings.Join(addrs, ","))}
	if info.Err != nil {
		attrs = append(attrs, dnsErrorKey.String(info.Err.Error()))
	}
	l.span.AddEvent(eventDNSDone, trace.WithAttributes(attrs...))
}

func (l *lifecycle) connectStart(_, addr string) {
	l.span.AddEvent(eventConnectStart, trace.WithAttributes(otelhttptrace.HTTPRemoteAddr.String(addr)))
}

func (l *lifecycle) connectDone(_, addr string, err error) {
	attrs := []attribute.KeyValue{otelhttptrace.HTTPRemoteAddr.String(addr)}
	if err != nil {
		attrs = append(attrs, connectErrorKey.String(err.Error()))
	}
	l.span.AddEvent(eventConnectDone, trace.WithAttributes(attrs...))
}

func (l *lifecycle) tlsHandshakeStart() { l.span.AddEvent(eventTLSStart) }

func (l *lifecycle) tlsHandshakeDone(state tls.ConnectionState, err error) {
	attrs := []attribute.KeyValue{semconv.TLSResumed(state.DidResume)}
	if err != nil {
		attrs = append(attrs, tlsErrorKey.String(err.Error()))
	} else {
		attrs = append(attrs, semconv.TLSProtocolVersion(tlsVersion(state.Version)))
	}
	l.span.AddEvent(eventTLSDone, trace.WithAttributes(attrs...))
}

func (l *lifecycle) gotFirstResponseByte() { l.span.AddEvent(eventFirstByte) }

// tlsVersion is the tls.protocol.version of a negotiated version: "1.3".
func tlsVersion(v uint16) string {
	// tls.VersionName gives "TLS 1.3"; semconv wants the number alone.
	return strings.TrimPrefix(tls.VersionName(v), "TLS ")
}
