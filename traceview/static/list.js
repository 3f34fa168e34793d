// The list page: recent traces, filtered by the form's fields.

import { API, el, fetchJSON, formatClock, formatDay, formatDuration, parseTime, showMessage } from './common.js';

const FILTERS = ['plugin', 'service', 'minDuration', 'error', 'limit'];
const DEFAULT_LIMIT = '50';

const form = document.getElementById('filters');
const rows = document.getElementById('trace-rows');

// fillForm shows the filters of the page's query string in the form.
function fillForm() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const field = form.elements[name];
    const value = params.get(name) ?? (name === 'limit' ? DEFAULT_LIMIT : '');
    if (field.tagName === 'SELECT' && ![...field.options].some((o) => o.value === value)) {
      field.append(el('option', { value }, value)); // e.g. limit=20 typed into the address bar
    }
    field.value = value;
  }
}

// filterParams returns the non-empty filters of the form, or of the page's
// query string, as API parameters.
function filterParams(source) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = (source === 'form' ? form.elements[name].value : new URLSearchParams(location.search).get(name) ?? '').trim();
    if (value !== '' && !(name === 'limit' && value === DEFAULT_LIMIT)) params.set(name, value);
  }
  return params;
}

async function load() {
  rows.setAttribute('aria-busy', 'true');
  try {
    const data = await fetchJSON(`${API}?${filterParams('page')}`);
    render(data.traces);
    const filtered = filterParams('page').toString() !== '';
    if (data.traces.length > 0) showMessage(null);
    else if (filtered) showMessage('No traces match these filters.');
    else showMessage('No traces yet. Requests to the host and its plugins appear here as their spans end.');
  } catch (err) {
    rows.replaceChildren();
    showMessage(err.message, 'error');
  } finally {
    rows.removeAttribute('aria-busy');
    document.body.dataset.loaded = 'true';
  }
}

function render(traces) {
  const longest = traces.reduce((max, t) => Math.max(max, t.durationMs), 0);
  rows.replaceChildren(...traces.map((t) => traceRow(t, longest)));
}

function traceRow(t, longest) {
  const start = parseTime(t.startTime);
  const href = `/traces/trace/${encodeURIComponent(t.traceId)}`;
  const bar = el('span', { class: 'mini-bar' });
  bar.style.width = `${longest > 0 ? Math.max(2, (t.durationMs / longest) * 100) : 2}%`;
  if (t.errorCount > 0) bar.classList.add('error');

  const row = el('tr', { class: 'trace-row', dataset: { traceId: t.traceId, errorCount: t.errorCount } },
    el('td', { class: 'started', title: t.startTime },
      el('span', { class: 'clock' }, formatClock(start)),
      el('span', { class: 'day' }, formatDay(start))),
    el('td', { class: 'root' },
      el('a', { class: 'trace-link', href }, t.rootName || '(unnamed)'),
      el('code', { class: 'trace-id', title: t.traceId }, t.traceId.slice(0, 8))),
    el('td', { class: 'plugins' }, ...t.plugins.map((p) => el('span', { class: 'chip' }, p))),
    el('td', { class: 'num span-count' }, String(t.spanCount)),
    el('td', { class: 'num error-count' },
      t.errorCount > 0 ? el('span', { class: 'error-badge', title: `${t.errorCount} span(s) with status error` }, String(t.errorCount)) : '–'),
    el('td', { class: 'duration' }, el('span', { class: 'mini-track' }, bar), el('span', { class: 'duration-text' }, formatDuration(t.durationMs))),
  );
  // The whole row opens the trace; the link inside keeps working with the
  // keyboard, a middle click or "open in new tab".
  row.addEventListener('click', (ev) => {
    if (ev.target.closest('a') === null && getSelection().toString() === '') location.href = href;
  });
  return row;
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const query = filterParams('form').toString();
  history.pushState(null, '', query ? `?${query}` : location.pathname);
  load();
});
window.addEventListener('popstate', () => {
  fillForm();
  load();
});
document.getElementById('refresh').addEventListener('click', load);

fillForm();
load();
