// Helpers shared by the list page (list.js) and the trace page (trace.js).
//
// Span data comes from plugins, so it is only ever put in the page as text
// (textContent, append of strings), never as HTML.

export const API = '/traces/api/traces';

// el builds an element. props: class, text, dataset (an object), title,
// href, ... (other attributes), onclick, ... (event listeners). Children are
// nodes or strings; strings become text nodes.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// fetchJSON gets a JSON document; an error answer throws an Error with the
// API's message and the HTTP status.
export async function fetchJSON(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: fall back to the status line below
  }
  if (!res.ok) {
    const err = new Error(body && body.error ? body.error : `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

// showMessage shows text in the page's message line; null hides it.
export function showMessage(text, kind = 'info') {
  const box = document.getElementById('message');
  box.hidden = text === null;
  box.textContent = text ?? '';
  box.dataset.kind = kind;
}

// parseTime turns an RFC 3339 time into milliseconds since the epoch. Date
// keeps only milliseconds, so the fraction is added separately: spans are
// often shorter than a millisecond.
export function parseTime(s) {
  const m = /^(.+T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return Date.parse(s);
  return Date.parse(m[1] + m[3]) + (m[2] ? Number('0' + m[2]) * 1000 : 0);
}

// formatDuration writes a duration given in milliseconds with three
// significant digits and a unit that fits: 850 µs, 12.3 ms, 1.25 s.
export function formatDuration(ms) {
  const sig3 = (x) => String(Number(x.toPrecision(3)));
  if (!(ms > 0)) return '0 ms';
  if (ms < 1) return `${sig3(ms * 1000)} µs`;
  if (ms < 1000) return `${sig3(ms)} ms`;
  if (ms < 60_000) return `${sig3(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

// formatClock writes a time of day in the viewer's time zone, to the
// millisecond: 14:03:12.345.
export function formatClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// formatDay writes the date in the viewer's time zone: 2026-03-14.
export function formatDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Colours for services and plugins. Red is left out: it marks errors.
const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#a16207', '#6366f1', '#14b8a6'];

// Colours hands out one palette colour per key, in the order keys are first
// asked for, so that the first services of a trace get distinct colours.
export class Colours {
  #byKey = new Map();

  get(key) {
    if (!this.#byKey.has(key)) this.#byKey.set(key, PALETTE[this.#byKey.size % PALETTE.length]);
    return this.#byKey.get(key);
  }

  entries() {
    return this.#byKey.entries();
  }
}

// formatValue writes an attribute value: strings as they are, everything
// else (numbers, booleans, arrays, maps) as JSON.
export function formatValue(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
