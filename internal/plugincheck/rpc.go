// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	goplugin "github.com/hashicorp/go-plugin"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"
)

// health asks go-plugin's health service (what go-plugin's Ping does, but
// bounded) and the plugin's CheckHealth.
func (c *checker) health(ctx context.Context) (string, error) {
	ctx, cancel := c.timeout(ctx)
	defer cancel()
	hr, err := healthpb.NewHealthClient(c.conn.grpc).Check(ctx, &healthpb.HealthCheckRequest{Service: goplugin.GRPCServiceName})
	if err != nil {
		return "", c.rpcFailure(fmt.Sprintf("go-plugin's health service (grpc.health.v1.Health, service %q)", goplugin.GRPCServiceName), err)
	}
	if hr.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return "", fmt.Errorf("go-plugin's health service answered %s, not SERVING", hr.GetStatus())
	}
	var st, msg string
	switch c.conn.version {
	case 1:
		r, err := c.conn.v1.CheckHealth(ctx, &pluginv1.CheckHealthRequest{})
		if err != nil {
			return "", c.rpcFailure("CheckHealth", err)
		}
		if r.GetStatus() == pluginv1.CheckHealthResponse_STATUS_OK {
			return "go-plugin health SERVING, CheckHealth STATUS_OK", nil
		}
		st, msg = r.GetStatus().String(), r.GetMessage()
	case 2:
		r, err := c.conn.v2.CheckHealth(ctx, &pluginv2.CheckHealthRequest{})
		if err != nil {
			return "", c.rpcFailure("CheckHealth", err)
		}
		if r.GetStatus() == pluginv2.CheckHealthResponse_STATUS_OK {
			return "go-plugin health SERVING, CheckHealth STATUS_OK", nil
		}
		st, msg = r.GetStatus().String(), r.GetMessage()
	}
	if msg != "" {
		return "", fmt.Errorf("CheckHealth answered %s: %s", st, quote(msg))
	}
	return "", fmt.Errorf("CheckHealth answered %s, not STATUS_OK", st)
}

// describe calls Describe and checks the public routes it declares.
func (c *checker) describe(ctx context.Context) (string, error) {
	if c.conn.version < 2 {
		return "", skipped(fmt.Sprintf("protocol %d has no Describe", c.conn.version))
	}
	ctx, cancel := c.timeout(ctx)
	defer cancel()
	r, err := c.conn.v2.Describe(ctx, &pluginv2.DescribeRequest{})
	if err != nil {
		return "", c.rpcFailure("Describe", err)
	}
	for _, p := range r.GetPublicRoutes() {
		if err := validPattern(p); err != nil {
			return "", fmt.Errorf("public route %s is not a net/http ServeMux pattern: %w", quote(p), err)
		}
	}
	version := "no version"
	if v := r.GetVersion(); v != "" {
		version = "version " + quote(v)
	}
	routes := "no public routes"
	if len(r.GetPublicRoutes()) > 0 {
		q := make([]string, len(r.GetPublicRoutes()))
		for i, p := range r.GetPublicRoutes() {
			q[i] = quote(p)
		}
		routes = "public routes " + strings.Join(q, ", ")
	}
	return version + ", " + routes, nil
}

// validPattern reports whether http.ServeMux accepts pattern; it panics on
// the ones it does not.
func validPattern(pattern string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	http.NewServeMux().Handle(pattern, http.NotFoundHandler())
	return nil
}

// request sends GET Options.Path with the check's principal, inside a span
// of the check's own, so that the call's client span (otelgrpc's) is
// known and its context goes to the plugin in the gRPC metadata.
func (c *checker) request(ctx context.Context) (string, error) {
	ctx, cancel := c.timeout(ctx)
	defer cancel()
	u, err := url.ParseRequestURI(c.opts.Path)
	if err != nil {
		return "", err // Options.Validate has refused it
	}
	ctx, span := c.tp.Tracer("github.com/plugtrace/plugtrace/internal/plugincheck").Start(ctx,
		"plugtrace plugin check GET "+u.Path, trace.WithAttributes(attribute.String("plugtrace.plugin.id", c.opts.PluginID)))
	defer span.End()
	c.call = span.SpanContext()

	var code, n int
	var route string
	switch c.conn.version {
	case 1:
		code, n, route, err = c.callV1(ctx, u)
	case 2:
		code, n, route, err = c.callV2(ctx, u)
	}
	if err != nil {
		return "", err
	}
	if code < 200 || code > 599 {
		return "", fmt.Errorf("status %d is not an HTTP status in 200-599; the host answers such a response with 502", code)
	}
	detail := fmt.Sprintf("GET %s: %d %s, %d bytes", c.opts.Path, code, http.StatusText(code), n)
	if route != "" {
		detail += ", route " + quote(route)
	}
	return detail, nil
}

