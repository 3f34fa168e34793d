// SPDX-License-Identifier: Apache-2.0

// go-plugin's handshake, the plugin's side: the magic cookie, the choice of
// a protocol version among those the host offers, the address to listen
// on, and the one line on stdout that tells the host where to connect.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The plugtrace host's go-plugin handshake (internal/pluginproto in the
// plugtrace repository). The cookie is no secret: it only tells a plugin
// that a plugtrace host started it.
const MAGIC_COOKIE_KEY = 'PLUGTRACE_PLUGIN_MAGIC_COOKIE';
const MAGIC_COOKIE_VALUE = '6f0c3cb8-plugtrace-backend-plugin';

// go-plugin's core protocol, the first field of the handshake line.
const CORE_PROTOCOL_VERSION = 1;

// The plugtrace protocol version this plugin speaks: proto/plugtrace/plugin/v1.
const APP_PROTOCOL_VERSION = 1;

class HandshakeError extends Error {}

// Checks that a plugtrace host started this process and that it offers
// version 1 of the protocol; returns that version.
function negotiate(env = process.env) {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'this program is a plugtrace plugin: a plugtrace host starts it ' +
        "(see plugins[].command in the host's config), it is not run by hand");
  }
  // go-plugin hosts list the versions they speak, "1" or "1,2". A host that
  // lists none is older than that list; it gets our version and decides.
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (offered.length > 0 && !offered.includes(String(APP_PROTOCOL_VERSION))) {
    throw new HandshakeError(
      `the host offers plugin protocol versions ${offered.join(', ')}; ` +
        `this plugin speaks version ${APP_PROTOCOL_VERSION} only`);
  }
  return APP_PROTOCOL_VERSION;
}

// Where to listen, as go-plugin's own servers do: on Unix a socket in a new
// directory that only this user can enter (so that no other local user can
// call the plugin with a made-up principal), under PLUGIN_UNIX_SOCKET_DIR
// when the host sets it; on Windows a loopback TCP port between
// PLUGIN_MIN_PORT and PLUGIN_MAX_PORT. Returns the gRPC bind target, the
// handshake's network and address, and a cleanup function.
function listenAddress(env = process.env) {
  if (process.platform === 'win32') {
    const min = port(env, 'PLUGIN_MIN_PORT');
    const max = port(env, 'PLUGIN_MAX_PORT');
    if (min > max) {
      throw new HandshakeError(`PLUGIN_MIN_PORT ${min} is greater than PLUGIN_MAX_PORT ${max}`);
    }
    return { network: 'tcp', ports: { min, max }, cleanup() {} };
  }
  const dir = fs.mkdtempSync(path.join(env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir(), 'plugtrace-plugin-'));
  const socket = path.join(dir, 'plugin.sock');
  return {
    network: 'unix',
    target: `unix:${socket}`,
    address: socket,
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

function port(env, name) {
  const v = env[name];
  if (v === undefined || v === '') {
    return 0;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new HandshakeError(`${name}: ${JSON.stringify(v)} is not a port number`);
  }
  return n;
}

// The line the host waits for on stdout:
// CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL. No TLS certificate
// follows: the plugtrace host does not use go-plugin's AutoMTLS.
function handshakeLine(version, network, address) {
  return `${CORE_PROTOCOL_VERSION}|${version}|${network}|${address}|grpc\n`;
}

module.exports = { HandshakeError, negotiate, listenAddress, handshakeLine };
