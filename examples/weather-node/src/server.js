// SPDX-License-Identifier: Apache-2.0

// The plugin's gRPC server: the plugtrace Plugin service (version 1, unary
// CallResource, CheckHealth, Flush) and the go-plugin services a host
// calls (GRPCController, and grpc.health.v1.Health for go-plugin's Ping).
// Require this module only after telemetry.start(): it loads @grpc/grpc-js.
'use strict';

const path = require('node:path');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const { handshakeLine } = require('./handshake');
const { log } = require('./log');

// The plugtrace protocol, from the repository this example lives in.
const PLUGTRACE_PROTO = path.resolve(__dirname, '../../../proto/plugtrace/plugin/v1/plugin.proto');
const GO_PLUGIN_PROTOS = [
  path.resolve(__dirname, '../proto/plugin/grpc_controller.proto'),
  path.resolve(__dirname, '../proto/grpc/health/v1/health.proto'),
];

// The host sends and accepts messages up to 64 MiB (request bodies are
// bounded by its backend.http.maxRequestBody, 16 MiB by default); grpc-js
// receives 4 MiB by default.
const MAX_MESSAGE_SIZE = 64 << 20;

function load(file) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, {
    keepCase: false, longs: String, enums: String, defaults: true, oneofs: true,
  }));
}

// Adapts the plugin's handler to CallResource: the whole request in, the
// whole response out (version 1 of the protocol streams nothing).
function pluginService(handle, telemetry) {
  return {
    async CallResource(call, callback) {
      const req = call.request;
      let res;
      try {
        res = await handle({
          method: req.method,
          path: req.path,
          query: new URLSearchParams(req.rawQuery),
          principal: req.principal,
        });
      } catch (err) {
        log.error('handler failed', { error: String(err?.stack ?? err) });
        res = { status: 500, body: { error: 'internal error' } };
      }
      const headers = [{ name: 'Content-Type', values: ['application/json'] }];
      for (const [name, value] of Object.entries(res.headers ?? {})) {
        headers.push({ name, values: [value] });
      }
      callback(null, {
        status: res.status,
        headers,
        body: req.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(JSON.stringify(res.body) + '\n'),
        route: res.route ?? '',
      });
    },
    CheckHealth(call, callback) {
      callback(null, { status: 'STATUS_OK', message: '' });
    },
    async Flush(call, callback) {
      try {
        await telemetry.forceFlush();
        callback(null, {});
      } catch (err) {
        callback({ code: grpc.status.UNAVAILABLE, details: `flush: ${err.message}` });
      }
    },
  };
}

// Serves the plugin, prints the handshake line once it listens, and calls
// onShutdown when the host asks it to stop. Returns stop(drainMs).
async function serve({ version, listen, handle, telemetry, onShutdown }) {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_SIZE,
    'grpc.max_send_message_length': MAX_MESSAGE_SIZE,
  });
  const plugtrace = load(PLUGTRACE_PROTO).plugtrace.plugin.v1;
  server.addService(plugtrace.Plugin.service, pluginService(handle, telemetry));
  const [controller, health] = GO_PLUGIN_PROTOS.map(load);
  server.addService(controller.plugin.GRPCController.service, {
    // Answer first, then stop: go-plugin waits for this answer, then gives
    // the process two seconds to exit before it kills it.
    Shutdown(call, callback) {
      callback(null, {});
      setImmediate(onShutdown);
    },
  });
  server.addService(health.grpc.health.v1.Health.service, {
    Check(call, callback) {
      callback(null, { status: 'SERVING' });
    },
  });

  const address = await bind(server, listen);
  process.stdout.write(handshakeLine(version, listen.network, address));
  log.debug('plugin serving', { network: listen.network, address });

  // Stops serving: the calls in flight have drainMs to finish, then
  // whatever is left (a connection the host keeps open) is cut.
  return function stop(drainMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, drainMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };
}

function bindAsync(server, target) {
  return new Promise((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

// Binds the socket, or on TCP the first free port of the host's range.
async function bind(server, listen) {
  if (listen.network === 'unix') {
    await bindAsync(server, listen.target);
    return listen.address;
  }
  const { min, max } = listen.ports;
  let lastErr;
  for (let p = min; p <= max; p++) {
    try {
      const port = await bindAsync(server, `127.0.0.1:${p}`);
      return `127.0.0.1:${port}`;
    } catch (err) {
      lastErr = err;
    }
  }
  throw new Error(`no free loopback port between ${min} and ${max}: ${lastErr?.message}`);
}

module.exports = { serve };
