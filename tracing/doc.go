// SPDX-License-Identifier: Apache-2.0

// Package tracing is the plugin-scoped tracing service of plugtrace.
//
// A host creates one [Provider] from a [Config] and asks it for a [Service]
// per plugin. Plugin code then wraps its units of work in spans:
//
//	err := svc.StartActiveSpan(ctx, "list todos", func(ctx context.Context, span tracing.Span) error {
//		span.SetAttribute("todo.count", len(todos))
//		return nil
//	}, tracing.WithRequest(r))
//
// The service owns each span's lifecycle, so plugin code cannot forget to end
// a span or to record a failure:
//
//   - every span comes from the plugin's own tracer, named
//     "plugtrace-plugin-<id>" unless [TracerConfig] overrides it, and carries
//     the attribute plugtrace.plugin.id;
//   - the span is active in the context handed to fn and ends exactly once
//     when fn returns or panics;
//   - a returned error is recorded as an exception event, sets error.type
//     and an ERROR status, and is returned unchanged; a panic is recorded the
//     same way, with a stack trace, and then re-raised;
//   - with credentials ([WithCredentials], or [WithRequest] and an
//     [auth.HTTPAuth]) the span carries plugtrace.principal.type, and
//     enduser.id only when [Config.CaptureEndUser] is on. With it off,
//     enduser.id never leaves the service, whoever sets it;
//   - when tracing is off for a plugin, fn still runs, with a [Span] that
//     records nothing and costs nothing.
//
// [Run] is the generic form for functions that return a value.
//
// External plugins get their tracer from [DefaultTracer], which the plugin
// SDK installs at start-up.
package tracing
