// SPDX-License-Identifier: Apache-2.0

package tracing

import (
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// Attribute keys that the service sets on every span it starts.
const (
	// PluginIDKey attributes a span to the plugin that emitted it.
	PluginIDKey = attribute.Key("plugtrace.plugin.id")
	// PrincipalTypeKey is the kind of caller: "user", "service" or "none".
	PrincipalTypeKey = attribute.Key("plugtrace.principal.type")
	// EndUserIDKey is the caller's identity (semantic convention enduser.id):
	// the user entity ref of a user, the subject of a service. It is only
	// recorded when [Config.CaptureEndUser] is on.
	EndUserIDKey = semconv.EnduserIDKey
)
