// Package telemetry bootstraps the OpenTelemetry SDK for a plugtrace host:
// exporters, sampler, propagators and resource, from a [config.Tracing].
//
// Spans leave through bounded export queues, one per exporter: a slow or
// unreachable collector never blocks a request and never stops start-up.
// When a queue is full, spans are dropped, counted, and reported in the log
// once per interval. [Host.Shutdown] flushes what is queued, within the
// caller's deadline.
package telemetry
