// One session (/sessions/ID): what it is, then four tabs: a terminal (attach to a running tty or
// open one), its live log, the files of its workspace, and its model usage and budget. Tabs are
// made when first shown; the terminal and the log keep running while another tab is shown.
import { api, follow, query, enc, ApiError } from '../api.js';
import { h, fill, alertOf } from '../dom.js';
import { bytes, relative, time, usd } from '../format.js';
import { createTerminal, copyText } from '../terminal.js';

const WORKSPACE = '/mnt/workspace';
const SESSION_REFRESH_MS = 10000;
const TTY_LIST_REFRESH_MS = 5000;
const USAGE_REFRESH_MS = 5000;
const LOG_MAX_LINES = 5000;

export function mount(el, ctx) {
  const id = ctx.params.id;
  const base = '/v1/sessions/' + enc(id);
  const closers = [];
  const problem = h('div', {});
  const facts = h('div', { class: 'session-facts' });
  const state = h('span', { class: 'state', 'data-state': '' });
  fill(el, h('div', { class: 'title' }, h('h1', {}, 'Session ', h('code', {}, id)), state), problem, facts);

  const auditor = ctx.whoami && ctx.whoami.role === 'auditor';
  let shown = false;
  let gone = false;
  closers.push(() => {
    gone = true;
  });
  async function refresh() {
    try {
      // auditors may not read the session itself: asking would only put a denial in the audit trail
      if (auditor) throw new ApiError(404, 'session_not_found', 'not for auditors');
      const s = await api(base);
      if (gone) return;
      describe(s);
      fill(problem);
      if (!shown) {
        shown = true;
        el.append(tabs());
      }
    } catch (e) {
      if (gone) return;
      if (auditor && e.status === 404) {
        // auditors read a session's log and usage, not the session itself: its tabs say whether it exists
        fill(facts, h('p', { class: 'muted' }, 'Auditors see a session\'s log and usage, not its settings.'));
        if (!shown) {
          shown = true;
          el.append(tabs());
        }
        clearInterval(ticker);
        return;
      }
      fill(problem, alertOf(e));
    }
  }
  let ticker = null; // before the first refresh: an auditor's ends it at once
  refresh();
  if (!auditor) ticker = setInterval(refresh, SESSION_REFRESH_MS);
  closers.push(() => clearInterval(ticker));

  function describe(s) {
    state.className = 'state ' + s.state;
    state.dataset.state = s.state;
    state.textContent = s.state;
    state.title = s.stateReason || '';
    const limits = s.limits || {};
    const used = (n, max) => (n != null ? bytes(n) : '—') + (max ? ' of ' + bytes(max) : '');
    const when = (iso) => h('span', { title: time(iso) }, relative(iso));
    const rows = [
      ['Owner', s.owner],
      ['Runtime', s.runtime || 'none'],
      ['Created', when(s.createdAt)],
      ['Last activity', when(s.lastActivityAt)],
      ['Idle stop', s.state === 'running' ? when(s.idleStopAt) : '—'],
      ['Reclaimed', when(s.reclaimAt)],
      ['Memory', used(s.memoryUsedBytes, limits.memoryBytes)],
      ['Disk', used(s.diskUsedBytes, limits.diskBytes)],
      ['CPUs', limits.cpus != null ? String(limits.cpus) : 'no cap'],
      ['Processes', limits.pids != null ? 'up to ' + limits.pids : '—'],
      ['Shared with', s.sharedWith && s.sharedWith.length ? s.sharedWith.join(', ') : '—'],
    ];
    if (s.stateReason) rows.splice(1, 0, ['Reason', s.stateReason]);
    fill(facts, h('dl', {}, rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))));
  }

  function tabs() {
    const defs = [
      { key: 'terminal', label: 'Terminal', make: (p) => terminalTab(p, ctx, id, base) },
      { key: 'log', label: 'Log', make: (p) => logTab(p, base) },
      { key: 'files', label: 'Files', make: (p) => filesTab(p, id, base, ctx.query.get('path')) },
      { key: 'usage', label: 'Usage', make: (p) => usageTab(p, id, base) },
    ];
    const list = h('div', { role: 'tablist', 'aria-label': 'Session views', onkeydown: keys });
    const wrap = h('div', { class: 'session-tabs' }, list);
    for (const d of defs) {
      d.tab = h('button', { type: 'button', role: 'tab', id: 'tab-' + d.key, 'aria-controls': 'panel-' + d.key,
        'aria-selected': 'false', tabindex: '-1', onclick: () => select(d) }, d.label);
      // no aria-labelledby: the panel's own content carries the tab's name (aria-label "Terminal", "Log"),
      // and two elements of one name would make that name ambiguous
      d.panel = h('div', { role: 'tabpanel', id: 'panel-' + d.key, tabindex: '0', hidden: true });
      list.append(d.tab);
      wrap.append(d.panel);
    }
    closers.push(() => defs.forEach((d) => d.view && d.view.close()));
    let current = null;

    function select(d, focus = false) {
      if (current === d) return;
      if (current) {
        current.tab.setAttribute('aria-selected', 'false');
        current.tab.tabIndex = -1;
        current.panel.hidden = true;
        if (current.view) current.view.hide();
      }
      current = d;
      d.tab.setAttribute('aria-selected', 'true');
      d.tab.tabIndex = 0;
      d.panel.hidden = false;
      if (!d.view) d.view = d.make(d.panel);
      d.view.show();
      if (focus) d.tab.focus();
      const q = new URLSearchParams(location.search);
      if (d.key === 'terminal') q.delete('tab');
      else q.set('tab', d.key);
      if (d.key !== 'files') q.delete('path');
      const search = q.toString();
      history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
    }

    // arrow keys move between tabs (and show them); Home and End go to the first and the last
    function keys(e) {
      const i = defs.indexOf(current);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: defs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      select(defs[(to + defs.length) % defs.length], true);
    }

    select(defs.find((d) => d.key === ctx.query.get('tab')) || defs[auditor ? 1 : 0]); // auditors have no terminal
    return wrap;
  }

  return () => closers.forEach((c) => c());
}

