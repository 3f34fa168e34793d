// SPDX-License-Identifier: Apache-2.0

// Package handoff is the hand-off between a plugtrace host and the external
// plugins it starts: the environment variables through which the host tells
// a plugin process how to trace.
//
// The OTEL_* variables are the standard ones, so a plugin built with any
// OpenTelemetry SDK, in any language, is configured by them and its SDK reads
// them itself. The PLUGTRACE_* variables carry what the standard does not
// name (the plugin's id, its tracer scope, the enduser.id rule); [FromEnv]
// reads those, and only those, on the plugin side.
//
// The host encodes ([Settings.Environ]); the plugin decodes ([FromEnv]). Both
// sides share this package and nothing else of each other.
package handoff
