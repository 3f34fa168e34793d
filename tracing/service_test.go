// SPDX-License-Identifier: Apache-2.0

package tracing_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/tracing"
	"github.com/plugtrace/plugtrace/tracing/tracingtest"
)

func attr(t *testing.T, s sdktrace.ReadOnlySpan, key attribute.Key) (string, bool) {
	t.Helper()
	v, ok := tracingtest.Attribute(s, key)
	if !ok {
		return "", false
	}
	return v.String(), true
}

func wantAttr(t *testing.T, s sdktrace.ReadOnlySpan, key attribute.Key, want string) {
	t.Helper()
	got, ok := attr(t, s, key)
	if !ok {
		t.Fatalf("span %q: no attribute %s; have %v", s.Name(), key, s.Attributes())
	}
	if got != want {
		t.Fatalf("span %q: %s = %q, want %q", s.Name(), key, got, want)
	}
}

func wantNoAttr(t *testing.T, s sdktrace.ReadOnlySpan, key attribute.Key) {
	t.Helper()
	if got, ok := attr(t, s, key); ok {
		t.Fatalf("span %q: unexpected attribute %s = %q", s.Name(), key, got)
	}
}

func nothing(context.Context, tracing.Span) error { return nil }

func TestScopeDefaultAndOverride(t *testing.T) {
	rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{
		Plugins: map[string]tracing.PluginConfig{
			"catalog": {Tracer: tracing.TracerConfig{Name: "custom-name", Version: "2.0.0", SchemaURL: "https://example.com/schema"}},
			"search":  {Tracer: tracing.TracerConfig{Version: "1.2.3"}},
		},
	}))
	ctx := context.Background()
	for _, id := range []string{"todos", "catalog", "search"} {
		if err := rec.Service(t, id).StartActiveSpan(ctx, "op-"+id, nothing); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		span, name, version, schema string
	}{
		{"op-todos", "plugtrace-plugin-todos", "", ""},
		{"op-catalog", "custom-name", "2.0.0", "https://example.com/schema"},
		{"op-search", "plugtrace-plugin-search", "1.2.3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.span, func(t *testing.T) {
			scope := rec.Span(t, tt.span).InstrumentationScope()
			if scope.Name != tt.name || scope.Version != tt.version || scope.SchemaURL != tt.schema {
				t.Fatalf("scope = %+v, want name %q version %q schema %q", scope, tt.name, tt.version, tt.schema)
			}
		})
	}
}

func TestAttribution(t *testing.T) {
	tests := []struct {
		name string
		run  func(ctx context.Context, svc tracing.Service) error
		want string
	}{
		{"default", func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", nothing)
		}, "todos"},
		{"start attribute wins", func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", nothing, tracing.WithAttributes(tracing.PluginIDKey.String("other")))
		}, "other"},
		{"SetAttribute inside fn", func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", func(_ context.Context, span tracing.Span) error {
				span.SetAttribute("plugtrace.plugin.id", "other")
				return nil
			})
		}, "other"},
		{"SetAttributes inside fn", func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", func(_ context.Context, span tracing.Span) error {
				span.SetAttributes(tracing.PluginIDKey.String("third"))
				return nil
			}, tracing.WithAttributes(tracing.PluginIDKey.String("other")))
		}, "third"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			if err := tt.run(context.Background(), rec.Service(t, "todos")); err != nil {
				t.Fatal(err)
			}
			wantAttr(t, rec.Span(t, "op"), tracing.PluginIDKey, tt.want)
		})
	}
}

func TestSpanKindAndAttributes(t *testing.T) {
	rec := tracingtest.NewRecorder()
	svc := rec.Service(t, "todos")
	err := svc.StartActiveSpan(context.Background(), "server op", nothing,
		tracing.WithKind(trace.SpanKindServer),
		tracing.WithAttributes(attribute.String("a", "1")),
		tracing.WithAttributes(attribute.Int("b", 2)))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.StartActiveSpan(context.Background(), "internal op", nothing); err != nil {
		t.Fatal(err)
	}
	s := rec.Span(t, "server op")
	if s.SpanKind() != trace.SpanKindServer {
		t.Fatalf("kind = %v, want server", s.SpanKind())
	}
	wantAttr(t, s, "a", "1")
	wantAttr(t, s, "b", "2")
	if k := rec.Span(t, "internal op").SpanKind(); k != trace.SpanKindInternal {
		t.Fatalf("default kind = %v, want internal", k)
	}
}

