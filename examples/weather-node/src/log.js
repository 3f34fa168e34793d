// SPDX-License-Identifier: Apache-2.0

// Logs to stderr as the JSON lines go-plugin reads from a plugin (hclog's
// format: @level, @message, @timestamp, then the fields), so that the host
// logs each one as a structured record of its own, at its level, with the
// plugin's id. Records made inside a span carry trace_id and span_id, which
// join the logs to the trace.
'use strict';

const { trace, isSpanContextValid } = require('@opentelemetry/api');

// go-plugin parses @timestamp with Go's layout
// "2006-01-02T15:04:05.000000Z07:00" (microseconds); another form demotes
// the whole line to an unparsed debug message.
function timestamp(date = new Date()) {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function write(level, message, fields = {}) {
  const record = { '@level': level, '@message': message, '@timestamp': timestamp(), ...fields };
  const span = trace.getActiveSpan();
  if (span && isSpanContextValid(span.spanContext())) {
    record.trace_id = span.spanContext().traceId;
    record.span_id = span.spanContext().spanId;
  }
  process.stderr.write(JSON.stringify(record) + '\n');
}

const log = {
  debug: (message, fields) => write('debug', message, fields),
  info: (message, fields) => write('info', message, fields),
  warn: (message, fields) => write('warn', message, fields),
  error: (message, fields) => write('error', message, fields),
};

module.exports = { log };
