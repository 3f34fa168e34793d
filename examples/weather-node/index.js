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

// Time the SDK has to export what it holds when the plugin stops; the host
// has asked for a flush already, and kills the process after two seconds.
const SHUTDOWN_TIMEOUT_MS = 1500;

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
  // The one way out: flush and stop the SDK, stop the server, exit 0.
  const shutdown = (reason) => {
    stopping ??= (async () => {
      log.debug('plugin stopping', { reason });
      try {
        await Promise.race([
          telemetry.shutdown(),
          new Promise((resolve, reject) => setTimeout(() => reject(new Error('timed out')), SHUTDOWN_TIMEOUT_MS).unref()),
        ]);
      } catch (err) {
        log.warn('flushing spans at shutdown failed', { error: err.message });
      }
      await stopServer();
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
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

main();
