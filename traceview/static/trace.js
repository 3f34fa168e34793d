// The trace page: one trace as a waterfall, and the selected span's details.

import { API, Colours, el, fetchJSON, formatClock, formatDay, formatDuration, formatValue, parseTime, showMessage } from './common.js';

const PLUGIN_KEY = 'plugtrace.plugin.id';
const SERVICE_KEY = 'service.name';

const traceId = decodeURIComponent(location.pathname.split('/').pop());
const rowsBox = document.getElementById('span-rows');
const detail = document.getElementById('span-detail');
const colours = new Colours();

// Filled once the trace is loaded.
let spansById = new Map();
let traceStart = 0; // ms since the epoch
let traceMs = 0; // duration of the whole trace

const serviceOf = (s) => (typeof s.resource[SERVICE_KEY] === 'string' ? s.resource[SERVICE_KEY] : 'unknown service');
const pluginOf = (s) => (typeof s.attributes[PLUGIN_KEY] === 'string' ? s.attributes[PLUGIN_KEY] : '');
// A span's colour follows its plugin, or its process when no plugin made it.
const colourKey = (s) => (pluginOf(s) ? `plugin ${pluginOf(s)}` : `service ${serviceOf(s)}`);

async function load() {
  let trace;
  try {
    trace = await fetchJSON(`${API}/${encodeURIComponent(traceId)}`);
  } catch (err) {
    document.getElementById('trace-title').textContent = err.status === 404 ? 'Trace not found' : 'Cannot load trace';
    showMessage(err.status === 404 ? `${err.message}. Its spans may not have been exported yet: reload in a few seconds.` : err.message, 'error');
    document.body.dataset.loaded = 'true';
    return;
  }
  for (const s of trace.spans) {
    s.startMs = parseTime(s.startTime);
    s.endMs = parseTime(s.endTime);
  }
  spansById = new Map(trace.spans.map((s) => [s.spanId, s]));
  // A loop, not Math.min(...spans): a spread of a large trace would exceed
  // the engine's argument limit.
  traceStart = Infinity;
  let traceEnd = -Infinity;
  for (const s of trace.spans) {
    traceStart = Math.min(traceStart, s.startMs);
    traceEnd = Math.max(traceEnd, s.endMs);
  }
  traceMs = traceEnd - traceStart;

  const ordered = treeOrder(trace.spans);
  ordered.forEach(({ span }) => colours.get(colourKey(span))); // colours in display order
  renderHeader(trace, ordered);
  renderAxis();
  const rows = document.createDocumentFragment(); // not a spread: traces can be large
  for (const item of ordered) rows.append(spanRow(item));
  rowsBox.replaceChildren(rows);
  document.body.dataset.loaded = 'true';

  selectFromHash();
}

// selectFromHash selects the span the address names (#span=<id>), if the
// trace has it: on load, and when a link within the trace is followed.
function selectFromHash() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('span');
  if (fromHash && spansById.has(fromHash)) select(fromHash, false);
}

// treeOrder lists the spans depth first, children by start time under their
// parent. A span whose parent is not in the trace (not received, or evicted)
// is shown as a root. Every span is listed exactly once, even if bad data
// makes parents form a cycle.
function treeOrder(spans) {
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && spansById.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
      children.get(s.parentSpanId).push(s);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a, b) => a.startMs - b.startMs;
  const out = [];
  const seen = new Set();
  const visit = (span, depth) => {
    // An explicit stack: a deep trace must not overflow the call stack.
    const stack = [[span, depth]];
    while (stack.length > 0) {
      const [s, d] = stack.pop();
      if (seen.has(s.spanId)) continue;
      seen.add(s.spanId);
      out.push({ span: s, depth: d, orphan: d === 0 && s.parentSpanId !== '' });
      const kids = (children.get(s.spanId) ?? []).slice().sort(byStart);
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], d + 1]);
    }
  };
  roots.sort(byStart).forEach((s) => visit(s, 0));
  spans.filter((s) => !seen.has(s.spanId)).sort(byStart).forEach((s) => visit(s, 0));
  return out;
}

