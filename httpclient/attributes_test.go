// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// server.port is required for client spans: without a port in the URL it is
// the scheme's default.
func TestServerAddressAndPort(t *testing.T) {
	for _, tc := range []struct {
		url  string
		host string
		port int
	}{
		{"http://weather.example/forecast", "weather.example", 80},
		{"https://weather.example/forecast", "weather.example", 443},
		{"https://weather.example:8443/forecast", "weather.example", 8443},
		{"http://[::1]:8080/", "::1", 8080},
		{"http://[::1]/", "::1", 80},
	} {
		t.Run(tc.url, func(t *testing.T) {
			tel := newTelemetry(t)
			rt := tel.traced(answer(func(*http.Request) *http.Response {
				return &http.Response{StatusCode: http.StatusOK, Proto: "HTTP/1.1", Body: http.NoBody}
			}))
			roundTrip(t, rt, http.MethodGet, tc.url)
			span := tel.onlyClientSpan(t)
			if v, _ := attr(span, semconv.ServerAddressKey); v.AsString() != tc.host {
				t.Errorf("server.address = %q, want %q", v.AsString(), tc.host)
			}
			if v, _ := attr(span, semconv.ServerPortKey); v.AsInt64() != int64(tc.port) {
				t.Errorf("server.port = %d, want %d", v.AsInt64(), tc.port)
			}
			if v, _ := attr(span, semconv.URLFullKey); v.AsString() != tc.url {
				t.Errorf("url.full = %q, want %q", v.AsString(), tc.url)
			}
		})
	}
}

// The protocol is the response's, which the transport may have negotiated.
func TestNetworkProtocol(t *testing.T) {
	for _, tc := range []struct {
		proto         string
		version, name string // name empty: none
	}{
		{"HTTP/1.1", "1.1", ""},
		{"HTTP/1.0", "1.0", ""},
		{"HTTP/2.0", "2", ""},
		{"HTTP/3", "3", ""},
		{"SPDY/3.1", "3.1", "spdy"},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			tel := newTelemetry(t)
			rt := tel.traced(answer(func(*http.Request) *http.Response {
				return &http.Response{StatusCode: http.StatusOK, Proto: tc.proto, Body: http.NoBody}
			}))
			roundTrip(t, rt, http.MethodGet, "https://weather.example/")
			span := tel.onlyClientSpan(t)
			if v, _ := attr(span, semconv.NetworkProtocolVersionKey); v.AsString() != tc.version {
				t.Errorf("network.protocol.version = %q, want %q", v.AsString(), tc.version)
			}
			v, ok := attr(span, semconv.NetworkProtocolNameKey)
			if tc.name == "" && ok || v.AsString() != tc.name {
				t.Errorf("network.protocol.name = %q (present: %v), want %q", v.AsString(), ok, tc.name)
			}
		})
	}
}

// A status code outside 100-599 is an error too.
func TestInvalidStatusCode(t *testing.T) {
	tel := newTelemetry(t)
	rt := tel.traced(answer(func(*http.Request) *http.Response {
		return &http.Response{StatusCode: 999, Proto: "HTTP/1.1", Body: http.NoBody}
	}))
	roundTrip(t, rt, http.MethodGet, "http://weather.example/")
	span := tel.onlyClientSpan(t)
	if span.Status().Code != codes.Error || span.Status().Description != "Invalid HTTP status code 999" {
		t.Errorf("status = %+v, want Error for the invalid code", span.Status())
	}
	for key, want := range map[attribute.Key]attribute.Value{
		semconv.ErrorTypeKey:              attribute.StringValue("999"),
		semconv.HTTPResponseStatusCodeKey: attribute.IntValue(999),
	} {
		if v, _ := attr(span, key); v != want {
			t.Errorf("%s = %s, want %s", key, v.String(), want.String())
		}
	}
}
