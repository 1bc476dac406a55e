// Sessions: every session the caller may use, live from GET /v1/sessions?follow=true; create,
// stop, delete and fork from here.
import { api, follow, enc } from '../api.js';
import { h, fill, alertOf } from '../dom.js';
import { formDialog, field } from '../dialog.js';
import { bytes, relative, time } from '../format.js';

export function mount(el, ctx) {
  const sessions = new Map();
  const abort = new AbortController();
  const body = h('tbody', {});
  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const problem = h('div', {});
  const table = h('table', { 'aria-label': 'Sessions', class: 'list' },
    h('thead', {}, h('tr', {}, ['Session', 'State', 'Owner', 'Runtime', 'Last activity', 'Idle stop', 'Reclaimed',
      'Memory', 'Disk', ''].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  fill(el,
    h('div', { class: 'title' }, h('h1', {}, 'Sessions'),
      h('button', { type: 'button', onclick: create }, 'New session')),
    problem, h('div', { class: 'scroll' }, table), status);

  let listed = false;
  let seen = new Set();
  let marked = false;
  follow('/v1/sessions?follow=true', (line) => {
    if (line.type === 'session') {
      sessions.set(line.session.id, line.session);
      seen.add(line.session.id);
    } else if (line.type === 'removed') {
      sessions.delete(line.id);
    } else if (line.type === 'ready') {
      // the snapshot is complete (even if empty); after a reconnect, what it lacks is gone
      for (const id of [...sessions.keys()]) if (!seen.has(id)) sessions.delete(id);
      listed = true;
    } else {
      return;
    }
    schedule();
  }, abort.signal, (state, error) => {
    if (state === 'live') seen = new Set();
    if (state === 'failed') fill(problem, alertOf(error));
    if (state === 'retrying') status.textContent = 'Reconnecting…';
  });
  // relative times move on even when nothing changes
  const tick = setInterval(render, 15000);

  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      render();
    });
  }

  function render() {
    const list = [...sessions.values()].sort((a, b) => (b.lastActivityAt || '').localeCompare(a.lastActivityAt || ''));
    fill(body, list.map(row));
    if (!listed) return;
    status.textContent = list.length === 0 ? 'No sessions yet.' : '';
    if (!marked) {
      marked = true;
      // what the console's first-paint benchmark waits for: the table as the server had it
      performance.mark('berth:sessions-listed');
    }
  }

  function row(s) {
    const running = s.state === 'running';
    const memory = s.memoryUsedBytes != null
      ? bytes(s.memoryUsedBytes) + (s.limits && s.limits.memoryBytes ? ' / ' + bytes(s.limits.memoryBytes) : '') : '—';
    const disk = s.diskUsedBytes != null
      ? bytes(s.diskUsedBytes) + (s.limits && s.limits.diskBytes ? ' / ' + bytes(s.limits.diskBytes) : '') : '—';
    return h('tr', { dataset: { session: s.id } },
      h('th', { scope: 'row' }, h('a', { href: '/sessions/' + enc(s.id) }, s.id)),
      h('td', {}, h('span', { class: 'state ' + s.state, 'data-state': s.state, title: s.stateReason || '' }, s.state),
        s.stateReason ? h('span', { class: 'muted small' }, ' ', s.stateReason) : null),
      h('td', {}, s.owner),
      h('td', {}, s.runtime || '—'),
      h('td', { title: time(s.lastActivityAt) }, relative(s.lastActivityAt)),
      h('td', { title: time(s.idleStopAt) }, running ? relative(s.idleStopAt) : '—'),
      h('td', { title: time(s.reclaimAt) }, relative(s.reclaimAt)),
      h('td', { class: 'num' }, memory),
      h('td', { class: 'num' }, disk),
      h('td', { class: 'actions' }, h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'small', disabled: !running, 'aria-label': 'Stop ' + s.id,
          onclick: () => act(() => api('/v1/sessions/' + enc(s.id) + '/stop', { method: 'POST' })) }, 'Stop'),
        h('button', { type: 'button', class: 'small', disabled: s.state === 'expired', 'aria-label': 'Fork ' + s.id,
          onclick: () => fork(s) }, 'Fork'),
        h('button', { type: 'button', class: 'small danger', 'aria-label': 'Delete ' + s.id,
          onclick: () => remove(s) }, 'Delete'))));
  }

  async function act(call) {
    fill(problem);
    try {
      const s = await call();
      if (s && s.id) {
        sessions.set(s.id, s);
        schedule();
      }
    } catch (err) {
      fill(problem, alertOf(err));
    }
  }

  function create() {
    formDialog('New session', [
      field('Session id', { pattern: '[a-z0-9][a-z0-9\\-]{0,62}', placeholder: 'generated if empty', autocomplete: 'off' }),
      field('Runtime', { placeholder: 'none, or NAME[@VERSION]', autocomplete: 'off' }),
    ], 'Create', async (form) => {
      const id = form.querySelector('#f-session-id').value.trim();
      const runtime = form.querySelector('#f-runtime').value.trim();
      const s = await api('/v1/sessions', { method: 'POST', body: { ...(id && { id }), ...(runtime && { runtime }) } });
      sessions.set(s.id, s);
      schedule();
    });
  }

  function fork(s) {
    formDialog('Fork ' + s.id, [
      field('New session id', { required: true, pattern: '[a-z0-9][a-z0-9\\-]{0,62}', autocomplete: 'off' }),
      field('Copies', { type: 'number', min: 1, max: 64, value: '1' }),
    ], 'Fork', async (form) => {
      const id = form.querySelector('#f-new-session-id').value.trim();
      const count = Number(form.querySelector('#f-copies').value || 1);
      const made = await api('/v1/sessions/' + enc(s.id) + '/fork', { method: 'POST', body: { id, count } });
      for (const m of made) sessions.set(m.id, m);
      schedule();
    });
  }

  function remove(s) {
    formDialog('Delete ' + s.id + '?', [
      h('p', {}, 'Its sandbox, workspace and command history are removed. This cannot be undone.'),
    ], 'Delete', async () => {
      await api('/v1/sessions/' + enc(s.id), { method: 'DELETE' });
      sessions.delete(s.id);
      schedule();
    });
  }

  return () => {
    abort.abort();
    clearInterval(tick);
  };
}
