// SPDX-License-Identifier: Apache-2.0

package pluginproto

import (
	"context"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// ProtocolVersion is the version of this protocol. A host and a plugin
// built with different versions refuse each other at start-up, with
// go-plugin's "Incompatible API version" error.
const ProtocolVersion = 1

// Handshake is the go-plugin handshake. The magic cookie is not security: it
// only makes a plugin binary started by hand say that it is a plugin.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "PLUGTRACE_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "6f0c3cb8-plugtrace-backend-plugin",
}

// PluginName is the name of the one plugin in go-plugin's plugin set.
const PluginName = "plugtrace"

// MaxMessageSize bounds one gRPC message either way: a request or response
// body and its headers.
const MaxMessageSize = 64 << 20

// GRPCPlugin connects go-plugin to the Plugin service: on the plugin side
// it registers Server, on the host side it returns a *Client.
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

// Client is the host's side of one plugin process: the client of its
// Plugin service.
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

// PluginSet is the plugin set both sides serve and dispense.
func PluginSet(server pluginv1.PluginServer) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: server}}
}

// Traced reports whether an RPC gets spans: only CallResource, the calls
// that carry a user's request. go-plugin's own services (broker, stdio,
// controller, health) and the health and flush calls make none.
func Traced(info *stats.RPCTagInfo) bool {
	return info.FullMethodName == pluginv1.Plugin_CallResource_FullMethodName
}
