// SPDX-License-Identifier: Apache-2.0

// Package pluginproto is the Go side of the host-plugin protocol shared by
// the host and the plugin SDK: the go-plugin handshake both must agree on,
// the plugin set of each protocol version, and conversions between net/http
// and the generated messages. The protocol itself is public: its .proto
// files and generated code are under proto/, and PROTOCOL.md specifies it.
package pluginproto
