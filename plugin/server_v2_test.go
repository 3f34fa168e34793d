// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/internal/handoff"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// serveV2 serves handler as a version 2 plugin on a loopback port and
// returns a client of it, as the host holds one.
func serveV2(t *testing.T, handler http.Handler, describe *pluginv2.DescribeResponse) pluginv2.PluginClient {
	t.Helper()
	tel, err := newTelemetry(context.Background(), handoff.Plugin{ID: "items"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := &serverV2{server: &server{handler: handler, telemetry: tel, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, describe: describe}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	pluginv2.RegisterPluginServer(gs, s)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pluginv2.NewPluginClient(conn)
}

// exchange is one call as the host sees it.
type exchange struct {
	head  *pluginv2.ResponseHead
	parts [][]byte // the head's body, if any, and those of the body messages
	msgs  int      // messages received
	err   error    // of the call, after the head and parts
}

func (e exchange) body() string { return string(bytes.Join(e.parts, nil)) }

// call sends head and the body parts, then reads the whole answer.
func call(t *testing.T, c pluginv2.PluginClient, head *pluginv2.RequestHead, body ...string) exchange {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := c.CallResource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Head{Head: head}}); err != nil {
		t.Fatal(err)
	}
	for _, b := range body {
		if err := stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Body{Body: []byte(b)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	var e exchange
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return e
		}
		if err != nil {
			e.err = err
			return e
		}
		e.msgs++
		switch {
		case msg.GetHead() != nil && e.head == nil && e.parts == nil:
			e.head = msg.GetHead()
			if len(e.head.GetBody()) > 0 {
				e.parts = append(e.parts, e.head.GetBody())
			}
		case msg.GetHead() == nil && e.head != nil && !e.head.GetEnd():
			e.parts = append(e.parts, msg.GetBody())
		default:
			t.Fatalf("message out of order: %v after head %v and %d parts", msg, e.head, len(e.parts))
		}
	}
}

func TestStreamCallResource(t *testing.T) {
	var seen struct {
		creds             auth.Credentials
		path, query, body string
		header            string
		contentLength     int64
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen.creds, _ = auth.CredentialsFromContext(r.Context())
		seen.path, seen.query, seen.header, seen.contentLength = r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Request-Id"), r.ContentLength
		b, _ := io.ReadAll(r.Body)
		seen.body = string(b)
		w.Header().Set("X-Item", r.PathValue("id"))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "ok")
	})
	c := serveV2(t, mux, nil)
	e := call(t, c, &pluginv2.RequestHead{
		Method: http.MethodPost, Path: "/items/42", RawQuery: "dry=1", ContentLength: 9,
		Headers:   pluginproto.HeaderToProtoV2(http.Header{"X-Request-Id": {"abc"}}),
		Principal: pluginproto.CredentialsToProtoV2(auth.UserCredentials("user:default/alice")),
	}, "pay", "lo", "ad!!")
	header := pluginproto.HeaderFromProtoV2(e.head.GetHeaders())
	if e.err != nil || e.head.GetStatus() != 201 || e.head.GetRoute() != "POST /items/{id}" || header.Get("X-Item") != "42" ||
		header.Get("Content-Type") != "text/plain; charset=utf-8" || e.body() != "ok" {
		t.Fatalf("answer: head %v, body %q, err %v", e.head, e.body(), e.err)
	}
	// A small answer the handler did not flush goes whole, in its head.
	if !e.head.GetEnd() || e.msgs != 1 {
		t.Fatalf("answer in %d messages, head end %v; want one message, its head marked end", e.msgs, e.head.GetEnd())
	}
	if seen.creds != auth.UserCredentials("user:default/alice") || seen.path != "/items/42" || seen.query != "dry=1" ||
		seen.body != "payload!!" || seen.header != "abc" || seen.contentLength != 9 {
		t.Fatalf("handler saw %+v", seen)
	}
}