/** A tab's life: show and hide as the user switches, close when the page goes. */
function view({ show = () => {}, hide = () => {}, close = () => {} } = {}) {
  return { show, hide, close };
}

// ---- Terminal --------------------------------------------------------------------------------

function terminalTab(panel, ctx, id, base) {
  if (ctx.whoami && ctx.whoami.role === 'auditor') {
    fill(panel, h('p', { class: 'note' }, 'Auditors do not type into sessions. Recorded terminals play in the ',
      h('a', { href: '/audit?session=' + enc(id) }, 'audit log'), ' (Replay on a tty.open or tty.exit event).'));
    return view();
  }
  const problem = h('div', {});
  const select = h('select', { id: 'tty-select', onchange: () => syncButtons() });
  const attachButton = h('button', { type: 'button', onclick: attachSelected }, 'Attach');
  const newButton = h('button', { type: 'button', onclick: newTerminal }, 'New terminal');
  const copyButton = h('button', { type: 'button', class: 'quiet', disabled: true, onclick: copyAll }, 'Copy all');
  const copied = h('span', { class: 'muted small', 'aria-live': 'polite' });
  const status = h('span', { class: 'tty-status', 'data-tty-status': '', 'aria-live': 'polite' });
  const box = h('div', { class: 'tty-box' }, h('p', { class: 'tty-empty' }, 'Open a new terminal, or attach to a running one.'));
  const screen = h('section', { class: 'tty-screen', 'aria-label': 'Terminal' }, box);
  screen.addEventListener('berth-leave-terminal', () => copyButton.focus());
  fill(panel,
    h('div', { class: 'tty-bar' },
      h('label', { for: 'tty-select' }, 'Terminal to attach'), select, attachButton, newButton,
      h('span', { class: 'spacer' }), status, copyButton, copied),
    problem, screen,
    h('p', { class: 'muted small' }, 'Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes, Ctrl+Shift+X leaves the ',
      'terminal for the page. Leaving the page or attaching elsewhere leaves the program running.'));

  let tty = null;
  let ttys = new Map(); // running terminal commands by id
  let attached = null;
  let timer = null;
  let closed = false;

  async function refreshList() {
    try {
      const all = await api(base + '/commands');
      if (closed) return;
      ttys = new Map(all.filter((c) => c.tty && !c.exit && c.state === 'running').reverse().map((c) => [c.id, c]));
      const keep = select.value || attached;
      const options = [...ttys.values()].map((c) => h('option', { value: c.id },
        c.id + ' · ' + (c.argv || []).join(' ') + ' · started ' + relative(c.startedAt)));
      if (options.length === 0) options.push(h('option', { value: '', disabled: true }, 'no running terminals'));
      fill(select, options);
      if (keep && ttys.has(keep)) select.value = keep;
      else if (ttys.size) select.value = ttys.keys().next().value;
      else select.value = '';
      syncButtons();
    } catch (e) {
      if (!closed) fill(problem, alertOf(e));
    }
  }

  function syncButtons() {
    attachButton.disabled = !select.value || (select.value === attached && tty && tty.state !== 'closed'
      && !tty.state.startsWith('exited'));
  }

  function closeTerminal() {
    if (tty) tty.dispose();
    tty = null;
    attached = null;
    status.textContent = '';
    copyButton.disabled = true;
  }

  function openTerminal() {
    closeTerminal();
    const host = h('div', { class: 'tty-host' });
    fill(box, host);
    tty = createTerminal(host, {
      onState: (s) => {
        status.textContent = s;
        status.dataset.state = s.split(' ')[0];
        syncButtons();
        if (s.startsWith('exited')) refreshList();
      },
      onProblem: (e) => fill(problem, alertOf(e)),
      probe: () => probe(attached),
    });
    copyButton.disabled = false;
    return tty;
  }

  /** Asked when a socket is refused: whether the program ended, or the refusal will stay. */
  async function probe(cid) {
    try {
      const c = await api(base + '/commands/' + enc(cid));
      return c.state === 'running' ? null : { ended: true, exit: c.exit };
    } catch (e) {
      const lasting = e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429;
      return lasting ? { error: e } : null;
    }
  }

  function attach(cid) {
    fill(problem);
    const c = ttys.get(cid);
    const t = openTerminal();
    attached = cid;
    t.connect(id, cid, c ? c.firstOffset : 0, c ? c.endOffset : 0);
    t.focus();
    syncButtons();
  }

  function attachSelected() {
    if (select.value) attach(select.value);
  }

  async function newTerminal() {
    fill(problem);
    newButton.disabled = true;
    const t = openTerminal();
    const size = t.size();
    try {
      // what `berth exec --it` starts: a login bash in the workspace, on a terminal of this size
      const c = await api(base + '/commands', { method: 'POST', body: {
        argv: ['/bin/bash', '-l'], cwd: WORKSPACE, env: { TERM: 'xterm-256color', COLORTERM: 'truecolor' },
        tty: { rows: size.rows, cols: size.cols }, detach: true } });
      if (closed || tty !== t) return;
      attached = c.id;
      ttys.set(c.id, c);
      t.connect(id, c.id, 0);
      t.focus();
      await refreshList();
      select.value = c.id;
      syncButtons();
    } catch (e) {
      if (tty === t) closeTerminal();
      fill(box, h('p', { class: 'tty-empty' }, 'Open a new terminal, or attach to a running one.'));
      fill(problem, alertOf(e));
    } finally {
      newButton.disabled = false;
    }
  }

  async function copyAll() {
    if (!tty) return;
    const ok = await copyText(tty.text());
    copied.textContent = ok ? 'Copied' : 'Copying was refused';
    setTimeout(() => {
      copied.textContent = '';
    }, 2000);
  }

  let wanted = ctx.query.get('tty'); // a deep link to one terminal: /sessions/ID?tty=c-…
  return view({
    show() {
      refreshList().then(() => {
        if (wanted && ttys.has(wanted)) attach(wanted);
        wanted = null;
      });
      timer = setInterval(refreshList, TTY_LIST_REFRESH_MS);
    },
    hide() {
      clearInterval(timer);
    },
    close() {
      closed = true;
      clearInterval(timer);
      closeTerminal();
    },
  });
}

