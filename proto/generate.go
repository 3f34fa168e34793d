// SPDX-License-Identifier: Apache-2.0

// Package proto holds the host-plugin protocol's .proto files and the Go
// code generated from them, one package per version (see PROTOCOL.md at
// the repository root).
//
// Regenerate after editing a .proto file (needs protoc, Debian package
// protobuf-compiler; the Go generators are tools pinned in go.mod):
//
//	go generate ./proto
package proto

//go:generate sh -c "protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) plugtrace/plugin/v1/plugin.proto plugtrace/plugin/v2/plugin.proto"