// Every kind, the start options of which are made once, and kinds out of
// range, which the SDK takes as internal.
func TestEverySpanKind(t *testing.T) {
	for _, tt := range []struct{ kind, want trace.SpanKind }{
		{trace.SpanKindUnspecified, trace.SpanKindInternal},
		{trace.SpanKindInternal, trace.SpanKindInternal},
		{trace.SpanKindServer, trace.SpanKindServer},
		{trace.SpanKindClient, trace.SpanKindClient},
		{trace.SpanKindProducer, trace.SpanKindProducer},
		{trace.SpanKindConsumer, trace.SpanKindConsumer},
		{trace.SpanKind(42), trace.SpanKindInternal},
		{trace.SpanKind(-1), trace.SpanKindInternal},
	} {
		rec := tracingtest.NewRecorder()
		if err := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing, tracing.WithKind(tt.kind)); err != nil {
			t.Fatal(err)
		}
		if got := rec.Span(t, "op").SpanKind(); got != tt.want {
			t.Errorf("WithKind(%d): kind = %v, want %v", tt.kind, got, tt.want)
		}
	}
}

func TestActiveSpanAndParent(t *testing.T) {
	rec := tracingtest.NewRecorder()
	svc := rec.Service(t, "todos")
	outer := rec.TracerProvider().Tracer("host")
	ctx, parent := outer.Start(context.Background(), "http request")

	var inFn trace.SpanContext
	err := svc.StartActiveSpan(ctx, "plugin op", func(ctx context.Context, span tracing.Span) error {
		inFn = trace.SpanContextFromContext(ctx)
		if !inFn.Equal(span.SpanContext()) {
			t.Errorf("span in ctx %v, handed span %v", inFn, span.SpanContext())
		}
		// A child started from ctx, by plugtrace or by any OTel code.
		if err := svc.StartActiveSpan(ctx, "child", nothing); err != nil {
			return err
		}
		_, raw := outer.Start(ctx, "raw child")
		raw.End()
		return nil
	})
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	op := rec.Span(t, "plugin op")
	if op.Parent().SpanID() != parent.SpanContext().SpanID() || op.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("plugin span parent = %v, want %v", op.Parent(), parent.SpanContext())
	}
	if !inFn.Equal(op.SpanContext()) {
		t.Fatalf("ctx handed to fn carried %v, want the plugin span %v", inFn, op.SpanContext())
	}
	for _, name := range []string{"child", "raw child"} {
		if got := rec.Span(t, name).Parent().SpanID(); got != op.SpanContext().SpanID() {
			t.Fatalf("%s parent = %v, want plugin span %v", name, got, op.SpanContext().SpanID())
		}
	}
}

// countingTracerProvider wraps the SDK's provider to count End calls on each
// span: the SDK itself silently ignores every End after the first.
type countingTracerProvider struct {
	embedded.TracerProvider
	tp   trace.TracerProvider
	ends atomic.Int32
}

func (p *countingTracerProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return countingTracer{tracer: p.tp.Tracer(name, opts...), ends: &p.ends}
}

type countingTracer struct {
	embedded.Tracer
	tracer trace.Tracer
	ends   *atomic.Int32
}

func (t countingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx, span := t.tracer.Start(ctx, name, opts...)
	cs := &countingSpan{Span: span, ends: t.ends}
	return trace.ContextWithSpan(ctx, cs), cs
}

type countingSpan struct {
	trace.Span
	ends *atomic.Int32
}

func (s *countingSpan) End(opts ...trace.SpanEndOption) {
	s.ends.Add(1)
	s.Span.End(opts...)
}

