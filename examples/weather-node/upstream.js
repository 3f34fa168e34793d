// SPDX-License-Identifier: Apache-2.0

// A stand-in weather service for trying the plugin out, like the Go demo's:
// GET /forecast?city=... answers a made-up but stable forecast. It logs
// the traceparent of each request, which the plugin's fetch() sends.
//
//   node examples/weather-node/upstream.js [port]   (default 9000)
'use strict';

const http = require('node:http');

const SUMMARIES = ['sunny', 'cloudy', 'rain', 'windy', 'snow'];

// FNV-1a, 32 bits: the same city gets the same forecast as from the Go demo.
function fnv32a(s) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function json(res, status, value) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value) + '\n');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://upstream');
  if (req.method !== 'GET' || url.pathname !== '/forecast') {
    return json(res, 404, { error: 'not found' });
  }
  const city = url.searchParams.get('city');
  if (!city) {
    return json(res, 400, { error: 'city is required' });
  }
  console.log(`GET /forecast?city=${city} traceparent=${req.headers.traceparent ?? '(none)'}`);
  const n = fnv32a(city);
  json(res, 200, { city, summary: SUMMARIES[n % SUMMARIES.length], temperatureC: (n % 350) / 10 - 5 });
});

const port = Number(process.argv[2] ?? 9000);
server.listen(port, '127.0.0.1', () => console.log(`upstream listening on http://127.0.0.1:${port}`));