function renderHeader(trace, ordered) {
  const root = ordered[0].span;
  const errors = trace.spans.filter((s) => s.status.code === 'error').length;
  const services = [...new Set(trace.spans.map(serviceOf))].sort();
  document.title = `${root.name} · Trace · plugtrace`;
  document.getElementById('trace-title').textContent = root.name;

  const item = (label, ...value) => [el('dt', {}, label), el('dd', {}, ...value)];
  document.getElementById('trace-meta').replaceChildren(
    ...item('Trace ID', el('code', { id: 'trace-id' }, trace.traceId)),
    ...item('Started', `${formatDay(traceStart)} ${formatClock(traceStart)}`),
    ...item('Duration', formatDuration(traceMs)),
    ...item('Spans', String(trace.spans.length)),
    ...item('Errors', errors > 0 ? el('span', { class: 'error-badge' }, String(errors)) : '0'),
    ...item('Services', services.join(', ')),
  );
  document.getElementById('legend').replaceChildren(
    ...[...colours.entries()].map(([key, colour]) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = colour;
      return el('li', { dataset: { key } }, swatch, key);
    }),
  );
}

// niceStep returns a tick spacing of 1, 2 or 5 times a power of ten that
// gives at most about six ticks.
function niceStep(total) {
  const raw = total / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

function renderAxis() {
  const axis = document.getElementById('axis');
  const grid = document.getElementById('grid');
  axis.replaceChildren();
  grid.replaceChildren();
  if (!(traceMs > 0)) return;
  const step = niceStep(traceMs);
  for (let t = 0; t <= traceMs + step / 1000; t += step) {
    const left = `${(t / traceMs) * 100}%`;
    const tick = el('span', { class: 'tick' }, formatDuration(t));
    tick.style.left = left;
    if (t / traceMs > 0.92) tick.classList.add('end');
    axis.append(tick);
    const line = el('span', { class: 'grid-line' });
    line.style.left = left;
    grid.append(line);
  }
}

// position returns where a span's bar goes, in percent of the track.
function position(s) {
  if (!(traceMs > 0)) return { left: 0, width: 100 };
  return { left: ((s.startMs - traceStart) / traceMs) * 100, width: ((s.endMs - s.startMs) / traceMs) * 100 };
}

function spanRow({ span: s, depth, orphan }) {
  const error = s.status.code === 'error';
  const colour = colours.get(colourKey(s));
  const { left, width } = position(s);

  const swatch = el('span', { class: 'swatch' });
  swatch.style.background = colour;
  const name = el('div', { class: 'wf-name' },
    swatch,
    el('span', { class: 'span-name', title: s.name }, s.name),
    el('span', { class: 'span-service' }, pluginOf(s) || serviceOf(s)),
    orphan ? el('span', { class: 'tag', title: `parent ${s.parentSpanId} is not in the store` }, 'parent missing') : null,
    error ? el('span', { class: 'error-badge', title: s.status.message || 'status error' }, '! error') : null,
  );
  name.style.paddingLeft = `${12 + depth * 16}px`;

  const bar = el('span', { class: error ? 'bar error' : 'bar' });
  bar.style.left = `${left}%`;
  bar.style.width = `${width}%`;
  if (!error) bar.style.background = colour;
  const label = el('span', { class: 'bar-label' }, formatDuration(s.endMs - s.startMs));
  // The label goes after the bar; before it when the bar ends near the
  // right edge; inside it when the bar is too wide for either.
  if (left + width <= 85) {
    label.style.left = `${left + width}%`;
  } else if (left >= 15) {
    label.style.right = `${100 - left}%`;
  } else {
    label.style.right = `${100 - left - width}%`;
    label.classList.add('inside');
  }

  const row = el('div', {
    class: error ? 'span-row error' : 'span-row',
    role: 'treeitem',
    tabindex: '0',
    'aria-level': String(depth + 1),
    'aria-selected': 'false',
    dataset: { spanId: s.spanId, parentSpanId: s.parentSpanId, depth: String(depth), service: serviceOf(s), plugin: pluginOf(s), status: s.status.code },
  }, name, el('div', { class: 'wf-track' }, bar, label));
  row.addEventListener('click', () => select(s.spanId, true));
  row.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      select(s.spanId, true);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      (ev.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling)?.focus();
    }
  });
  return row;
}