func TestEndsExactlyOnce(t *testing.T) {
	paths := map[string]func(context.Context, tracing.Span) error{
		"success": nothing,
		"error":   func(context.Context, tracing.Span) error { return errors.New("boom") },
		"panic":   func(context.Context, tracing.Span) error { panic("boom") },
		"goexit":  func(context.Context, tracing.Span) error { runtime.Goexit(); return nil },
	}
	for name, fn := range paths {
		t.Run(name, func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			counting := &countingTracerProvider{tp: rec.TracerProvider()}
			p, err := tracing.NewProvider(tracing.Config{}, tracing.WithTracerProvider(counting))
			if err != nil {
				t.Fatal(err)
			}
			svc, _ := p.ForPlugin("todos")
			done := make(chan struct{})
			go func() { // a goroutine of its own, for Goexit
				defer close(done)
				defer func() { _ = recover() }()
				_ = svc.StartActiveSpan(context.Background(), "op", fn)
			}()
			<-done
			if n := counting.ends.Load(); n != 1 {
				t.Fatalf("End called %d times, want 1", n)
			}
			if n := len(rec.Ended()); n != 1 {
				t.Fatalf("%d spans ended, want 1", n)
			}
		})
	}
}

type notFoundError struct{ id string }

func (e *notFoundError) Error() string     { return "todo " + e.id + " not found" }
func (e *notFoundError) ErrorType() string { return "todo_not_found" }

type quotaError struct{}

func (quotaError) Error() string { return "quota exceeded" }

func TestErrorRecorded(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantErrorType string
	}{
		{"ErrorType method", &notFoundError{"7"}, "todo_not_found"},
		{"wrapped ErrorType method", fmt.Errorf("load: %w", &notFoundError{"7"}), "todo_not_found"},
		{"type name", quotaError{}, "github.com/plugtrace/plugtrace/tracing_test.quotaError"},
		{"fmt wrapper unwrapped", fmt.Errorf("read: %w", fs.ErrNotExist), "*errors.errorString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			got := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op",
				func(context.Context, tracing.Span) error { return tt.err })
			if got != tt.err {
				t.Fatalf("returned %v, want the same error value %v", got, tt.err)
			}
			s := rec.Span(t, "op")
			if s.Status().Code != codes.Error || s.Status().Description != tt.err.Error() {
				t.Fatalf("status = %+v, want ERROR %q", s.Status(), tt.err.Error())
			}
			wantAttr(t, s, semconv.ErrorTypeKey, tt.wantErrorType)
			if want := semconv.ErrorType(tt.err).Value.AsString(); want != tt.wantErrorType {
				t.Fatalf("semconv.ErrorType = %q, test expects %q", want, tt.wantErrorType)
			}
			ev := exceptionEvent(t, s)
			if msg := eventAttr(ev, "exception.message"); msg != tt.err.Error() {
				t.Fatalf("exception.message = %q, want %q", msg, tt.err.Error())
			}
		})
	}
}

func exceptionEvent(t *testing.T, s sdktrace.ReadOnlySpan) sdktrace.Event {
	t.Helper()
	var found []sdktrace.Event
	for _, e := range s.Events() {
		if e.Name == "exception" {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("span %q has %d exception events, want 1: %v", s.Name(), len(found), s.Events())
	}
	return found[0]
}

func eventAttr(e sdktrace.Event, key attribute.Key) string {
	for _, kv := range e.Attributes {
		if kv.Key == key {
			return kv.Value.String()
		}
	}
	return ""
}

func TestStatusOnSuccess(t *testing.T) {
	rec := tracingtest.NewRecorder()
	svc := rec.Service(t, "todos")
	ctx := context.Background()
	_ = svc.StartActiveSpan(ctx, "unset", nothing)
	_ = svc.StartActiveSpan(ctx, "ok", func(_ context.Context, span tracing.Span) error {
		span.SetStatus(codes.Ok, "")
		return nil
	})
	if c := rec.Span(t, "unset").Status().Code; c != codes.Unset {
		t.Fatalf("status on success = %v, want Unset", c)
	}
	if c := rec.Span(t, "ok").Status().Code; c != codes.Ok {
		t.Fatalf("status set by fn = %v, want Ok", c)
	}
	if n := len(rec.Span(t, "unset").Events()); n != 0 {
		t.Fatalf("success span has %d events, want none", n)
	}
}

func TestPanicRecordedAndReraised(t *testing.T) {
	errPanic := errors.New("nil todo")
	tests := []struct {
		name          string
		value         any
		wantMessage   string
		wantErrorType string
	}{
		{"string", "boom", "boom", "panic"},
		{"error", errPanic, "nil todo", "*errors.errorString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			svc := rec.Service(t, "todos")
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				_ = svc.StartActiveSpan(context.Background(), "op", func(context.Context, tracing.Span) error {
					panic(tt.value)
				})
			}()
			if recovered != tt.value {
				t.Fatalf("re-raised %v, want the original value %v", recovered, tt.value)
			}
			s := rec.Span(t, "op") // ended, or Span would fail
			if s.Status().Code != codes.Error || s.Status().Description != tt.wantMessage {
				t.Fatalf("status = %+v, want ERROR %q", s.Status(), tt.wantMessage)
			}
			wantAttr(t, s, semconv.ErrorTypeKey, tt.wantErrorType)
			ev := exceptionEvent(t, s)
			if st := eventAttr(ev, "exception.stacktrace"); !strings.Contains(st, "TestPanicRecordedAndReraised") {
				t.Fatalf("exception.stacktrace does not show the panicking function:\n%s", st)
			}
		})
	}
}

