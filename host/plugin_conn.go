// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// pluginConn is the host's connection to one running plugin process, in
// the protocol version go-plugin negotiated with it: exactly one of v1 and
// v2 is set.
type pluginConn struct {
	version int
	v1      pluginv1.PluginClient
	v2      pluginv2.PluginClient
	exited  <-chan struct{} // closed once the process has exited
	decl    *declaration    // what it declared when it started
}

// dispense returns the connection to the plugin that client has started.
func dispense(client *goplugin.Client, rpc goplugin.ClientProtocol) (*pluginConn, error) {
	raw, err := rpc.Dispense(pluginproto.PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense: %w", err)
	}
	switch c := raw.(type) {
	case *pluginproto.Client:
		return &pluginConn{version: client.NegotiatedVersion(), v1: c, exited: c.Exited}, nil
	case *pluginproto.ClientV2:
		return &pluginConn{version: client.NegotiatedVersion(), v2: c, exited: c.Exited}, nil
	}
	return nil, fmt.Errorf("dispense: protocol version %d: unexpected client %T", client.NegotiatedVersion(), raw)
}

// checkHealth reports nil when the plugin says it is ready to serve.
func (c *pluginConn) checkHealth(ctx context.Context) error {
	var ok bool
	var state, msg string
	if c.v2 != nil {
		h, err := c.v2.CheckHealth(ctx, &pluginv2.CheckHealthRequest{})
		if err != nil {
			return &failure{reason: "health check failed", err: err}
		}
		ok, state, msg = h.GetStatus() == pluginv2.CheckHealthResponse_STATUS_OK, h.GetStatus().String(), h.GetMessage()
	} else {
		h, err := c.v1.CheckHealth(ctx, &pluginv1.CheckHealthRequest{})
		if err != nil {
			return &failure{reason: "health check failed", err: err}
		}
		ok, state, msg = h.GetStatus() == pluginv1.CheckHealthResponse_STATUS_OK, h.GetStatus().String(), h.GetMessage()
	}
	if !ok {
		return &failure{reason: "health check answered " + state, err: errors.New(msg)}
	}
	return nil
}

// flush asks the plugin to export its spans.
func (c *pluginConn) flush(ctx context.Context) error {
	if c.v2 != nil {
		_, err := c.v2.Flush(ctx, &pluginv2.FlushRequest{})
		return err
	}
	_, err := c.v1.Flush(ctx, &pluginv1.FlushRequest{})
	return err
}

// Bounds of what a plugin declares about itself: it is less trusted than
// the host, and what it says goes into /api/plugins and into the host's
// memory.
const (
	maxVersionLen   = 64
	maxPublicRoutes = 256
	maxPatternLen   = 256
)

// declaration is what a plugin declares about itself (Describe, version 2):
// its version and the routes it opens to anonymous callers, relative to its
// mount. A version 1 plugin declares nothing.
type declaration struct {
	version string
	open    openRoutes
}

// invalidRoute is a public route the host ignored, for the log.
type invalidRoute struct {
	pattern string // cut to maxPatternLen
	err     string
}

// describe asks a version 2 plugin what it declares, and keeps it in
// c.decl. Invalid patterns are left out and returned for the log: a plugin
// cannot open routes outside its mount, since its patterns only ever match
// paths relative to it.
func (c *pluginConn) describe(ctx context.Context) ([]invalidRoute, error) {
	c.decl = &declaration{}
	if c.v2 == nil {
		return nil, nil
	}
	d, err := c.v2.Describe(ctx, &pluginv2.DescribeRequest{})
	if err != nil {
		return nil, &failure{reason: "describe failed", err: err}
	}
	decl := c.decl
	decl.version = clip(d.GetVersion(), maxVersionLen)
	var invalid []invalidRoute
	for i, p := range d.GetPublicRoutes() {
		switch {
		case i >= maxPublicRoutes:
			invalid = append(invalid, invalidRoute{clip(p, maxPatternLen), fmt.Sprintf("more than %d public routes", maxPublicRoutes)})
		case len(p) > maxPatternLen:
			invalid = append(invalid, invalidRoute{clip(p, maxPatternLen), fmt.Sprintf("longer than %d bytes", maxPatternLen)})
		default:
			if err := decl.open.add(p); err != nil {
				invalid = append(invalid, invalidRoute{p, err.Error()})
			}
		}
	}
	return invalid, nil
}

// match reports whether r, relative to the plugin's mount prefix, is to a
// route the plugin opened.
func (d *declaration) match(r *http.Request, prefix string) bool {
	return d != nil && d.open.mux != nil && d.open.match(relative(r, prefix))
}

// clip cuts s to at most n bytes of valid UTF-8.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError))
}
