// One session (/sessions/ID): what it is, then four tabs: a terminal (attach to a running tty or
// open one), its live log, the files of its workspace, and its model usage and budget. Tabs are
// made when first shown; the terminal and the log keep running while another tab is shown.
import { api, enc, ApiError } from '../api.js';
import { h, fill, alertOf } from '../dom.js';
import { bytes, relative, time } from '../format.js';
import { terminalTab } from './session/terminal-tab.js';
import { logTab } from './session/log-tab.js';
import { filesTab } from './session/files-tab.js';
import { usageTab } from './session/usage-tab.js';

const SESSION_REFRESH_MS = 10000;

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