func TestPrincipal(t *testing.T) {
	tests := []struct {
		name       string
		capture    bool
		creds      auth.Credentials
		wantType   string
		wantEndUse string // "" means absent
	}{
		{"user, capture off", false, auth.UserCredentials("user:default/alice"), "user", ""},
		{"user, capture on", true, auth.UserCredentials("user:default/alice"), "user", "user:default/alice"},
		{"service, capture off", false, auth.ServiceCredentials("external:my-service"), "service", ""},
		{"service, capture on", true, auth.ServiceCredentials("external:my-service"), "service", "external:my-service"},
		{"none, capture on", true, auth.NoneCredentials(), "none", ""},
		{"zero value, capture on", true, auth.Credentials{}, "none", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{CaptureEndUser: tt.capture}))
			err := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing, tracing.WithCredentials(tt.creds))
			if err != nil {
				t.Fatal(err)
			}
			s := rec.Span(t, "op")
			wantAttr(t, s, tracing.PrincipalTypeKey, tt.wantType)
			if tt.wantEndUse == "" {
				wantNoAttr(t, s, tracing.EndUserIDKey)
			} else {
				wantAttr(t, s, tracing.EndUserIDKey, tt.wantEndUse)
			}
		})
	}
	t.Run("no credentials, no principal", func(t *testing.T) {
		rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{CaptureEndUser: true}))
		_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing)
		wantNoAttr(t, rec.Span(t, "op"), tracing.PrincipalTypeKey)
		wantNoAttr(t, rec.Span(t, "op"), tracing.EndUserIDKey)
	})
}

// headerAuth is a small real HTTPAuth: X-User names a user, "bad" is invalid.
var errBadToken = errors.New("invalid token")

var headerAuth = auth.HTTPAuthFunc(func(r *http.Request) (auth.Credentials, error) {
	switch u := r.Header.Get("X-User"); u {
	case "":
		return auth.NoneCredentials(), nil
	case "bad":
		return auth.Credentials{}, errBadToken
	default:
		return auth.UserCredentials(u), nil
	}
})

