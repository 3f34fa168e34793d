// SPDX-License-Identifier: Apache-2.0

// Package telemetry bootstraps the OpenTelemetry SDK for a plugtrace host
// from its [config.Tracing]: exporters, sampler, propagators (contrib's
// autoprop) and resource. External plugins set up their SDK themselves, from
// the hand-off (package plugin); they link nothing of this package or of the
// host's configuration.
//
// Spans leave through bounded export queues, one per exporter: a slow or
// unreachable collector never blocks a request and never stops start-up.
// When a queue is full, spans are dropped, counted, and reported in the log
// once per interval. [Host.Shutdown] flushes what is queued, within the
// caller's deadline. Spans relayed from plugins ([Host.Relay]) go through the
// same queues.
package telemetry
