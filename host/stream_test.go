// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/internal/await"
	"github.com/plugtrace/plugtrace/internal/otlptest"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// streamClient has room for large bodies under the race detector.
var streamClient = &http.Client{Timeout: 2 * time.Minute}

// open sends a request to the host and returns the response with its body
// unread; the test closes it.
func (h *testHost) open(t *testing.T, ctx context.Context, method, path, token string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, h.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := streamClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// readEvent reads one Server-Sent Event: its lines up to the blank one.
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var lines []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading an event: %v; read %q", err, lines)
		}
		if line = strings.TrimSuffix(line, "\n"); line == "" {
			return strings.Join(lines, "\n")
		}
		lines = append(lines, line)
	}
}

func streamHost(t *testing.T, opts ...host.Option) *testHost {
	t.Helper()
	return startHostWith(t, "", externalPlugin("stream", "stream"), opts...)
}

// TestEventsArriveAsTheyAreFlushed checks causality: the plugin writes its
// second event only once the test has read the first one and said so.
func TestEventsArriveAsTheyAreFlushed(t *testing.T) {
	h := streamHost(t)
	token := userToken(t, "user:default/alice")
	resp := h.open(t, context.Background(), http.MethodGet, "/api/stream/events?id=a", token, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /events = %d %v", resp.StatusCode, resp.Header)
	}
	if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("framing: Content-Length %d, Transfer-Encoding %v; want the host's chunked encoding", resp.ContentLength, resp.TransferEncoding)
	}
	events := bufio.NewReader(resp.Body)
	if ev := readEvent(t, events); ev != "id: 1\ndata: first" {
		t.Fatalf("first event %q", ev)
	}
	// The plugin is waiting for this before it writes event 2.
	if status, body := h.do(t, http.MethodPost, "/api/stream/events/next?id=a", token, "after the first"); status != http.StatusNoContent {
		t.Fatalf("POST /events/next = %d %s", status, body)
	}
	if ev := readEvent(t, events); ev != "id: 2\ndata: after the first" {
		t.Fatalf("second event %q", ev)
	}
	if rest, err := io.ReadAll(events); err != nil || len(rest) != 0 {
		t.Fatalf("after the events: %q, %v; want the end of the body", rest, err)
	}
}

// TestStreamSpansCoverTheStream checks that the host's server and client
// spans and the plugin's server span last until the stream's end, in one
// trace: the plugin's span a child of the host's client span.
func TestStreamSpansCoverTheStream(t *testing.T) {
	h := streamHost(t)
	token := userToken(t, "user:default/alice")
	resp := h.open(t, context.Background(), http.MethodGet, "/api/stream/events?id=s", token, nil)
	events := bufio.NewReader(resp.Body)
	readEvent(t, events)
	released := time.Now() // event 2 is written after this
	if status, _ := h.do(t, http.MethodPost, "/api/stream/events/next?id=s", token, "last"); status != http.StatusNoContent {
		t.Fatalf("POST /events/next = %d", status)
	}
	readEvent(t, events)
	if _, err := io.ReadAll(events); err != nil {
		t.Fatal(err)
	}
	shutdown(t, h) // flushes the plugin's spans and the host's
	spans := h.rec.Spans()

	server := one(t, spans, "GET /api/stream/events")
	var hostClient, pluginServer otlptest.Span
	for _, s := range otlptest.Trace(spans, server.TraceID) {
		if s.Name != "plugtrace.plugin.v2.Plugin/CallResource" {
			continue
		}
		switch s.Kind {
		case tracepb.Span_SPAN_KIND_CLIENT:
			hostClient = s
		case tracepb.Span_SPAN_KIND_SERVER:
			pluginServer = s
		}
	}
	write := one(t, spans, "stream.events") // the handler's span: it ends after the last byte is written
	if hostClient.ParentSpanID != server.SpanID || pluginServer.ParentSpanID != hostClient.SpanID ||
		write.ParentSpanID != pluginServer.SpanID || write.TraceID != server.TraceID {
		t.Fatalf("span tree: server %s, host client %s (parent %s), plugin server %s (parent %s), stream.events %s (parent %s, trace %s)",
			server.SpanID, hostClient.SpanID, hostClient.ParentSpanID, pluginServer.SpanID, pluginServer.ParentSpanID,
			write.SpanID, write.ParentSpanID, write.TraceID)
	}
	if pluginServer.Resource["service.name"] != "stream" {
		t.Fatalf("plugin server span resource %v", pluginServer.Resource)
	}
	// Each span ends after what necessarily happens before its end: the
	// release, the last write (the end of stream.events), the call's end.
	order := []struct {
		what        string
		before, end time.Time
	}{
		{"stream.events ends after the release", released, write.End},
		{"the plugin's server span ends after the last write", write.End, pluginServer.End},
		{"the host's client span ends after the plugin's last write", write.End, hostClient.End},
		{"the host's server span ends after its client span", hostClient.End, server.End},
		// Not causal, but by far the likely order: gRPC takes the plugin
		// span's end time right after queueing the call's status, which
		// the host must then receive.
		{"the host's server span ends after the plugin's server span", pluginServer.End, server.End},
	}
	for _, o := range order {
		if o.end.Before(o.before) {
			t.Errorf("%s: %v < %v", o.what, o.end.Format(time.RFC3339Nano), o.before.Format(time.RFC3339Nano))
		}
	}
	if server.Attributes["http.route"] != "/api/stream/events" {
		t.Errorf("http.route = %q, want the plugin's route", server.Attributes["http.route"])
	}
}