func TestWithRequest(t *testing.T) {
	newRec := func() *tracingtest.Recorder {
		return tracingtest.NewRecorder(
			tracingtest.WithConfig(tracing.Config{CaptureEndUser: true}),
			tracingtest.WithProviderOptions(tracing.WithHTTPAuth(headerAuth)))
	}
	req := func(user string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/todos/", nil)
		if user != "" {
			r.Header.Set("X-User", user)
		}
		return r
	}

	t.Run("user from request", func(t *testing.T) {
		rec := newRec()
		if err := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing, tracing.WithRequest(req("user:default/bob"))); err != nil {
			t.Fatal(err)
		}
		wantAttr(t, rec.Span(t, "op"), tracing.PrincipalTypeKey, "user")
		wantAttr(t, rec.Span(t, "op"), tracing.EndUserIDKey, "user:default/bob")
	})
	t.Run("anonymous request", func(t *testing.T) {
		rec := newRec()
		_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing, tracing.WithRequest(req("")))
		wantAttr(t, rec.Span(t, "op"), tracing.PrincipalTypeKey, "none")
		wantNoAttr(t, rec.Span(t, "op"), tracing.EndUserIDKey)
	})
	t.Run("credentials win over request", func(t *testing.T) {
		rec := newRec()
		err := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing,
			tracing.WithCredentials(auth.ServiceCredentials("external:cron")), tracing.WithRequest(req("bad")))
		if err != nil {
			t.Fatalf("credentials given, request must not be authenticated: %v", err)
		}
		wantAttr(t, rec.Span(t, "op"), tracing.PrincipalTypeKey, "service")
		wantAttr(t, rec.Span(t, "op"), tracing.EndUserIDKey, "external:cron")
	})
	for _, disabled := range []bool{false, true} {
		t.Run(fmt.Sprintf("invalid credentials, disabled=%v", disabled), func(t *testing.T) {
			rec := tracingtest.NewRecorder(
				tracingtest.WithConfig(tracing.Config{DisableByDefault: disabled}),
				tracingtest.WithProviderOptions(tracing.WithHTTPAuth(headerAuth)))
			ran := false
			err := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", func(context.Context, tracing.Span) error {
				ran = true
				return nil
			}, tracing.WithRequest(req("bad")))
			if !errors.Is(err, errBadToken) {
				t.Fatalf("err = %v, want one wrapping %v", err, errBadToken)
			}
			if ran {
				t.Fatal("fn ran despite invalid credentials")
			}
			if n := len(rec.Started()); n != 0 {
				t.Fatalf("%d spans started, want none", n)
			}
		})
	}
	t.Run("default HTTPAuth reads the request context", func(t *testing.T) {
		rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{CaptureEndUser: true}))
		r := req("")
		r = r.WithContext(auth.ContextWithCredentials(r.Context(), auth.UserCredentials("user:default/carol")))
		_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing, tracing.WithRequest(r))
		wantAttr(t, rec.Span(t, "op"), tracing.EndUserIDKey, "user:default/carol")
	})
}

func TestEndUserNeverLeavesWithCaptureOff(t *testing.T) {
	alice := tracing.EndUserIDKey.String("user:default/alice")
	sources := map[string]func(ctx context.Context, svc tracing.Service) error{
		"start option": func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", nothing, tracing.WithAttributes(alice, attribute.String("keep", "me")))
		},
		"SetAttribute": func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", func(_ context.Context, span tracing.Span) error {
				span.SetAttribute("enduser.id", "user:default/alice")
				span.SetAttribute("keep", "me")
				return nil
			})
		},
		"SetAttributes": func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", func(_ context.Context, span tracing.Span) error {
				span.SetAttributes(alice, attribute.String("keep", "me"))
				return nil
			})
		},
		"span from context": func(ctx context.Context, svc tracing.Service) error {
			return svc.StartActiveSpan(ctx, "op", func(ctx context.Context, _ tracing.Span) error {
				trace.SpanFromContext(ctx).SetAttributes(alice, attribute.String("keep", "me"))
				return nil
			})
		},
		"Tracer start option": func(ctx context.Context, svc tracing.Service) error {
			_, span := svc.Tracer().Start(ctx, "op", trace.WithAttributes(alice, attribute.String("keep", "me")))
			span.End()
			return nil
		},
		"Tracer span SetAttributes": func(ctx context.Context, svc tracing.Service) error {
			ctx, span := svc.Tracer().Start(ctx, "op")
			trace.SpanFromContext(ctx).SetAttributes(alice)
			span.SetAttributes(alice, attribute.String("keep", "me"))
			span.End()
			return nil
		},
	}
	for name, run := range sources {
		t.Run(name, func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			if err := run(context.Background(), rec.Service(t, "todos")); err != nil {
				t.Fatal(err)
			}
			s := rec.Span(t, "op")
			wantNoAttr(t, s, tracing.EndUserIDKey)
			wantAttr(t, s, "keep", "me")
		})
	}
	t.Run("event attributes", func(t *testing.T) {
		rec := tracingtest.NewRecorder()
		_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", func(ctx context.Context, span tracing.Span) error {
			span.AddEvent("looked up", alice, attribute.String("keep", "me"))
			trace.SpanFromContext(ctx).AddEvent("raw", trace.WithAttributes(alice))
			return nil
		})
		for _, ev := range rec.Span(t, "op").Events() {
			if eventAttr(ev, tracing.EndUserIDKey) != "" {
				t.Fatalf("event %q carries enduser.id", ev.Name)
			}
		}
		if got := eventAttr(rec.Span(t, "op").Events()[0], "keep"); got != "me" {
			t.Fatalf("event lost its other attributes: keep = %q", got)
		}
	})
	t.Run("capture on keeps what the caller sets", func(t *testing.T) {
		rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{CaptureEndUser: true}))
		_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", nothing, tracing.WithAttributes(alice))
		wantAttr(t, rec.Span(t, "op"), tracing.EndUserIDKey, "user:default/alice")
	})
}

