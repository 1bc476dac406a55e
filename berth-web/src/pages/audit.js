// Audit: the trail for auditors and admins. Search it (newest first, a page at a time), follow it
// live, verify its hash chain, and replay a recorded terminal in asciinema-player (loaded only then).
import { api, follow, query, enc, ApiError } from '../api.js';
import { h, fill, alertOf } from '../dom.js';

const PAGE_SIZES = [50, 100, 500];

export function mount(el, ctx) {
  if (ctx.whoami.role !== 'auditor' && ctx.whoami.role !== 'admin') {
    fill(el, h('h1', {}, 'Audit'),
      h('p', { role: 'alert', class: 'alert' }, h('code', {}, 'forbidden'),
        ' The audit trail is for auditors and admins; you are signed in as ', ctx.whoami.role, '.'));
    return () => {};
  }

  const events = new Map(); // seq → event, whatever is in the table
  let searchAbort = null;
  let followAbort = null;
  let replayAbort = null;
  let player = null;
  let more = false; // the last page was full: older events may exist
  let searched = null; // the form as it was for the rows shown
  const gone = new AbortController();

  const input = (label, name, attrs = {}) => {
    const id = 'audit-' + name;
    return h('div', { class: 'field' }, h('label', { for: id }, label),
      h('input', { id, name, value: ctx.query.get(name) || '', autocomplete: 'off', ...attrs }));
  };
  const size = h('select', { id: 'audit-limit', name: 'limit' },
    PAGE_SIZES.map((n) => h('option', { value: String(n), selected: String(n) === (ctx.query.get('limit') || '100') }, String(n))));
  const followButton = h('button', { type: 'button', class: 'quiet', 'aria-pressed': 'false', onclick: toggleFollow }, 'Follow');
  const verifyButton = h('button', { type: 'button', class: 'quiet', onclick: verify }, 'Verify chain');
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter audit events', onsubmit: (e) => {
    e.preventDefault();
    search();
  } },
  input('Session', 'session', { size: 16 }),
  input('User', 'user', { size: 12 }),
  input('Action', 'action', { size: 14, placeholder: 'prefix: tty. or session.create', 'aria-describedby': 'audit-times-hint' }),
  input('Since', 'since', { size: 18, placeholder: '2h, or an ISO time', 'aria-describedby': 'audit-times-hint' }),
  input('Until', 'until', { size: 18, placeholder: 'empty: now', 'aria-describedby': 'audit-times-hint' }),
  h('div', { class: 'field' }, h('label', { for: 'audit-limit' }, 'Page size'), size),
  h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Search'), followButton, verifyButton));
  const hint = h('p', { id: 'audit-times-hint', class: 'muted small' },
    'Action matches a prefix. Times: an ISO instant, a local date and time, or an age such as 30m, 2h, 7d.');
  const problem = h('div', {});
  const verdict = h('p', { 'data-verify': '', role: 'status', class: 'verify', hidden: true });
  const recording = h('section', { 'aria-label': 'Recording', class: 'recording', hidden: true, tabindex: '-1' });
  const body = h('tbody', {});
  const table = h('table', { 'aria-label': 'Audit events', class: 'list audit' },
    h('thead', {}, h('tr', {}, ['Seq', 'Time', 'User', 'Auth', 'Source', 'Session', 'Action', 'Resource', 'Outcome',
      'Details', h('span', { class: 'visually-hidden' }, 'Playback')].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const older = h('button', { type: 'button', class: 'quiet', hidden: true, onclick: loadOlder }, 'Older events');

  fill(el, h('div', { class: 'title' }, h('h1', {}, 'Audit')), form, hint, problem, verdict, recording,
    h('div', { class: 'scroll' }, table), h('div', { class: 'pager' }, status, older));

  search();

  /** The form's filters, or null with the reason shown (a bad time). */
  function checkedFilters() {
    try {
      return filters();
    } catch (e) {
      fill(problem, alertOf(e));
      return null;
    }
  }

  function filters() {
    const v = (name) => form.elements[name].value.trim();
    return {
      session: v('session'),
      user: v('user'),
      action: v('action'),
      since: instant(v('since'), 'since'),
      until: instant(v('until'), 'until'),
    };
  }

  function pageSize() {
    return Number(size.value);
  }

  async function search() {
    fill(problem);
    const wasFollowing = followAbort !== null;
    stopFollowing();
    const f = checkedFilters();
    if (!f) return;
    // the filter lives in the address, so a search can be linked to and survives a reload
    const shown = Object.fromEntries(['session', 'user', 'action', 'since', 'until']
      .map((k) => [k, form.elements[k].value.trim()]));
    history.replaceState(null, '', '/audit' + query({ ...shown, limit: pageSize() === 100 ? '' : pageSize() }));
    const asked = formState();
    const page = await fetchPage({ ...f, limit: pageSize() });
    if (!page) return;
    searched = asked;
    events.clear();
    fill(body);
    addEvents(page);
    more = page.length === pageSize();
    showStatus();
    if (wasFollowing) startFollowing();
  }

  /**
   * The next page back in time. The API pages by `limit` (the newest N) and `after` (forward), so
   * going back asks for the newest N up to the oldest shown event's time: `until` is exclusive, so
   * one nanosecond later, and the shown events of that same instant are counted in and dropped.
   */
  async function loadOlder() {
    const oldest = [...events.values()].reduce((a, e) => (a && a.seq < e.seq ? a : e), null);
    if (!oldest) return;
    const f = checkedFilters();
    if (!f) return;
    const same = [...events.values()].filter((e) => e.time === oldest.time).length;
    const page = await fetchPage({ ...f, until: nanoAfter(oldest.time), limit: pageSize() + same });
    if (!page) return;
    const fresh = page.filter((e) => e.seq < oldest.seq);
    addEvents(fresh);
    more = fresh.length >= pageSize();
    showStatus();
  }

  async function fetchPage(params) {
    if (searchAbort) searchAbort.abort();
    const mine = (searchAbort = new AbortController());
    status.textContent = 'Loading…';
    try {
      return await api('/v1/audit' + query(params), { signal: mine.signal });
    } catch (e) {
      if (mine.signal.aborted) return null;
      fill(problem, alertOf(e));
      status.textContent = '';
      return null;
    } finally {
      if (searchAbort === mine) searchAbort = null;
    }
  }

  function showStatus() {
    const n = events.size;
    status.textContent = (n === 0 ? 'No matching events.' : n === 1 ? '1 event' : n + ' events')
      + (followAbort ? ' · following live' : '');
    older.hidden = !more || n === 0;
  }

  /** Puts events into the table in their place, newest on top. */
  function addEvents(list) {
    const rows = [...body.children];
    for (const e of list) {
      if (events.has(e.seq)) continue;
      events.set(e.seq, e);
      const tr = row(e);
      // follows arrive newest last and pages oldest first: search from the end that fits
      const before = rows.find((r) => Number(r.dataset.seq) < e.seq);
      body.insertBefore(tr, before || null);
      rows.splice(before ? rows.indexOf(before) : rows.length, 0, tr);
    }
  }

  function row(e) {
    const cid = replayable(e);
    const resId = 'audit-res-' + e.seq;
    return h('tr', { dataset: { seq: String(e.seq), action: e.action } },
      h('td', { class: 'num' }, String(e.seq)),
      h('td', { title: e.time }, stamp(e.time)),
      h('td', {}, filterLink('user', e.principal)),
      h('td', {}, e.authMethod || '—'),
      h('td', { class: 'mono small' }, e.source || '—'),
      h('td', {}, e.session ? filterLink('session', e.session) : '—'),
      h('td', { class: 'mono' }, e.action),
      h('td', { class: 'mono small', id: resId }, e.resource || '—'),
      h('td', {}, h('span', { class: 'outcome ' + outcomeClass(e.outcome) }, e.outcome)),
      h('td', { class: 'details' }, detailsOf(e.details)),
      h('td', {}, cid ? h('button', { type: 'button', class: 'small', 'aria-describedby': resId,
        onclick: () => replay(cid) }, 'Replay') : null));
  }

  /** A link that narrows the search to this value (the page reloads from the address). */
  function filterLink(name, value) {
    const params = Object.fromEntries([...new URLSearchParams(location.search)]);
    return h('a', { href: '/audit' + query({ ...params, [name]: value }), title: 'Only ' + name + ' ' + value }, value);
  }

  function toggleFollow() {
    if (followAbort) {
      stopFollowing();
      showStatus();
    } else if (searched !== formState()) {
      // the form changed since the table was filled: fill it again for these filters, then follow
      followAbort = new AbortController();
      search();
    } else {
      startFollowing();
    }
  }

  function formState() {
    return JSON.stringify(['session', 'user', 'action', 'since', 'until'].map((k) => form.elements[k].value.trim())
      .concat(size.value));
  }

  function stopFollowing() {
    if (followAbort) followAbort.abort();
    followAbort = null;
    followButton.setAttribute('aria-pressed', 'false');
  }

  /** Live events on top: from just after the newest shown one, reconnecting (from there) when cut off. */
  function startFollowing() {
    const f = checkedFilters();
    if (!f) return;
    const mine = (followAbort = new AbortController());
    followButton.setAttribute('aria-pressed', 'true');
    showStatus();
    let batch = [];
    let queued = false;
    // resumes after the newest event shown, so a reconnect neither repeats nor skips one
    const path = () => {
      const newest = Math.max(0, ...events.keys());
      return '/v1/audit' + query({ ...f, follow: 'true', ...(newest > 0 ? { after: newest } : { limit: pageSize() }) });
    };
    follow(path, (line) => {
      if (line.type === 'heartbeat' || typeof line.seq !== 'number') return;
      batch.push(line);
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        const list = batch;
        batch = [];
        if (mine.signal.aborted) return;
        addEvents(list);
        showStatus();
      });
    }, mine.signal, (state, e) => {
      if (state === 'failed') {
        fill(problem, alertOf(e));
        stopFollowing();
        showStatus();
      } else if (state === 'retrying') {
        if (batch.length) addEvents(batch.splice(0)); // before the next path() reads the newest
        status.textContent = 'Reconnecting…';
      }
    });
  }

  async function verify() {
    verifyButton.disabled = true;
    verdict.hidden = false;
    verdict.className = 'verify';
    verdict.setAttribute('data-verify', '');
    verdict.textContent = 'Verifying…';
    try {
      const r = await api('/v1/audit/verify', { method: 'POST', signal: gone.signal });
      const counts = plural(r.eventsChecked, 'event') + ' and ' + plural(r.checkpointsChecked, 'checkpoint') + ' checked';
      verdict.setAttribute('data-verify', r.ok ? 'ok' : 'broken');
      if (r.ok) {
        verdict.className = 'verify ok';
        fill(verdict, h('strong', {}, 'ok'), ': the chain is intact, ', counts, '.');
      } else {
        const p = r.problem || {};
        verdict.className = 'verify broken';
        fill(verdict, h('strong', {}, 'broken'), ': ', h('code', {}, p.kind || 'unknown'),
          ' in ', h('code', {}, p.file || '?'), ' line ', String(p.line ?? '?'),
          p.seq ? ' (seq ' + p.seq + ')' : '', ': ', p.message || '', ' · ', counts, ' before it.');
      }
    } catch (e) {
      if (gone.signal.aborted) return;
      verdict.setAttribute('data-verify', 'error');
      fill(verdict, alertOf(e));
    } finally {
      verifyButton.disabled = false;
    }
  }

  async function replay(cid) {
    if (replayAbort) replayAbort.abort();
    const mine = (replayAbort = new AbortController());
    disposePlayer();
    const screen = h('div', { class: 'player' });
    const close = h('button', { type: 'button', class: 'quiet small', onclick: closeReplay }, 'Close recording');
    fill(recording,
      h('div', { class: 'title' }, h('h2', {}, 'Recording ', h('code', {}, cid)), h('span', { class: 'spacer' }),
        h('a', { href: '/v1/audit/ttys/' + enc(cid), download: cid + '.cast' }, 'Download .cast'), close),
      h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…'), screen);
    recording.hidden = false;
    recording.focus();
    try {
      const [cast, { create }] = await Promise.all([
        api('/v1/audit/ttys/' + enc(cid), { signal: mine.signal }),
        import('asciinema-player'),
      ]);
      if (mine.signal.aborted) return;
      const text = typeof cast === 'string' ? cast : JSON.stringify(cast);
      recording.querySelector('p').textContent = 'Space plays and pauses; the arrow keys seek.';
      player = create({ data: text }, screen, { fit: 'both', idleTimeLimit: 2, autoPlay: true, controls: true,
        terminalFontSize: 'small' });
      // the player takes its keys (space, arrows) while its wrapper has the focus
      requestAnimationFrame(() => {
        const wrapper = screen.querySelector('.ap-wrapper');
        if (wrapper && recording.contains(document.activeElement)) wrapper.focus({ preventScroll: true });
      });
    } catch (e) {
      if (mine.signal.aborted) return;
      fill(recording.querySelector('p'), alertOf(e));
    }
  }

  function closeReplay() {
    if (replayAbort) replayAbort.abort();
    replayAbort = null;
    disposePlayer();
    fill(recording);
    recording.hidden = true;
  }

  function disposePlayer() {
    if (player) {
      try {
        player.dispose();
      } catch {
        // a player that never finished loading has nothing to let go of
      }
      player = null;
    }
  }

  return () => {
    gone.abort();
    if (searchAbort) searchAbort.abort();
    stopFollowing();
    if (replayAbort) replayAbort.abort();
    disposePlayer();
  };
}

/** The terminal of a tty.open / tty.exit event: its resource is tty/COMMAND_ID. */
function replayable(e) {
  if (e.action !== 'tty.exit' && e.action !== 'tty.open') return null;
  const m = /^tty\/(.+)$/.exec(e.resource || '');
  return m ? m[1] : null;
}

const STAMP = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  second: '2-digit', hourCycle: 'h23' });

