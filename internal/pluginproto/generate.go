// SPDX-License-Identifier: Apache-2.0

// Package pluginproto is the wire protocol between a plugtrace host and its
// external plugins: the gRPC service in plugin.proto and its generated Go
// code, plus the go-plugin handshake both sides must agree on.
//
// Regenerate after editing plugin.proto (needs protoc, Debian package
// protobuf-compiler; the Go plugins are tools pinned in go.mod):
//
//	go generate ./internal/pluginproto
package pluginproto

//go:generate sh -c "protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) plugin.proto"