// ---- Log -------------------------------------------------------------------------------------

/** Escape sequences (CSI, OSC, DCS and the like, two-byte ones) and control bytes but tab, LF, CR. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CODES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

function base64Bytes(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function logTab(panel, base) {
  const problem = h('div', {});
  const dropped = h('p', { class: 'muted small', hidden: true }, 'Only the last ' + LOG_MAX_LINES + ' lines are shown.');
  const box = h('div', { class: 'log', role: 'log', 'aria-label': 'Log', tabindex: '0' });
  const status = h('p', { class: 'muted small', 'aria-live': 'polite' }, 'Loading…');
  fill(panel, problem, dropped, box, status);

  const abort = new AbortController();
  const encoder = new TextEncoder();
  const held = new Map(); // command → the next output byte not yet shown (a reconnect replays from the start)
  const decoders = new Map();
  let lastSeq = -Infinity;
  const openLines = new Map(); // command → its last output line while no newline ended it (streams interleave)
  let started = false;
  let quiet = true;

  function start() {
    started = true;
    follow(base + '/logs?follow=true', (line) => {
      if (line.type === 'event') event(line.event);
      else if (line.type === 'output') output(line);
      else return;
      if (quiet) {
        quiet = false;
        status.textContent = '';
      }
    }, abort.signal, (s, error) => {
      if (s === 'failed') fill(problem, alertOf(error));
      else if (s === 'retrying') status.textContent = 'Reconnecting…';
      else if (s === 'live') status.textContent = quiet ? 'Nothing logged yet.' : '';
    });
  }

  function event(e) {
    if (e.seq <= lastSeq) return; // seen before the stream was re-read
    lastSeq = e.seq;
    const details = e.details || {};
    const extra = details.argv ? details.argv.join(' ')
      : details.exit !== undefined ? 'exit ' + details.exit
        : details.signal !== undefined ? 'signal ' + details.signal : '';
    add(h('div', { class: 'ev ' + (e.outcome === 'ok' ? 'ok' : 'bad') },
      h('time', { datetime: e.time, title: time(e.time) }, new Date(e.time).toLocaleTimeString()),
      h('span', { class: 'who' }, e.principal),
      h('span', { class: 'act' }, e.action),
      h('span', { class: 'res' }, e.resource || ''),
      h('span', { class: 'out' }, e.outcome),
      extra ? h('span', { class: 'extra' }, extra) : null));
  }

  function output(o) {
    const have = held.get(o.command) || 0;
    let data = o.base64 !== undefined ? base64Bytes(o.base64) : null;
    const length = data ? data.length : encoder.encode(o.text).length;
    if (o.offset + length <= have) return; // shown already
    let text;
    if (o.offset < have || data) {
      data = data || encoder.encode(o.text);
      const fresh = o.offset < have ? data.subarray(have - o.offset) : data;
      if (!decoders.has(o.command)) decoders.set(o.command, new TextDecoder());
      text = decoders.get(o.command).decode(fresh, { stream: true });
    } else {
      text = o.text;
    }
    held.set(o.command, o.offset + length);
    const parts = text.replace(/\r\n/g, '\n').replace(TERMINAL_CODES, '').split('\n');
    parts.forEach((part, i) => {
      if (i > 0) openLines.delete(o.command); // a newline ended it
      if (part === '' && i === parts.length - 1 && i > 0) return; // the next bytes start a line of their own
      let line = openLines.get(o.command);
      if (!line || !line.isConnected) {
        line = add(h('div', { class: 'line', title: o.command + ' ' + o.stream }, ''));
        openLines.set(o.command, line);
      }
      const cr = part.lastIndexOf('\r'); // a carriage return rewrites the line (progress bars)
      if (cr >= 0) line.textContent = part.slice(cr + 1);
      else line.textContent += part;
      if (o.stream === 'stderr') line.classList.add('stderr');
    });
  }

  let stick = true;
  let queued = false;
  function add(node) {
    if (!queued) {
      stick = box.clientHeight === 0 || box.scrollHeight - box.scrollTop - box.clientHeight < 32;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        if (stick) box.scrollTop = box.scrollHeight;
      });
    }
    box.append(node);
    while (box.childElementCount > LOG_MAX_LINES) {
      box.firstChild.remove();
      dropped.hidden = false;
    }
    return node;
  }

  return view({
    show() {
      if (!started) start();
      if (stick) requestAnimationFrame(() => {
        box.scrollTop = box.scrollHeight;
      });
    },
    close() {
      abort.abort();
    },
  });
}

// ---- Files -----------------------------------------------------------------------------------

function filesTab(panel, id, base, asked) {
  const crumbs = h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' });
  const problem = h('div', {});
  const body = h('tbody', {});
  const status = h('p', { class: 'muted small', 'aria-live': 'polite' });
  const table = h('table', { 'aria-label': 'Files', class: 'list' },
    h('thead', {}, h('tr', {}, ['Name', 'Type', 'Size', 'Modified', ''].map((c) => h('th', { scope: 'col', class: c === 'Size' ? 'num' : null }, c)))),
    body);
  fill(panel, crumbs, problem, h('div', { class: 'scroll' }, table), status);

  let path = asked && (asked === WORKSPACE || asked.startsWith(WORKSPACE + '/')) ? asked : WORKSPACE;
  let loading = null;
  const fileUrl = (p) => base + '/files' + query({ path: p });
  const join = (dir, name) => dir.replace(/\/+$/, '') + '/' + name;

  /** A link that opens a directory in this tab (without the router, which would remount the page). */
  function dirLink(p, text, attrs = {}) {
    return h('a', { href: pageUrl(p), ...attrs, onclick: (e) => {
      e.preventDefault();
      open(p);
    } }, text);
  }

  function pageUrl(p) {
    return '/sessions/' + enc(id) + '?tab=files' + (p === WORKSPACE ? '' : '&path=' + enc(p));
  }

  function breadcrumb(p) {
    const parts = p.slice(WORKSPACE.length).split('/').filter(Boolean);
    const items = [];
    let at = WORKSPACE;
    items.push([WORKSPACE, WORKSPACE]);
    for (const part of parts) {
      at = join(at, part);
      items.push([at, part]);
    }
    fill(crumbs, h('ol', {}, items.map(([to, name], i) => h('li', {},
      i === items.length - 1 ? h('span', { 'aria-current': 'page' }, name) : dirLink(to, name)))));
  }

  async function open(p) {
    if (loading) loading.abort();
    const mine = new AbortController();
    loading = mine;
    status.textContent = 'Loading…';
    fill(problem);
    try {
      const listing = await api(fileUrl(p), { signal: mine.signal });
      if (mine.signal.aborted) return;
      if (!listing || !Array.isArray(listing.entries)) { // a file (a link to one): offer it
        const name = p.slice(p.lastIndexOf('/') + 1);
        fill(problem, h('p', {}, name + ' is a file: ',
          h('a', { href: fileUrl(p), download: name, 'aria-label': 'Download ' + name }, 'download it')));
        status.textContent = '';
        return;
      }
      path = listing.path || p;
      breadcrumb(path);
      fill(body, listing.entries.map((f) => row(f)));
      status.textContent = listing.entries.length ? '' : 'This directory is empty.';
      if (location.pathname === '/sessions/' + id) history.replaceState(null, '', pageUrl(path));
    } catch (e) {
      if (mine.signal.aborted) return;
      status.textContent = '';
      breadcrumb(p);
      fill(body);
      fill(problem, alertOf(e));
    }
  }

  function row(f) {
    const p = join(path, f.name);
    const opens = f.type === 'dir' || f.type === 'link';
    const downloads = f.type === 'file' || f.type === 'link';
    return h('tr', { dataset: { file: f.name } },
      h('th', { scope: 'row' }, opens ? dirLink(p, f.name) : f.name),
      h('td', {}, f.type),
      h('td', { class: 'num' }, f.type === 'dir' ? '' : bytes(f.size)),
      h('td', { title: time(f.modifiedAt) }, relative(f.modifiedAt)),
      h('td', { class: 'download' }, downloads
        ? h('a', { href: fileUrl(p), download: f.name, 'aria-label': 'Download ' + f.name }, 'Download') : null));
  }

  let loaded = false;
  return view({
    show() {
      if (!loaded) {
        loaded = true;
        open(path);
      } else if (location.pathname === '/sessions/' + id) {
        history.replaceState(null, '', pageUrl(path));
      }
    },
    close() {
      if (loading) loading.abort();
    },
  });
}