func TestSetAttributeTypes(t *testing.T) {
	tests := []struct {
		value any
		want  attribute.Value
	}{
		{true, attribute.BoolValue(true)},
		{"s", attribute.StringValue("s")},
		{int(-1), attribute.IntValue(-1)},
		{int8(-8), attribute.Int64Value(-8)},
		{int16(16), attribute.Int64Value(16)},
		{int32(32), attribute.Int64Value(32)},
		{int64(64), attribute.Int64Value(64)},
		{float32(1.5), attribute.Float64Value(1.5)},
		{2.25, attribute.Float64Value(2.25)},
		{[]bool{true, false}, attribute.BoolSliceValue([]bool{true, false})},
		{[]string{"a", "b"}, attribute.StringSliceValue([]string{"a", "b"})},
		{[]int{1, 2}, attribute.IntSliceValue([]int{1, 2})},
		{[]int8{1}, attribute.Int64SliceValue([]int64{1})},
		{[]int16{2}, attribute.Int64SliceValue([]int64{2})},
		{[]int32{3}, attribute.Int64SliceValue([]int64{3})},
		{[]int64{4}, attribute.Int64SliceValue([]int64{4})},
		{[]float32{0.5}, attribute.Float64SliceValue([]float64{0.5})},
		{[]float64{0.25}, attribute.Float64SliceValue([]float64{0.25})},
		{attribute.StringValue("v"), attribute.StringValue("v")},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T", tt.value), func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", func(_ context.Context, span tracing.Span) error {
				span.SetAttribute("k", tt.value)
				return nil
			})
			got, ok := tracingtest.Attribute(rec.Span(t, "op"), "k")
			if !ok || got != tt.want {
				t.Fatalf("k = %v (%v), want %v (%v)", got.String(), got.Type(), tt.want.String(), tt.want.Type())
			}
		})
	}
}

