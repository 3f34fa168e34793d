// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/plugtrace/plugtrace/auth"
)

// Service is the tracing service of one plugin. It is safe for concurrent use.
type Service interface {
	// StartActiveSpan runs fn inside a new span, active in the ctx handed to
	// fn, and ends the span when fn returns or panics. It returns fn's error
	// unchanged, after recording it on the span. It returns an error without
	// running fn when fn is nil or the credentials of a [WithRequest] request
	// are invalid.
	StartActiveSpan(ctx context.Context, name string,
		fn func(ctx context.Context, span Span) error, opts ...SpanOption) error
	// PluginID returns the id of the plugin this service traces.
	PluginID() string
	// Tracer returns the plugin's scoped tracer, for spans whose lifecycle
	// the caller manages. While Config.CaptureEndUser is off, its spans drop
	// enduser.id too. For a plugin whose tracing is off it is a no-op tracer.
	Tracer() trace.Tracer
}

// ErrNilFunc is returned when the function to run in a span is nil.
var ErrNilFunc = errors.New("tracing: nil function")

// Run is [Service.StartActiveSpan] for a function that returns a value. fn's
// value and error are returned unchanged.
func Run[T any](ctx context.Context, s Service, name string,
	fn func(ctx context.Context, span Span) (T, error), opts ...SpanOption) (T, error) {
	var out T
	if fn == nil {
		return out, ErrNilFunc
	}
	err := s.StartActiveSpan(ctx, name, func(ctx context.Context, span Span) error {
		var err error
		out, err = fn(ctx, span)
		return err
	}, opts...)
	return out, err
}

type service struct {
	id             string
	enabled        bool
	captureEndUser bool
	tracer         trace.Tracer // the scoped tracer spans come from
	public         trace.Tracer // what Tracer returns
	httpAuth       auth.HTTPAuth
	idAttrs        []attribute.KeyValue // the plugin id alone, shared by the spans that have no other start attributes
}

var _ Service = (*service)(nil)

func newService(id string, cfg Config, tp trace.TracerProvider, httpAuth auth.HTTPAuth) *service {
	s := &service{
		id:             id,
		enabled:        cfg.enabled(id),
		captureEndUser: cfg.CaptureEndUser,
		httpAuth:       httpAuth,
		idAttrs:        []attribute.KeyValue{PluginIDKey.String(id)},
	}
	if !s.enabled {
		s.tracer = noop.Tracer{}
		s.public = s.tracer
		return s
	}
	tc := cfg.tracerConfig(id)
	var topts []trace.TracerOption
	if tc.Version != "" {
		topts = append(topts, trace.WithInstrumentationVersion(tc.Version))
	}
	if tc.SchemaURL != "" {
		topts = append(topts, trace.WithSchemaURL(tc.SchemaURL))
	}
	s.tracer = tp.Tracer(tc.Name, topts...)
	s.public = s.tracer
	if !s.captureEndUser {
		s.public = endUserFilteringTracer{tracer: s.tracer}
	}
	return s
}

func (s *service) PluginID() string     { return s.id }
func (s *service) Tracer() trace.Tracer { return s.public }

func (s *service) StartActiveSpan(ctx context.Context, name string,
	fn func(ctx context.Context, span Span) error, opts ...SpanOption) error {
	if fn == nil {
		return ErrNilFunc
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := newSpanConfig(opts)
	creds, hasCreds, err := s.credentials(cfg)
	if err != nil {
		return err
	}
	if !s.enabled {
		return fn(ctx, nopSpan{})
	}

	rs := &recordingSpan{}
	ctx, span := s.tracer.Start(ctx, name, kindOptions(cfg.kind)...)
	// Attributes are set right after the start rather than as a start
	// option: the SDK then copies them once instead of twice.
	switch {
	case hasCreds || (!s.captureEndUser && HasEndUser(cfg.attrs)):
		span.SetAttributes(s.startAttributes(cfg, creds, hasCreds)...)
	default:
		// No attribute to compute or drop: the plugin id, then the
		// caller's, which win over it as the SDK keeps the last of a key,
		// without a slice of both.
		span.SetAttributes(s.idAttrs...)
		span.SetAttributes(cfg.attrs...)
	}
	rs.view = ctxSpan{Span: span, dropEndUser: !s.captureEndUser}
	if rs.view.dropEndUser && span.IsRecording() {
		ctx = trace.ContextWithSpan(ctx, &rs.view)
	}
	return run(ctx, rs, span, fn)
}

// run calls fn and ends span exactly once, whether fn returns, panics or
// exits its goroutine.
func run(ctx context.Context, rs *recordingSpan, span trace.Span, fn func(context.Context, Span) error) error {
	returned := false
	defer func() {
		if !returned {
			if v := recover(); v != nil {
				recordError(span, panicError(v), trace.WithStackTrace(true))
				span.End()
				panic(v)
			}
		}
		span.End()
	}()
	err := fn(ctx, rs)
	returned = true
	if err != nil {
		recordError(span, err)
	}
	return err
}

func recordError(span trace.Span, err error, opts ...trace.EventOption) {
	span.RecordError(err, opts...)
	span.SetAttributes(semconv.ErrorType(err))
	span.SetStatus(codes.Error, err.Error())
}

// credentials finds the caller: the given credentials, else those of the
// given request.
func (s *service) credentials(cfg spanConfig) (auth.Credentials, bool, error) {
	if cfg.creds != nil {
		return cfg.creds.creds, true, nil
	}
	if cfg.req == nil {
		return auth.Credentials{}, false, nil
	}
	c, err := s.httpAuth.Credentials(cfg.req)
	if err != nil {
		return auth.Credentials{}, false, fmt.Errorf("tracing: plugin %s: credentials of %s %s: %w",
			s.id, cfg.req.Method, cfg.req.URL.Path, err)
	}
	return c, true, nil
}

// startAttributes returns, in order of increasing precedence: the
// plugin id, the principal, and the caller's attributes, so that a caller
// attribute replaces an attribute of the service with the same key.
func (s *service) startAttributes(cfg spanConfig, creds auth.Credentials, hasCreds bool) []attribute.KeyValue {
	buf := make([]attribute.KeyValue, 0, 3+len(cfg.attrs)) // the id, the principal's two
	buf = append(buf, s.idAttrs...)
	if hasCreds {
		buf = append(buf, principalTypeAttr(creds.PrincipalType()))
		if s.captureEndUser && !creds.IsNone() && creds.PrincipalID() != "" {
			buf = append(buf, EndUserIDKey.String(creds.PrincipalID()))
		}
	}
	for _, kv := range cfg.attrs {
		if kv.Key == EndUserIDKey && !s.captureEndUser {
			continue
		}
		buf = append(buf, kv)
	}
	return buf
}

var (
	userAttr    = PrincipalTypeKey.String(string(auth.PrincipalUser))
	serviceAttr = PrincipalTypeKey.String(string(auth.PrincipalService))
	noneAttr    = PrincipalTypeKey.String(string(auth.PrincipalNone))
)

func principalTypeAttr(t auth.PrincipalType) attribute.KeyValue {
	switch t {
	case auth.PrincipalUser:
		return userAttr
	case auth.PrincipalService:
		return serviceAttr
	}
	return noneAttr
}

// panicValue is a recovered panic value that is not an error.
type panicValue struct{ v any }

func (p panicValue) Error() string     { return fmt.Sprint(p.v) }
func (p panicValue) ErrorType() string { return "panic" }

func panicError(v any) error {
	if err, ok := v.(error); ok {
		return err
	}
	return panicValue{v}
}
