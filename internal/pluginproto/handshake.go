// SPDX-License-Identifier: Apache-2.0

package pluginproto

import (
	"context"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// The versions of the protocol. This module speaks both: go-plugin
// negotiates one per plugin process. The host offers every version it
// lists in ClientConfig.VersionedPlugins (go-plugin passes them to the
// plugin as PLUGIN_PROTOCOL_VERSIONS), the plugin answers in its handshake
// line with the highest version it serves too, and a plugin that serves
// none of the host's versions fails to start with go-plugin's
// "incompatible API version" error.
const (
	// ProtocolVersion1 is the unary protocol: CallResource carries whole
	// bodies (proto/plugtrace/plugin/v1).
	ProtocolVersion1 = 1
	// ProtocolVersion2 streams both bodies and adds Describe
	// (proto/plugtrace/plugin/v2).
	ProtocolVersion2 = 2
	// ProtocolVersion is the newest version, the one a host and a plugin
	// built with this module settle on.
	ProtocolVersion = ProtocolVersion2
)

// Handshake is the go-plugin handshake. The magic cookie is not security: it
// only makes a plugin binary started by hand say that it is a plugin.
//
// Its ProtocolVersion is version 1: go-plugin uses it only for a side that
// sets Plugins instead of VersionedPlugins, which then speaks version 1
// alone. The host and the SDK set VersionedPlugins (see VersionedPlugins).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion1,
	MagicCookieKey:   "PLUGTRACE_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "6f0c3cb8-plugtrace-backend-plugin",
}

// PluginName is the name of the one plugin in go-plugin's plugin set.
const PluginName = "plugtrace"

// BodyPartSize is the largest body part the host and the SDK send in
// version 2, either way: big enough for few messages, small enough that a
// stream holds little in memory. (Other plugins may send other sizes, up to
// MaxMessageSize.)
const BodyPartSize = 32 << 10

// MaxMessageSize bounds one gRPC message either way: in version 1 a request
// or response body and its headers, in version 2 a head or a body part.
const MaxMessageSize = 64 << 20

// The gRPC flow-control windows of the connection between a host and a
// plugin, both ways, per stream and per connection. Fixed windows turn
// gRPC's estimate of the bandwidth-delay product off: on a connection that
// carries requests and answers, it sends a PING (and gets one back) for
// nearly every message, which costs both processes a write, a read and a
// wake-up each time. The windows are those the estimate reaches on a fast
// local connection, far more than a local socket needs to stream at full
// speed, and bound what either side buffers as it did.
const (
	StreamWindow = 1 << 20
	ConnWindow   = 16 << 20
)

// GRPCPlugin connects go-plugin to the version 1 Plugin service: on the
// plugin side it registers Impl, on the host side it returns a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pluginv1.PluginServer // plugin side only
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the plugin's service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterPluginServer(s, p.Impl)
	return nil
}

// Client is the host's side of one plugin process that speaks version 1:
// the client of its Plugin service.
type Client struct {
	pluginv1.PluginClient
	// Exited is closed once the plugin process has exited (or go-plugin
	// has given it up): go-plugin's own context for the process.
	Exited <-chan struct{}
}

// GRPCClient returns the host's *Client of the plugin's service.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &Client{PluginClient: pluginv1.NewPluginClient(conn), Exited: ctx.Done()}, nil
}

// GRPCPluginV2 connects go-plugin to the version 2 Plugin service: on the
// plugin side it registers Impl, on the host side it returns a *ClientV2.
type GRPCPluginV2 struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pluginv2.PluginServer // plugin side only
}

var _ plugin.GRPCPlugin = (*GRPCPluginV2)(nil)

// GRPCServer registers the plugin's service.
func (p *GRPCPluginV2) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv2.RegisterPluginServer(s, p.Impl)
	return nil
}

// ClientV2 is the host's side of one plugin process that speaks version 2.
type ClientV2 struct {
	pluginv2.PluginClient
	// Exited is closed once the plugin process has exited, as in Client.
	Exited <-chan struct{}
}

// GRPCClient returns the host's *ClientV2 of the plugin's service.
func (p *GRPCPluginV2) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &ClientV2{PluginClient: pluginv2.NewPluginClient(conn), Exited: ctx.Done()}, nil
}

// PluginSet is the version 1 plugin set.
func PluginSet(server pluginv1.PluginServer) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: server}}
}

// PluginSetV2 is the version 2 plugin set.
func PluginSetV2(server pluginv2.PluginServer) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPluginV2{Impl: server}}
}

// VersionedPlugins are the plugin sets of every version this module speaks,
// for go-plugin's ClientConfig.VersionedPlugins (the host, with nil
// servers) and ServeConfig.VersionedPlugins (the SDK).
func VersionedPlugins(v1 pluginv1.PluginServer, v2 pluginv2.PluginServer) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion1: PluginSet(v1),
		ProtocolVersion2: PluginSetV2(v2),
	}
}

// Traced reports whether an RPC gets spans: only CallResource, of either
// version, the calls that carry a user's request. go-plugin's own services
// (broker, stdio, controller, health) and the describe, health and flush
// calls make none.
func Traced(info *stats.RPCTagInfo) bool {
	switch info.FullMethodName {
	case pluginv1.Plugin_CallResource_FullMethodName, pluginv2.Plugin_CallResource_FullMethodName:
		return true
	}
	return false
}