/** Local and short ("Dec 3, 13:08:56"): the exact instant is in the cell's title. */
function stamp(iso) {
  return iso ? STAMP.format(new Date(iso)) : '—';
}

function outcomeClass(outcome) {
  if (outcome === 'ok') return 'ok';
  if (outcome === 'denied') return 'denied';
  return outcome && outcome.startsWith('error') ? 'error' : 'other';
}

/** One line of key=value, expandable to the whole JSON. */
function detailsOf(details) {
  const keys = details ? Object.keys(details) : [];
  if (keys.length === 0) return h('span', { class: 'muted' }, '—');
  const line = keys.map((k) => k + '=' + flat(details[k])).join(' · ');
  const short = line.length > 80 ? line.slice(0, 79) + '…' : line;
  return h('details', {}, h('summary', { class: 'mono small' }, short),
    h('pre', { class: 'small' }, JSON.stringify(details, null, 2)));
}

function flat(v) {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.map(flat).join(' ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function plural(n, word) {
  return (n ?? 0) + ' ' + word + (n === 1 ? '' : 's');
}

/** A time field as an ISO instant: ISO, a local date/time, or an age ("30m", "2h", "7d"). */
export function instant(text, name) {
  if (!text) return undefined;
  const age = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d)$/i.exec(text);
  if (age) {
    const unit = { s: 1, m: 60, min: 60, h: 3600, d: 86400 }[age[2].toLowerCase()];
    return new Date(Date.now() - Number(age[1]) * unit * 1000).toISOString();
  }
  const t = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(text) ? text.replace(' ', 'T') : text);
  if (Number.isNaN(t)) {
    throw new ApiError(400, 'invalid_field', `${name[0].toUpperCase() + name.slice(1)}: "${text}" is not a time `
      + '(an ISO instant such as 2026-12-01T10:00:00Z, a local date and time, or an age such as 2h)');
  }
  return new Date(t).toISOString();
}

/** The instant one nanosecond after an ISO instant (`until` is exclusive and events carry nanoseconds). */
export function nanoAfter(iso) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso || '');
  if (!m) return iso;
  const nanos = Number((m[2] || '').padEnd(9, '0')) + 1;
  if (nanos < 1e9) return m[1] + '.' + String(nanos).padStart(9, '0') + 'Z';
  return new Date(Date.parse(m[1] + 'Z') + 1000).toISOString().replace(/\.\d+Z$/, '.000000000Z');
}