// heapSampler samples the process's heap while a test streams through the
// host: live and not yet swept objects, and the spans they take.
type heapSampler struct {
	samples []metrics.Sample
	stop    chan struct{}
	peaks   chan [2]uint64
}

func heapNow(s []metrics.Sample) (objects, inUse uint64) {
	metrics.Read(s)
	objects = s[0].Value.Uint64()
	return objects, objects + s[1].Value.Uint64()
}

func startHeapSampler() (*heapSampler, [2]uint64) {
	s := &heapSampler{
		samples: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}},
		stop:    make(chan struct{}),
		peaks:   make(chan [2]uint64, 1),
	}
	runtime.GC()
	objects, inUse := heapNow(s.samples)
	base := [2]uint64{objects, inUse}
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		peak := base
		for {
			select {
			case <-tick.C:
				objects, inUse := heapNow(s.samples)
				peak = [2]uint64{max(peak[0], objects), max(peak[1], inUse)}
			case <-s.stop:
				s.peaks <- peak
				return
			}
		}
	}()
	return s, base
}

func (s *heapSampler) peak() [2]uint64 {
	close(s.stop)
	return <-s.peaks
}

const mib = 1 << 20

// TestDownloadStreamsInFlatMemory streams 200 MiB from the plugin through
// the host (this process) and checks that the host's heap stays far below
// the body's size: nothing holds the body whole.
func TestDownloadStreamsInFlatMemory(t *testing.T) {
	const size = 200 * mib
	h := streamHost(t)
	want := sha256.New()
	if _, err := io.Copy(want, newPattern(size)); err != nil {
		t.Fatal(err)
	}

	sampler, base := startHeapSampler()
	begin := time.Now()
	resp := h.open(t, context.Background(), http.MethodGet, fmt.Sprintf("/api/stream/download?size=%d", size), staticToken, nil)
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	took := time.Since(begin)
	peak := sampler.peak()

	if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("downloaded %d bytes (%v), want %d; checksum match %v", n, err, size, bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	if resp.ContentLength != -1 {
		t.Fatalf("Content-Length %d: the plugin's is not passed on", resp.ContentLength)
	}
	objects, inUse := int64(peak[0])-int64(base[0]), int64(peak[1])-int64(base[1])
	t.Logf("200 MiB in %v; host heap: objects %.1f MiB at rest, peak +%.1f MiB; in use %.1f MiB at rest, peak +%.1f MiB",
		took.Round(time.Millisecond), float64(base[0])/mib, float64(objects)/mib, float64(base[1])/mib, float64(inUse)/mib)
	if objects > 32*mib || inUse > 32*mib {
		t.Fatalf("the host's heap grew by %.1f MiB (objects) and %.1f MiB (in use) while streaming %d MiB; want well below the body",
			float64(objects)/mib, float64(inUse)/mib, size/mib)
	}
}

// TestCallerGoingAwayCancelsThePlugin checks that a caller that goes away
// mid-stream ends the plugin handler's context.
func TestCallerGoingAwayCancelsThePlugin(t *testing.T) {
	h := streamHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := h.open(t, ctx, http.MethodGet, "/api/stream/hold?id=c", staticToken, nil)
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "holding\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	cancel()
	resp.Body.Close()
	var why string
	await.True(t, 10*time.Second, func() bool {
		_, why = h.do(t, http.MethodGet, "/api/stream/held?id=c", staticToken, "")
		return why != ""
	}, "the plugin handler's context did not end after the caller went away")
	if why != context.Canceled.Error() {
		t.Fatalf("the handler's context ended with %q, want %q", why, context.Canceled)
	}
}

// TestCallTimeoutBoundsOnlyTheHead checks that the call timeout is not a
// deadline of the stream: the plugin's context has none.
func TestCallTimeoutBoundsOnlyTheHead(t *testing.T) {
	h := streamHost(t, host.WithExternalLimits(host.ExternalLimits{CallTimeout: 5 * time.Second}))
	if status, body := h.do(t, http.MethodGet, "/api/stream/deadline", staticToken, ""); status != http.StatusOK || body != "false" {
		t.Fatalf("GET /deadline = %d %q, want no deadline on the plugin's context", status, body)
	}
}

// TestSlowCallerDoesNotCount checks that the call timeout counts the time
// the host waits for the plugin, not for the caller's request body.
func TestSlowCallerDoesNotCount(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h := streamHost(t, host.WithExternalLimits(host.ExternalLimits{CallTimeout: timeout}))
	body, send := io.Pipe()
	defer send.Close()
	type answer struct {
		status int
		body   string
	}
	answered := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, h.URL()+"/api/stream/count", body)
		req.Header.Set("Authorization", "Bearer "+staticToken)
		resp, err := streamClient.Do(req)
		if err != nil {
			answered <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b)}
	}()
	if _, err := io.WriteString(send, "abc"); err != nil {
		t.Fatal(err)
	}
	// A call begun now that times out shows that more than the timeout has
	// passed since the caller last sent a part of its body.
	if status, body := h.do(t, http.MethodGet, "/api/stream/silent", staticToken, ""); status != http.StatusGatewayTimeout {
		t.Fatalf("GET /silent = %d %s, want 504", status, body)
	}
	if _, err := io.WriteString(send, "def"); err != nil {
		t.Fatal(err)
	}
	send.Close()
	if a := <-answered; a.status != http.StatusOK || a.body != "6" {
		t.Fatalf("slow upload: %d %q, want 200 and 6 bytes read", a.status, a.body)
	}
}

