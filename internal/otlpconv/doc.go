// SPDX-License-Identifier: Apache-2.0

// Package otlpconv turns OTLP trace data, as an external plugin exports it
// to the host's relay, into the SDK's read-only spans, which the host's
// exporters and span store take.
//
// Everything a ReadOnlySpan can hold survives: name, ids, parent (and
// whether it is remote, from flag bits 8 and 9), the W3C trace flags as
// sent, trace state, kind, times, attributes, events, links (with their
// flags, trace state and attributes), status, dropped counts, resource with
// schema URL, and scope with version, schema URL and attributes. OTLP does
// not carry a span's child count, its parent's trace state, or the dropped
// counts of resources and scopes; those are zero.
//
// The input is untrusted, so conversion never fails as a whole:
//
//   - A span whose trace id is not 16 bytes, whose span id is not 8 bytes,
//     either of them all zero, or whose parent span id is neither empty, all
//     zero (a root) nor 8 bytes, is rejected. Spans returns how many were,
//     for OTLP's partial_success. A link with such ids is dropped and counted
//     in the span's dropped links.
//   - A trace state that does not parse is left empty.
//   - Only the low 8 bits of the flags field are trace flags. A span whose
//     flags field is zero is taken as sampled: producers older than OTLP 1.1
//     do not set the field, and an SDK exports only sampled spans, so zero
//     means "not said" far more often than "not sampled".
//   - Unknown kinds are unspecified, unknown status codes unset. A status
//     message is kept only with the error code, as the SDK keeps it.
//   - Values the Go attribute model cannot hold become strings, in the form
//     OpenTelemetry specifies for non-OTLP formats: bytes in base64, maps and
//     arrays of mixed types as JSON. Attributes with no value or no key are
//     dropped and counted.
//   - At most 128 attributes are kept per resource, scope, span, event and
//     link (the bound of the host's span store); the rest are counted as
//     dropped where OTLP has a count for them.
package otlpconv