const (
	requestHost       = "127.0.0.1"
	requestRemoteAddr = "127.0.0.1:0"
	userAgent         = "plugtrace-plugin-check"
)

func (c *checker) callV1(ctx context.Context, u *url.URL) (code, n int, route string, err error) {
	resp, err := c.conn.v1.CallResource(ctx, &pluginv1.CallResourceRequest{
		Method:     http.MethodGet,
		Path:       u.Path,
		RawQuery:   u.RawQuery,
		Headers:    []*pluginv1.Header{{Name: "User-Agent", Values: []string{userAgent}}},
		Principal:  &pluginv1.Principal{Type: pluginv1.PrincipalType_PRINCIPAL_TYPE_SERVICE, Id: Principal},
		RemoteAddr: requestRemoteAddr,
		Host:       requestHost,
	})
	if err != nil {
		return 0, 0, "", c.rpcFailure("CallResource", err)
	}
	return int(resp.GetStatus()), len(resp.GetBody()), resp.GetRoute(), nil
}

func (c *checker) callV2(ctx context.Context, u *url.URL) (code, n int, route string, err error) {
	stream, err := c.conn.v2.CallResource(ctx)
	if err != nil {
		return 0, 0, "", c.rpcFailure("CallResource", err)
	}
	err = stream.Send(&pluginv2.CallResourceRequest{Part: &pluginv2.CallResourceRequest_Head{Head: &pluginv2.RequestHead{
		Method:        http.MethodGet,
		Path:          u.Path,
		RawQuery:      u.RawQuery,
		Headers:       []*pluginv2.Header{{Name: "User-Agent", Values: []string{userAgent}}},
		Principal:     &pluginv2.Principal{Type: pluginv2.PrincipalType_PRINCIPAL_TYPE_SERVICE, Id: Principal},
		RemoteAddr:    requestRemoteAddr,
		Host:          requestHost,
		ContentLength: 0,
		End:           true,
	}}})
	if err == nil {
		err = stream.CloseSend()
	}
	if err != nil && !errors.Is(err, io.EOF) { // io.EOF: the plugin ended the call; Recv says why
		return 0, 0, "", c.rpcFailure("CallResource", err)
	}
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return 0, 0, "", errors.New("CallResource ended without a ResponseHead")
	}
	if err != nil {
		return 0, 0, "", c.rpcFailure("CallResource", err)
	}
	head := first.GetHead()
	if head == nil {
		return 0, 0, "", errors.New("the first message of CallResource's answer is not a ResponseHead")
	}
	n = len(head.GetBody())
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, "", c.rpcFailure(fmt.Sprintf("CallResource, after the head and %d bytes of the body,", n), err)
		}
		if m.GetHead() != nil {
			return 0, 0, "", errors.New("CallResource answered a second ResponseHead")
		}
		if head.GetEnd() {
			return 0, 0, "", errors.New("CallResource answered a body message after a ResponseHead marked end")
		}
		n += len(m.GetBody())
	}
	return int(head.GetStatus()), n, head.GetRoute(), nil
}

// callFlush calls Flush; the trace check calls it, the flush check reports
// it.
func (c *checker) callFlush(ctx context.Context) error {
	ctx, cancel := c.timeout(ctx)
	defer cancel()
	var err error
	switch c.conn.version {
	case 1:
		_, err = c.conn.v1.Flush(ctx, &pluginv1.FlushRequest{})
	case 2:
		_, err = c.conn.v2.Flush(ctx, &pluginv2.FlushRequest{})
	}
	if err != nil {
		return c.rpcFailure("Flush", err)
	}
	return nil
}

func (c *checker) flush(ctx context.Context) (string, error) {
	if !c.flushed {
		c.flushErr = c.callFlush(ctx)
	}
	if c.flushErr != nil {
		return "", c.flushErr
	}
	return "Flush answered OK", nil
}

// exitGrace is how long a broken connection waits to be explained by the
// process's exit.
const exitGrace = time.Second

// rpcFailure explains a failed call of what.
func (c *checker) rpcFailure(what string, err error) error {
	select {
	case <-c.conn.exited:
		return fmt.Errorf("%s failed: the process exited (%s)", what, exitStatus(c.cmd.ProcessState))
	default:
	}
	st := status.Convert(err)
	if st.Code() == codes.Unavailable {
		// The connection broke: most often the process is exiting.
		t := time.NewTimer(exitGrace)
		defer t.Stop()
		select {
		case <-c.conn.exited:
			return fmt.Errorf("%s failed: the process exited (%s)", what, exitStatus(c.cmd.ProcessState))
		case <-t.C:
		}
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: no answer within %v", what, c.opts.Timeout)
	case codes.Unimplemented:
		return fmt.Errorf("%s: the plugin does not implement it (Unimplemented: %s)", what, st.Message())
	}
	return fmt.Errorf("%s failed: %s: %s", what, st.Code(), st.Message())
}