// select shows a span's details and marks its row; the address keeps the
// selection (#span=<id>) so that it can be shared.
function select(spanId, updateAddress) {
  const s = spansById.get(spanId);
  for (const row of rowsBox.querySelectorAll('.span-row.selected')) {
    row.classList.remove('selected');
    row.setAttribute('aria-selected', 'false');
  }
  const row = rowsBox.querySelector(`.span-row[data-span-id="${CSS.escape(spanId)}"]`);
  row.classList.add('selected');
  row.setAttribute('aria-selected', 'true');
  if (updateAddress) history.replaceState(null, '', `#span=${encodeURIComponent(spanId)}`);
  renderDetail(s);
}

function renderDetail(s) {
  detail.hidden = false;
  detail.dataset.spanId = s.spanId;
  document.getElementById('trace-layout').classList.add('with-detail');
  document.getElementById('detail-name').textContent = s.name;

  const status = s.status.code === 'error'
    ? el('span', { class: 'error-badge' }, s.status.message ? `error: ${s.status.message}` : 'error')
    : s.status.code;
  const item = (label, ...value) => [el('dt', {}, label), el('dd', {}, ...value)];
  document.getElementById('detail-summary').replaceChildren(
    ...item('Service', serviceOf(s)),
    ...item('Plugin', pluginOf(s) || '–'),
    ...item('Kind', s.kind),
    ...item('Status', status),
    ...item('Start', `+${formatDuration(s.startMs - traceStart)}`),
    ...item('Duration', formatDuration(s.endMs - s.startMs)),
    ...item('Span ID', el('code', {}, s.spanId)),
    ...item('Parent', s.parentSpanId ? el('code', {}, s.parentSpanId) : '– (root)'),
  );
  fillTable(document.getElementById('span-attributes'), s.attributes);
  fillTable(document.getElementById('span-scope'), { name: s.scope.name, version: s.scope.version, schemaUrl: s.scope.schemaUrl });
  fillTable(document.getElementById('span-resource'), s.resource);

  document.getElementById('event-count').textContent = `(${s.events.length})`;
  document.getElementById('span-events').replaceChildren(
    ...s.events.map((ev) => {
      const attrs = el('table', { class: 'kv' });
      fillTable(attrs, ev.attributes);
      return el('li', { class: 'event', dataset: { eventName: ev.name } },
        el('div', { class: 'event-head' },
          el('span', { class: 'event-name' }, ev.name),
          el('span', { class: 'event-time' }, `+${formatDuration(parseTime(ev.time) - traceStart)}`)),
        Object.keys(ev.attributes).length > 0 ? attrs : null);
    }),
  );

  document.getElementById('link-count').textContent = `(${s.links.length})`;
  document.getElementById('span-links').replaceChildren(...s.links.map(linkItem));
}

// linkItem shows a link to another span, with a way to its trace's page
// and the span selected there. The linked trace need not be in the store:
// its page then says so.
function linkItem(link) {
  const href = `/traces/trace/${encodeURIComponent(link.traceId)}#span=${encodeURIComponent(link.spanId)}`;
  const attrs = el('table', { class: 'kv' });
  fillTable(attrs, link.attributes);
  return el('li', { class: 'link', dataset: { traceId: link.traceId, spanId: link.spanId } },
    el('div', { class: 'link-head' },
      el('a', { class: 'link-target', href }, 'span ', el('code', {}, link.spanId)),
      el('span', { class: 'link-where' }, 'in ',
        link.traceId === traceId ? 'this trace' : el('code', { class: 'link-trace' }, link.traceId))),
    Object.keys(link.attributes).length > 0 ? attrs : null);
}

// fillTable lists an object's keys and values, sorted by key.
function fillTable(table, obj) {
  const keys = Object.keys(obj).sort();
  if (keys.length === 0) {
    table.replaceChildren(el('tr', { class: 'empty' }, el('td', { colspan: '2' }, 'none')));
    return;
  }
  table.replaceChildren(...keys.map((k) => el('tr', { dataset: { key: k } }, el('th', { scope: 'row' }, k), el('td', {}, formatValue(obj[k])))));
}

document.getElementById('detail-close').addEventListener('click', () => {
  detail.hidden = true;
  document.getElementById('trace-layout').classList.remove('with-detail');
  rowsBox.querySelector('.span-row.selected')?.classList.remove('selected');
  history.replaceState(null, '', location.pathname);
});

window.addEventListener('hashchange', selectFromHash);

load();