// unsized hides a reader's length, so that a request's body goes chunked.
type unsized struct{ io.Reader }

func TestRequestBodyStreams(t *testing.T) {
	const limit = 32 * mib
	h := streamHost(t, host.WithExternalLimits(host.ExternalLimits{MaxRequestBody: limit}))
	post := func(t *testing.T, body io.Reader, length int64) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, h.URL()+"/api/stream/count", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = length
		req.Header.Set("Authorization", "Bearer "+staticToken)
		resp, err := streamClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		name       string
		size       int64
		sized      bool
		wantStatus int
	}{
		{"20 MiB", 20 * mib, true, http.StatusOK},
		{"20 MiB chunked", 20 * mib, false, http.StatusOK},
		{"at the limit, chunked", limit, false, http.StatusOK},
		{"over the limit", limit + 1, true, http.StatusRequestEntityTooLarge},
		{"over the limit, chunked", limit + mib, false, http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := newPattern(c.size)
			length := c.size
			if !c.sized {
				body, length = unsized{body}, -1
			}
			status, answer := post(t, body, length)
			if status != c.wantStatus {
				t.Fatalf("POST %d bytes = %d %q, want %d", c.size, status, answer, c.wantStatus)
			}
			if status == http.StatusOK && answer != fmt.Sprint(c.size) {
				t.Fatalf("the plugin read %s bytes, want %d", answer, c.size)
			}
			var e struct{ Error string }
			if status == http.StatusRequestEntityTooLarge && (json.Unmarshal([]byte(answer), &e) != nil || e.Error == "") {
				t.Fatalf("413 without a JSON error: %q", answer)
			}
		})
	}
}

// TestFullDuplex checks that the plugin can answer while the request body
// is still arriving: each line it echoes is sent only after the test read
// the echo of the one before.
func TestFullDuplex(t *testing.T) {
	h := streamHost(t)
	body, send := io.Pipe()
	defer send.Close()
	resp := h.open(t, context.Background(), http.MethodPost, "/api/stream/echo", staticToken, body)
	answers := bufio.NewReader(resp.Body)
	expect := func(want string) {
		t.Helper()
		line, err := answers.ReadString('\n')
		if err != nil || line != want+"\n" {
			t.Fatalf("read %q, %v; want %q", line, err, want)
		}
	}
	expect("ready")
	for _, word := range []string{"one", "two", "three"} {
		if _, err := io.WriteString(send, word+"\n"); err != nil {
			t.Fatal(err)
		}
		expect("echo: " + word)
	}
	send.Close()
	if rest, err := io.ReadAll(answers); err != nil || len(rest) != 0 {
		t.Fatalf("after the echoes: %q, %v", rest, err)
	}
}