// ---- Usage -----------------------------------------------------------------------------------

function usageTab(panel, id, base) {
  const problem = h('div', {});
  const budget = h('div', { class: 'budget' });
  const body = h('tbody', {});
  const foot = h('tfoot', {});
  const status = h('p', { class: 'muted small', 'aria-live': 'polite' }, 'Loading…');
  const columns = ['Provider', 'Model', 'Agent', 'Calls', 'Input tokens', 'Output tokens', 'Cache read', 'Cache write', 'Cost'];
  const table = h('table', { 'aria-label': 'Usage', class: 'list' },
    h('thead', {}, h('tr', {}, columns.map((c, i) => h('th', { scope: 'col', class: i >= 3 ? 'num' : null }, c)))), body, foot);
  fill(panel, problem, h('h2', {}, 'Budget'), budget, h('h2', {}, 'Model calls'), h('div', { class: 'scroll' }, table), status);

  let timer = null;
  let busy = false;
  let abort = new AbortController();
  const n = (v) => (v == null ? '—' : Number(v).toLocaleString());

  function cells(l) {
    return [n(l.calls), n(l.inputTokens), n(l.outputTokens), n(l.cacheReadTokens), n(l.cacheWriteTokens), usd(l.costUsd)]
      .map((v) => h('td', { class: 'num' }, v));
  }

  async function load() {
    if (busy) return;
    busy = true;
    const signal = abort.signal;
    const [usage, b] = await Promise.allSettled([
      api('/v1/usage' + query({ session: id }), { signal }),
      api(base + '/budget', { signal }),
    ]);
    busy = false;
    if (signal.aborted) return;
    if (usage.status === 'fulfilled') {
      const lines = usage.value.lines || [];
      const total = usage.value.total;
      fill(body, lines.map((l) => h('tr', {},
        h('td', {}, l.provider), h('td', {}, l.model), h('td', {}, l.agent || '—'), ...cells(l))));
      fill(foot, total ? h('tr', {}, h('th', { scope: 'row', colspan: '3' }, 'Total'), ...cells(total)) : null);
      status.textContent = lines.length ? '' : 'No model calls yet.';
    } else {
      status.textContent = '';
    }
    if (b.status === 'fulfilled') showBudget(b.value);
    fill(problem, [usage, b].filter((r) => r.status === 'rejected').map((r) => alertOf(r.reason)));
  }

  function showBudget(b) {
    const limit = (v, f) => (v == null ? 'none' : f(v));
    fill(budget, h('dl', {},
      h('div', {}, h('dt', {}, 'Token limit'), h('dd', {}, limit(b.tokens, n))),
      h('div', {}, h('dt', {}, 'Spending limit'), h('dd', {}, limit(b.usd, usd))),
      h('div', {}, h('dt', {}, 'Tokens spent'), h('dd', {}, n(b.spentTokens))),
      h('div', {}, h('dt', {}, 'Spent'), h('dd', {}, usd(b.spentUsd))),
      h('div', {}, h('dt', {}, 'Exhausted'), h('dd', { class: b.exhausted ? 'bad' : '' }, b.exhausted ? 'yes' : 'no'))));
  }

  return view({
    show() {
      abort = new AbortController();
      load();
      timer = setInterval(load, USAGE_REFRESH_MS);
    },
    hide() {
      clearInterval(timer);
      abort.abort();
    },
    close() {
      clearInterval(timer);
      abort.abort();
    },
  });
}