// TestStreamParts checks that the body goes in parts of at most
// BodyPartSize, buffered until the handler returns when it does not flush.
func TestStreamParts(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16)
	c := serveV2(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(big)
		_, _ = io.WriteString(w, "tail")
	}), nil)
	e := call(t, c, &pluginv2.RequestHead{Method: http.MethodGet, Path: "/"})
	if e.err != nil || e.body() != string(big)+"tail" {
		t.Fatalf("body of %d bytes, err %v; want %d bytes", len(e.body()), e.err, len(big)+4)
	}
	var sizes []int
	for _, p := range e.parts {
		sizes = append(sizes, len(p))
		if len(p) == 0 || len(p) > pluginproto.BodyPartSize {
			t.Fatalf("part sizes %v: want none empty and none over %d", sizes, pluginproto.BodyPartSize)
		}
	}
	if len(e.parts) != 4 {
		t.Fatalf("part sizes %v, want 3 full parts and the rest", sizes)
	}
}

// TestStreamFlushSendsAtOnce checks causality: the handler writes its
// second part only once the test has received the first.
func TestStreamFlushSendsAtOnce(t *testing.T) {
	proceed := make(chan struct{})
	controller := make(chan [2]error, 1) // Flush's and EnableFullDuplex's errors
	c := serveV2(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: a\n\n")
		rc := http.NewResponseController(w)
		duplexErr := rc.EnableFullDuplex()
		controller <- [2]error{rc.Flush(), duplexErr}
		select {
		case <-proceed:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "data: b\n\n")
	}), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := c.CallResource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Head{Head: &pluginv2.RequestHead{Method: http.MethodGet, Path: "/"}}})
	_ = stream.CloseSend()
	recv := func() *pluginv2.CallResourceResponse {
		t.Helper()
		msg, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		return msg
	}
	// The head goes with what the handler wrote before it flushed.
	if h := recv().GetHead(); h.GetStatus() != 200 || pluginproto.HeaderFromProtoV2(h.GetHeaders()).Get("Content-Type") != "text/event-stream" ||
		string(h.GetBody()) != "data: a\n\n" || h.GetEnd() {
		t.Fatalf("head %v, want the first part in it and no end", h)
	}
	close(proceed)
	if b := recv().GetBody(); string(b) != "data: b\n\n" {
		t.Fatalf("second part %q", b)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the parts: %v, want io.EOF", err)
	}
	if errs := <-controller; errs[0] != nil || errs[1] != nil {
		t.Fatalf("ResponseController: Flush %v, EnableFullDuplex %v; want both to work", errs[0], errs[1])
	}
}

func TestStreamPanics(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Lost", "yes")
		_, _ = io.WriteString(w, "lost")
		panic("boom")
	})
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "begun")
		w.(http.Flusher).Flush()
		panic("boom")
	})
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "begun")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	c := serveV2(t, mux, nil)
	e := call(t, c, &pluginv2.RequestHead{Method: http.MethodGet, Path: "/early"})
	header := pluginproto.HeaderFromProtoV2(e.head.GetHeaders())
	if e.err != nil || e.head.GetStatus() != 500 || header.Get("X-Lost") != "" || !strings.Contains(e.body(), `"error"`) || strings.Contains(e.body(), "lost") {
		t.Fatalf("panic before the head: %v %q %v, want a 500 JSON error and nothing of the handler's", e.head, e.body(), e.err)
	}
	for path, code := range map[string]codes.Code{"/late": codes.Internal, "/abort": codes.Aborted} {
		e = call(t, c, &pluginv2.RequestHead{Method: http.MethodGet, Path: path})
		if e.head.GetStatus() != 200 || e.body() != "begun" || status.Code(e.err) != code {
			t.Fatalf("%s: %v %q %v, want the beginning, then the call failing with %v", path, e.head, e.body(), e.err, code)
		}
	}
}

func TestStreamBodilessAnswers(t *testing.T) {
	writeErr := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("HEAD /file", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<html>the GET body</html>")
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints) // informational: not passed on
		w.WriteHeader(http.StatusNoContent)
		_, err := io.WriteString(w, "not allowed")
		writeErr <- err
	})
	c := serveV2(t, mux, nil)
	e := call(t, c, &pluginv2.RequestHead{Method: http.MethodHead, Path: "/file"})
	if e.err != nil || e.head.GetStatus() != 200 || len(e.parts) != 0 ||
		pluginproto.HeaderFromProtoV2(e.head.GetHeaders()).Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("HEAD: %v, %d parts, %v; want the GET's head, no body", e.head, len(e.parts), e.err)
	}
	e = call(t, c, &pluginv2.RequestHead{Method: http.MethodGet, Path: "/empty"})
	if err := <-writeErr; e.err != nil || e.head.GetStatus() != 204 || len(e.parts) != 0 || !errors.Is(err, http.ErrBodyNotAllowed) {
		t.Fatalf("204: %v, %d parts, %v; Write said %v", e.head, len(e.parts), e.err, err)
	}
}