// TestVersion1PluginAlongside runs a plugin that speaks only protocol
// version 1 next to one of version 2: the first is forwarded buffered, as
// before, the second streamed (an answer larger than a body part; a
// smaller one comes whole, in its head, and is framed as in version 1);
// /api/plugins says which speaks what.
func TestVersion1PluginAlongside(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("raw", "raw")+externalPlugin("stream", "stream"))
	old := exchange(t, h, "/api/raw/answer?status=200&body=whole", "Authorization: Bearer "+staticToken)
	if old.status != http.StatusOK || old.body != "whole" || old.header.Get("Content-Length") != "5" || old.header.Get("Transfer-Encoding") != "" {
		t.Fatalf("version 1 plugin: %d %q %v, want the whole body with its Content-Length", old.status, old.body, old.header)
	}
	size := 3*pluginproto.BodyPartSize + 100
	streamed := exchange(t, h, "/api/stream/download?size="+strconv.Itoa(size), "Authorization: Bearer "+staticToken)
	if streamed.status != http.StatusOK || len(streamed.body) != size || streamed.header.Get("Transfer-Encoding") != "chunked" || streamed.header.Get("Content-Length") != "" {
		t.Fatalf("version 2 plugin: %d, %d bytes, %v; want a chunked body", streamed.status, len(streamed.body), streamed.header)
	}
	whole := exchange(t, h, "/api/stream/download?size=100", "Authorization: Bearer "+staticToken)
	if whole.status != http.StatusOK || len(whole.body) != 100 || whole.header.Get("Content-Length") != "100" || whole.header.Get("Transfer-Encoding") != "" {
		t.Fatalf("version 2 plugin, a small answer: %d, %d bytes, %v; want it whole with its Content-Length", whole.status, len(whole.body), whole.header)
	}
	raw, list := pluginInfo(t, h, "raw")
	stream, _ := pluginInfo(t, h, "stream")
	if raw.Protocol != 1 || raw.Version != "" || stream.Protocol != 2 || stream.Version != streamVersion {
		t.Fatalf("/api/plugins: %s; want raw protocol 1 without a version, stream protocol 2 version %s", list, streamVersion)
	}
	if !strings.Contains(list, `"protocol":1`) || !strings.Contains(list, `"version":"`+streamVersion+`"`) {
		t.Fatalf("/api/plugins JSON %s", list)
	}
}

// TestDeclaredPublicRoutes checks that the routes a version 2 plugin
// declares public are open to anonymous callers, relative to its mount and
// nowhere else, and that a restart keeps them.
func TestDeclaredPublicRoutes(t *testing.T) {
	h := startHostWith(t, "", externalPlugin("stream", "stream")+externalPlugin("raw", "raw-v2"))
	token := userToken(t, "user:default/alice")
	anonymous := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/api/stream/public/health", http.StatusOK, "none"},
		{"/api/stream/private", http.StatusUnauthorized, ""},
		{"/api/stream/calls", http.StatusUnauthorized, ""},
		{"/api/raw/open", http.StatusOK, "open to anyone"},
		{"/api/raw/headers", http.StatusUnauthorized, ""},
		{"/api/plugins", http.StatusUnauthorized, ""},                // "GET /api/plugins" of raw is below its mount
		{"/api/raw/api/plugins", http.StatusNotFound, ""},            // which is where it opens
		{"/api/todos/x", http.StatusUnauthorized, ""},                // another plugin's routes stay closed
		{"/api/stream/public/health/x", http.StatusUnauthorized, ""}, // a pattern opens what it matches only
	}
	check := func(t *testing.T) {
		t.Helper()
		for _, c := range anonymous {
			status, body := h.do(t, http.MethodGet, c.path, "", "")
			if status != c.wantStatus || (c.wantBody != "" && body != c.wantBody) {
				t.Errorf("anonymous GET %s = %d %q, want %d %q", c.path, status, body, c.wantStatus, c.wantBody)
			}
		}
	}
	check(t)
	if status, _ := h.do(t, http.MethodGet, "/api/stream/public/health", "garbage", ""); status != http.StatusUnauthorized {
		t.Errorf("invalid credentials on a public route: %d, want 401", status)
	}
	if _, calls := h.do(t, http.MethodGet, "/api/stream/calls", token, ""); calls != "0" {
		t.Fatalf("the plugin ran %s times for refused requests", calls)
	}
	recs := records(t, h, 0)
	if ignored := withPluginID(recs, "raw", "invalid public route"); len(ignored) != 2 {
		t.Fatalf("log records of ignored routes: %v, want two (the conflict and the invalid pattern)", ignored)
	}
	if ignored := withPluginID(recs, "stream", "invalid public route"); len(ignored) != 0 {
		t.Fatalf("valid routes ignored: %v", ignored)
	}
	if p, _ := pluginInfo(t, h, "raw"); p.Version != "raw-2.0" || p.Protocol != 2 {
		t.Fatalf("raw plugin info %+v", p)
	}

	// A restart describes the plugin again: its routes stay open.
	h.do(t, http.MethodGet, "/api/raw/crash", token, "")
	var list string
	await.True(t, 20*time.Second, func() bool {
		var p host.PluginInfo
		p, list = pluginInfo(t, h, "raw")
		return p.State == host.StateRunning && p.Restarts >= 1
	}, "raw plugin not restarted: %s", await.Value(&list))
	check(t)
}
