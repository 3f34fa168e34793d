// SPDX-License-Identifier: Apache-2.0

// The plugin's one route, GET /forecast?city=Paris (relative to its mount,
// /api/<pluginId>/): it fetches $WEATHER_UPSTREAM_URL/forecast?city=Paris
// inside a span of its own, weather.forecast, and answers
// {"city","summary","temperatureC"}, like the Go example plugin.
'use strict';

const { SpanStatusCode } = require('@opentelemetry/api');

const { log } = require('./log');

const UPSTREAM_ENV = 'WEATHER_UPSTREAM_URL';
const UPSTREAM_TIMEOUT_MS = 10_000;

class UpstreamError extends Error {
  constructor(message, errorType) {
    super(message);
    this.name = 'UpstreamError';
    this.errorType = errorType;
  }
}

// The principal types of the protocol, as span attribute values.
const PRINCIPAL_TYPES = {
  PRINCIPAL_TYPE_NONE: 'none',
  PRINCIPAL_TYPE_USER: 'user',
  PRINCIPAL_TYPE_SERVICE: 'service',
};

// Returns the plugin's handler: (request) => Promise<response>, where request
// is { method, path, query (URLSearchParams), principal } and response is
// { status, body (a JSON value), headers, route }. route names the route
// that served the request, "GET /forecast", for the host's span names.
function createHandler({ upstream, tracer, captureEndUser }) {
  return async function handle(req) {
    if (req.path !== '/forecast') {
      return { status: 404, body: { error: 'not found' } };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, headers: { Allow: 'GET, HEAD' }, body: { error: 'method not allowed' } };
    }
    const route = 'GET /forecast';
    const city = req.query.get('city');
    if (!city) {
      return { status: 400, route, body: { error: 'query parameter city is required' } };
    }
    const attributes = { 'weather.city': city, ...principalAttributes(req.principal, captureEndUser) };
    try {
      const forecast = await tracer.startActiveSpan('weather.forecast', { attributes }, async (span) => {
        try {
          return await fetchForecast(upstream, city);
        } catch (err) {
          span.recordException(err);
          span.setAttribute('error.type', err.errorType ?? err.name);
          span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
          throw err;
        } finally {
          span.end();
        }
      });
      log.info('forecast served', { city });
      return { status: 200, route, body: forecast };
    } catch (err) {
      log.warn('forecast failed', { city, error: err.message });
      return { status: 502, route, body: { error: err.message } };
    }
  };
}

// The caller the host authenticated, as plugtrace's own plugins record it:
// enduser.id only when the host's capture.endUser is on.
function principalAttributes(principal, captureEndUser) {
  const type = PRINCIPAL_TYPES[principal?.type];
  if (!type) {
    return {};
  }
  const attrs = { 'plugtrace.principal.type': type };
  if (captureEndUser && type !== 'none' && principal.id) {
    attrs['enduser.id'] = principal.id;
  }
  return attrs;
}

// fetch() is instrumented: the request is a client span, child of the span
// active here, and carries its traceparent.
async function fetchForecast(upstream, city) {
  const url = `${upstream}/forecast?city=${encodeURIComponent(city)}`;
  let resp;
  try {
    resp = await fetch(url, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  } catch (err) {
    throw new UpstreamError(`upstream unreachable: ${err.cause?.code ?? err.name}`, 'upstream_unreachable');
  }
  if (resp.status !== 200) {
    await resp.body?.cancel();
    throw new UpstreamError(`upstream answered ${resp.status}`, 'upstream_error');
  }
  let f;
  try {
    f = await resp.json();
  } catch {
    throw new UpstreamError('upstream answer is not JSON', 'upstream_error');
  }
  return { city: String(f.city ?? city), summary: String(f.summary ?? ''), temperatureC: Number(f.temperatureC ?? 0) };
}

// The upstream's base URL, from the plugin's environment (plugins[].env).
function upstreamFromEnv(env = process.env) {
  const upstream = (env[UPSTREAM_ENV] ?? '').replace(/\/+$/, '');
  if (!upstream) {
    throw new Error(`${UPSTREAM_ENV} is not set: configure plugins[].env.${UPSTREAM_ENV}`);
  }
  return upstream;
}

module.exports = { createHandler, upstreamFromEnv };
