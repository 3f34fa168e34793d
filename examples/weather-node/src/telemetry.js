// SPDX-License-Identifier: Apache-2.0

// The stock OpenTelemetry JS SDK, configured by the host's hand-off alone:
// NodeSDK reads the OTEL_* variables the host sets (the relay's endpoint,
// protocol grpc and bearer token, the sampler, the propagators, the service
// name and resource), so nothing here parses them. Start it before anything
// requires @grpc/grpc-js: the instrumentations patch modules as they load.
'use strict';

const { diag, DiagLogLevel, trace } = require('@opentelemetry/api');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc');
const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');

const { log } = require('./log');

// The one RPC that carries a caller's request gets spans, as in the host;
// go-plugin's services (controller, health) and the housekeeping RPCs
// (CheckHealth, Flush) make none, and neither do the exporter's own calls.
const TRACED_METHODS = new Set(['CallResource']);

let sdk;

function start() {
  // The SDK's own problems (an export the relay refused, say) go to the
  // host's log, never to stdout, which carries the handshake line.
  diag.setLogger({
    error: (msg, ...args) => log.error(`opentelemetry: ${msg}`, details(args)),
    warn: (msg, ...args) => log.warn(`opentelemetry: ${msg}`, details(args)),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  }, DiagLogLevel.WARN);
  sdk = new NodeSDK({
    // The hand-off names an OTLP endpoint for traces only. Without these
    // two, NodeSDK would also export metrics and logs to its default
    // endpoint, localhost:4318, where nothing listens.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Server spans for the host's calls, continuing the trace context
      // that the host's gRPC client puts in the call's metadata.
      new GrpcInstrumentation({ ignoreGrpcMethods: [(method) => !TRACED_METHODS.has(method)] }),
      // Client spans for fetch(), with traceparent on the request.
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
}

function details(args) {
  return args.length === 0 ? {} : { detail: args.map(String).join(' ') };
}

// Exports the spans the SDK holds. NodeSDK has no forceFlush of its own:
// this is its tracer provider's (none when the SDK is disabled or exports
// nowhere).
async function forceFlush() {
  let provider = trace.getTracerProvider();
  if (typeof provider.getDelegate === 'function') {
    provider = provider.getDelegate();
  }
  if (typeof provider.forceFlush === 'function') {
    await provider.forceFlush();
  }
}

// Flushes and stops the SDK.
async function shutdown() {
  if (sdk) {
    await sdk.shutdown();
  }
}

module.exports = { start, forceFlush, shutdown };