func TestSetAttributeUnsupportedIsReported(t *testing.T) {
	var reported []error
	restore := setErrorHandler(func(err error) { reported = append(reported, err) })
	defer restore()

	rec := tracingtest.NewRecorder()
	err := rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", func(_ context.Context, span tracing.Span) error {
		span.SetAttribute("bad", struct{ X int }{1})
		span.SetAttribute("uint", uint(3))
		span.SetAttribute("good", 1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Span(t, "op")
	wantNoAttr(t, s, "bad")
	wantNoAttr(t, s, "uint")
	wantAttr(t, s, "good", "1")
	if len(reported) != 2 || !strings.Contains(reported[0].Error(), `"bad"`) || !strings.Contains(reported[0].Error(), "struct { X int }") {
		t.Fatalf("reported %v, want two errors naming the key and the type", reported)
	}
}

func TestDisabledPlugin(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name   string
		cfg    tracing.Config
		traced bool
	}{
		{"default", tracing.Config{}, true},
		{"plugin off", tracing.Config{Plugins: map[string]tracing.PluginConfig{"todos": {Enabled: &off}}}, false},
		{"off by default", tracing.Config{DisableByDefault: true}, false},
		{"off by default, plugin on", tracing.Config{DisableByDefault: true, Plugins: map[string]tracing.PluginConfig{"todos": {Enabled: &on}}}, true},
		{"other plugin off", tracing.Config{Plugins: map[string]tracing.PluginConfig{"search": {Enabled: &off}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracingtest.NewRecorder(tracingtest.WithConfig(tt.cfg))
			svc := rec.Service(t, "todos")
			ctx, parent := rec.TracerProvider().Tracer("host").Start(context.Background(), "host")
			ran := false
			var inFn trace.SpanContext
			err := svc.StartActiveSpan(ctx, "op", func(ctx context.Context, span tracing.Span) error {
				ran = true
				inFn = trace.SpanContextFromContext(ctx)
				span.SetAttribute("k", "v")
				span.AddEvent("e")
				return errors.New("still returned")
			})
			_, raw := svc.Tracer().Start(ctx, "via Tracer")
			raw.End()
			parent.End()
			if !ran || err == nil || err.Error() != "still returned" {
				t.Fatalf("ran=%v err=%v: fn must run and its error pass through", ran, err)
			}
			var names []string
			for _, s := range rec.Ended() {
				if s.Name() != "host" {
					names = append(names, s.Name())
				}
			}
			if tt.traced && len(names) != 2 {
				t.Fatalf("traced plugin recorded %v, want op and via Tracer", names)
			}
			if !tt.traced {
				if len(names) != 0 {
					t.Fatalf("disabled plugin recorded %v", names)
				}
				if !inFn.Equal(parent.SpanContext()) {
					t.Fatalf("disabled plugin: ctx carries %v, want the caller's span %v so that context still propagates", inFn, parent.SpanContext())
				}
			}
			if got := rec.Provider().Enabled("todos"); got != tt.traced {
				t.Fatalf("Provider.Enabled = %v, want %v", got, tt.traced)
			}
		})
	}
}

func TestDisabledPathAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{DisableByDefault: true}))
	svc := rec.Service(t, "todos")
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		_ = svc.StartActiveSpan(ctx, "op", nothing)
	})
	if allocs != 0 {
		t.Fatalf("disabled StartActiveSpan allocates %v times per call, want 0", allocs)
	}
}

func TestInvalidInput(t *testing.T) {
	p, err := tracing.NewProvider(tracing.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "Todos", "1todos", "todos-", "to--dos", "to_-dos", "todo s", "todos/x", "-todos", "t-1x"} {
		t.Run(fmt.Sprintf("id %q", id), func(t *testing.T) {
			_, err := p.ForPlugin(id)
			if !errors.Is(err, tracing.ErrInvalidPluginID) {
				t.Fatalf("ForPlugin(%q) = %v, want ErrInvalidPluginID", id, err)
			}
		})
	}
	for _, id := range []string{"todos", "a", "weather-forecast", "my_plugin2", "a1-b2_c3"} {
		if _, err := p.ForPlugin(id); err != nil {
			t.Fatalf("ForPlugin(%q) = %v, want ok", id, err)
		}
	}
	svc, _ := p.ForPlugin("todos")
	if err := svc.StartActiveSpan(context.Background(), "op", nil); !errors.Is(err, tracing.ErrNilFunc) {
		t.Fatalf("nil fn: err = %v, want ErrNilFunc", err)
	}
	if _, err := tracing.Run[int](context.Background(), svc, "op", nil); !errors.Is(err, tracing.ErrNilFunc) {
		t.Fatalf("Run nil fn: err = %v, want ErrNilFunc", err)
	}
	var nilCtx context.Context
	if err := svc.StartActiveSpan(nilCtx, "op", nothing); err != nil {
		t.Fatalf("nil ctx: %v", err)
	}
}

