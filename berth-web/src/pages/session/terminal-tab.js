// The session page's Terminal tab: attach to a running tty or open one (what `berth exec --it` starts).
import { api, enc, ApiError } from '../../api.js';
import { h, fill, alertOf } from '../../dom.js';
import { relative } from '../../format.js';
import { createTerminal, copyText } from '../../terminal.js';
import { view } from './view.js';

const WORKSPACE = '/mnt/workspace';
const TTY_LIST_REFRESH_MS = 5000;

// ---- Terminal --------------------------------------------------------------------------------

export function terminalTab(panel, ctx, id, base) {
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
