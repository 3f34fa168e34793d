// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"testing"

	"github.com/plugtrace/plugtrace/config"
)

func TestEndpointURL(t *testing.T) {
	tests := []struct {
		otlp config.OTLP
		want string
	}{
		{config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc"}, "https://localhost:4317"},
		{config.OTLP{Endpoint: "localhost:4317", Protocol: "grpc", Insecure: true}, "http://localhost:4317"},
		{config.OTLP{Endpoint: "localhost:4318", Protocol: "http/protobuf"}, "https://localhost:4318/v1/traces"},
		{config.OTLP{Endpoint: "[::1]:4318", Protocol: "http/protobuf", Insecure: true}, "http://[::1]:4318/v1/traces"},
		{config.OTLP{Endpoint: "https://c:4318", Protocol: "http/protobuf"}, "https://c:4318/v1/traces"},
		{config.OTLP{Endpoint: "https://c:4318/", Protocol: "http/protobuf"}, "https://c:4318/v1/traces"},
		{config.OTLP{Endpoint: "http://c:4318/custom/path", Protocol: "http/protobuf", Insecure: true}, "http://c:4318/custom/path"},
		{config.OTLP{Endpoint: "http://c:4317", Protocol: "grpc", Insecure: true}, "http://c:4317"},
	}
	for _, tt := range tests {
		if got := tt.otlp.EndpointURL(); got != tt.want {
			t.Errorf("%+v.EndpointURL() = %q, want %q", tt.otlp, got, tt.want)
		}
	}
}
