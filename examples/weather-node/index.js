// SPDX-License-Identifier: Apache-2.0

// weather-node: a plugtrace external plugin written in Node.js against the
// public protocol alone (proto/plugtrace/plugin/v1 and go-plugin's
// handshake), traced by the stock OpenTelemetry JS SDK. A plugtrace host
// starts it: plugins: [{id: weather-node, command: [node, .../index.js]}].
'use strict';

const handshake = require('./src/handshake');
const { log } = require('./src/log');
const telemetry = require('./src/telemetry');
const { createHandler, upstreamFromEnv } = require('./src/weather');

// go-plugin gives a plugin two seconds to exit once it has answered
// Shutdown, then kills it: the calls in flight get half a second to finish,
// the SDK a second more to export what it holds (the host has asked for a
// flush already).
const DRAIN_TIMEOUT_MS = 500;
const SHUTDOWN_TIMEOUT_MS = 1000;

async function main() {
  let version, listen, upstream;
  try {
    version = handshake.negotiate();
    upstream = upstreamFromEnv();
    listen = handshake.listenAddress();
  } catch (err) {
    process.stderr.write(`weather-node: ${err.message}\n`);
    process.exit(1);
  }
  process.on('exit', () => listen.cleanup());

  // Before the server module: the instrumentations patch grpc-js as it loads.
  telemetry.start();
  const { serve } = require('./src/server');
  const { trace } = require('@opentelemetry/api');

  const pluginID = process.env.PLUGTRACE_PLUGIN_ID || 'weather-node';
  // The tracer scope plugtrace gives a plugin, unless the host's config
  // overrides it (backend.tracing.plugin.<id>.tracer).
  const tracer = trace.getTracer(
    process.env.PLUGTRACE_TRACER_NAME || `plugtrace-plugin-${pluginID}`,
    process.env.PLUGTRACE_TRACER_VERSION || undefined,
    { schemaUrl: process.env.PLUGTRACE_TRACER_SCHEMA_URL || undefined });
  const handle = createHandler({
    upstream,
    tracer,
    captureEndUser: process.env.PLUGTRACE_CAPTURE_END_USER === 'true',
  });

  let stopServer = async () => {};
  let stopping;
  // The one way out: stop serving, flush and stop the SDK, exit 0.
  const shutdown = (reason) => {
    stopping ??= (async () => {
      log.debug('plugin stopping', { reason });
      await stopServer(DRAIN_TIMEOUT_MS);
      try {
        await withTimeout(telemetry.shutdown(), SHUTDOWN_TIMEOUT_MS);
      } catch (err) {
        log.warn('flushing spans at shutdown failed', { error: err.message });
      }
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // A crash is logged at error level, which the host's log shows, rather
  // than as plain stderr lines, which go-plugin logs at debug level.
  process.on('uncaughtException', (err) => {
    log.error('plugin crashed', { error: String(err?.stack ?? err) });
    process.exit(1);
  });
  // Ctrl-C in a terminal signals the host and its plugins alike. Like
  // go-plugin's own servers, the plugin leaves it to the host, which
  // finishes its requests, asks for a flush, then stops the plugin.
  process.on('SIGINT', () => log.debug('interrupt ignored: the host stops the plugin'));

  try {
    stopServer = await serve({ version, listen, handle, telemetry, onShutdown: () => shutdown('host') });
  } catch (err) {
    log.error('cannot serve', { error: err.message });
    process.exit(1);
  }
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

main();