func TestForPluginReturnsSameService(t *testing.T) {
	p, _ := tracing.NewProvider(tracing.Config{})
	a, _ := p.ForPlugin("todos")
	b, _ := p.ForPlugin("todos")
	if a != b || a.PluginID() != "todos" {
		t.Fatalf("ForPlugin twice gave %p and %p", a, b)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  tracing.Config
		want string
	}{
		{"bad id", tracing.Config{Plugins: map[string]tracing.PluginConfig{"Bad": {}}}, `Plugins["Bad"]: invalid plugin id "Bad"`},
		{"blank name", tracing.Config{Plugins: map[string]tracing.PluginConfig{"x": {Tracer: tracing.TracerConfig{Name: "  "}}}}, `Plugins["x"].Tracer.Name: "  " is blank`},
		{"relative schema", tracing.Config{Plugins: map[string]tracing.PluginConfig{"x": {Tracer: tracing.TracerConfig{SchemaURL: "schema/1"}}}}, `Plugins["x"].Tracer.SchemaURL: "schema/1" is not an absolute URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tracing.NewProvider(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := (tracing.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}

func TestConfigIsCopied(t *testing.T) {
	off := false
	cfg := tracing.Config{Plugins: map[string]tracing.PluginConfig{"todos": {Enabled: &off}}}
	p, _ := tracing.NewProvider(cfg)
	off = true
	cfg.Plugins["todos"] = tracing.PluginConfig{}
	if p.Enabled("todos") {
		t.Fatal("changing the caller's Config after NewProvider changed the provider")
	}
}

func TestRun(t *testing.T) {
	rec := tracingtest.NewRecorder()
	svc := rec.Service(t, "todos")
	n, err := tracing.Run(context.Background(), svc, "count", func(_ context.Context, span tracing.Span) (int, error) {
		span.SetAttribute("n", 3)
		return 3, nil
	})
	if n != 3 || err != nil {
		t.Fatalf("Run = %v, %v; want 3, nil", n, err)
	}
	errPartial := errors.New("partial")
	s, err := tracing.Run(context.Background(), svc, "partial", func(context.Context, tracing.Span) (string, error) {
		return "half", errPartial
	})
	if s != "half" || err != errPartial {
		t.Fatalf("Run = %q, %v; want fn's value and error unchanged", s, err)
	}
	wantAttr(t, rec.Span(t, "count"), "n", "3")
	if rec.Span(t, "partial").Status().Code != codes.Error {
		t.Fatal("Run error not recorded")
	}
}

func TestConcurrentUse(t *testing.T) {
	rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{CaptureEndUser: true}))
	svc := rec.Service(t, "todos")
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				_ = svc.StartActiveSpan(context.Background(), "op", func(ctx context.Context, span tracing.Span) error {
					span.SetAttribute("i", i)
					span.AddEvent("tick")
					if i%2 == 0 {
						return errors.New("even")
					}
					return nil
				}, tracing.WithCredentials(auth.UserCredentials(fmt.Sprintf("user:default/u%d", g))))
			}
		})
	}
	wg.Wait()
	ended := rec.Ended()
	if len(ended) != goroutines*each {
		t.Fatalf("%d spans ended, want %d", len(ended), goroutines*each)
	}
	errorsSeen := 0
	for _, s := range ended {
		if s.Status().Code == codes.Error {
			errorsSeen++
		}
		if _, ok := tracingtest.Attribute(s, tracing.EndUserIDKey); !ok {
			t.Fatal("span without enduser.id")
		}
	}
	if errorsSeen != goroutines*each/2 {
		t.Fatalf("%d error spans, want %d", errorsSeen, goroutines*each/2)
	}
}

func TestDefaultTracer(t *testing.T) {
	defer tracing.SetDefaultTracer(nil)
	ctx, span := tracing.DefaultTracer().Start(context.Background(), "op")
	if span.IsRecording() || trace.SpanContextFromContext(ctx).IsValid() {
		t.Fatal("DefaultTracer before set-up must be a no-op")
	}
	rec := tracingtest.NewRecorder()
	tracing.SetDefaultTracer(rec.TracerProvider().Tracer("weather"))
	_, span = tracing.DefaultTracer().Start(context.Background(), "op")
	span.End()
	if rec.Span(t, "op").InstrumentationScope().Name != "weather" {
		t.Fatal("DefaultTracer did not return the installed tracer")
	}
	tracing.SetDefaultTracer(nil)
	if _, span := tracing.DefaultTracer().Start(context.Background(), "op2"); span.IsRecording() {
		t.Fatal("SetDefaultTracer(nil) must restore the no-op tracer")
	}
}