// TestStreamRequestBodyCut checks that a request body the host stops
// sending, by cancelling the call, fails the handler's read and ends its
// context: a cut body never looks whole.
func TestStreamRequestBodyCut(t *testing.T) {
	type seen struct {
		n               int
		readErr, ctxErr error
	}
	got := make(chan seen, 1)
	reading := make(chan struct{})
	c := serveV2(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 5)
		n, _ := io.ReadFull(r.Body, buf)
		close(reading)
		rest, err := io.ReadAll(r.Body)
		<-r.Context().Done()
		got <- seen{n + len(rest), err, r.Context().Err()}
	}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := c.CallResource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Head{Head: &pluginv2.RequestHead{Method: http.MethodPost, Path: "/", ContentLength: -1}}})
	_ = stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Body{Body: []byte("first")}})
	<-reading
	cancel()
	s := <-got
	if s.n != 5 || s.readErr == nil || !errors.Is(s.ctxErr, context.Canceled) {
		t.Fatalf("handler read %d bytes, then %v; context %v; want 5, an error, context.Canceled", s.n, s.readErr, s.ctxErr)
	}
}

func TestDescribe(t *testing.T) {
	c := serveV2(t, http.NotFoundHandler(), &pluginv2.DescribeResponse{Version: "1.4.2", PublicRoutes: []string{"GET /{$}"}})
	d, err := c.Describe(context.Background(), &pluginv2.DescribeRequest{})
	if err != nil || d.GetVersion() != "1.4.2" || len(d.GetPublicRoutes()) != 1 || d.GetPublicRoutes()[0] != "GET /{$}" {
		t.Fatalf("Describe = %v, %v", d, err)
	}
}

func TestManageRefusesInvalidPublicRoutes(t *testing.T) {
	factory := func(context.Context, Env) (http.Handler, error) { return http.NotFoundHandler(), nil }
	for name, c := range map[string]struct {
		routes []string
		want   string
	}{
		"invalid":  {[]string{"GET /ok", "GET /{bad"}, `PublicRoutes[1] "GET /{bad"`},
		"conflict": {[]string{"GET /a", "GET /a"}, `PublicRoutes[1] "GET /a"`},
	} {
		// The check comes first: outside a host too.
		err := Manage("weather", factory, ManageOpts{PublicRoutes: c.routes})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Manage = %v, want an error naming %s", name, err, c.want)
		}
	}
}

// TestStreamRequestInHead checks a request head that carries its body:
// all of it (end), or its beginning, the rest following in body messages.
func TestStreamRequestInHead(t *testing.T) {
	c := serveV2(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(b)
	}), nil)
	e := call(t, c, &pluginv2.RequestHead{Method: http.MethodPost, Path: "/", ContentLength: 5, Body: []byte("whole"), End: true})
	if e.err != nil || e.head.GetStatus() != 200 || e.body() != "whole" {
		t.Fatalf("whole body in the head: %v %q %v", e.head, e.body(), e.err)
	}
	e = call(t, c, &pluginv2.RequestHead{Method: http.MethodPost, Path: "/", ContentLength: -1, Body: []byte("be")}, "gin", "ning")
	if e.err != nil || e.head.GetStatus() != 200 || e.body() != "beginning" {
		t.Fatalf("beginning in the head: %v %q %v", e.head, e.body(), e.err)
	}
	e = call(t, c, &pluginv2.RequestHead{Method: http.MethodGet, Path: "/", End: true})
	if e.err != nil || e.head.GetStatus() != 200 || e.body() != "" {
		t.Fatalf("no body, end: %v %q %v", e.head, e.body(), e.err)
	}
}
