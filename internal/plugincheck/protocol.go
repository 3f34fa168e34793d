// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"errors"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	"github.com/plugtrace/plugtrace/internal/pluginproto"
	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"
)

// versions are the protocol versions the check offers in the handshake.
var versions = []int{1, 2}

// pluginConn is the check's side of a plugin process once go-plugin has
// negotiated the protocol version: a client of that version's service.
type pluginConn struct {
	version int
	v1      pluginv1.PluginClient // version 1
	v2      pluginv2.PluginClient // version 2
	grpc    *grpc.ClientConn
	// exited is closed once the process has exited and was waited for:
	// go-plugin's own context for the process.
	exited <-chan struct{}
}

// grpcPlugin dispenses a *pluginConn of one protocol version. It is the
// host side only: the check serves nothing.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	version int
}

var _ goplugin.GRPCPlugin = (*grpcPlugin)(nil)

func (p *grpcPlugin) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error {
	return errors.New("plugincheck: the check is a host; it serves no plugin")
}

func (p *grpcPlugin) GRPCClient(ctx context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	c := &pluginConn{version: p.version, grpc: conn, exited: ctx.Done()}
	switch p.version {
	case 1:
		c.v1 = pluginv1.NewPluginClient(conn)
	case 2:
		c.v2 = pluginv2.NewPluginClient(conn)
	}
	return c, nil
}

// versionedPlugins is the plugin set of every version in versions.
func versionedPlugins() map[int]goplugin.PluginSet {
	m := make(map[int]goplugin.PluginSet, len(versions))
	for _, v := range versions {
		m[v] = goplugin.PluginSet{pluginproto.PluginName: &grpcPlugin{version: v}}
	}
	return m
}

// traced reports whether an RPC gets spans: CallResource of either
// version, as in the host; go-plugin's services and the health and flush
// calls make none.
func traced(info *stats.RPCTagInfo) bool {
	switch info.FullMethodName {
	case pluginv1.Plugin_CallResource_FullMethodName, pluginv2.Plugin_CallResource_FullMethodName:
		return true
	}
	return false
}
