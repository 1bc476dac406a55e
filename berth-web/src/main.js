// The shell: who is signed in, the navigation, and which page a path shows. Pages are modules with
// mount(el, ctx) → unmount(); the heavy ones (terminal, player) load when first shown.
import '@xterm/xterm/css/xterm.css';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import './styles.css';
import { api, whenSignedOut } from './api.js';
import { h, fill } from './dom.js';
import * as login from './pages/login.js';
import * as sessions from './pages/sessions.js';

const routes = [
  { path: /^\/login$/, page: async () => login, open: true },
  { path: /^\/$/, page: async () => sessions, title: 'Sessions' },
  { path: /^\/sessions\/([a-z0-9][a-z0-9-]{0,62})$/, page: () => import('./pages/session.js'), names: ['id'], title: 'Session' },
  { path: /^\/audit$/, page: () => import('./pages/audit.js'), title: 'Audit' },
  { path: /^\/arenas$/, page: () => import('./pages/arenas.js'), title: 'Arenas' },
  { path: /^\/arenas\/([A-Za-z0-9_-]+)$/, page: () => import('./pages/arenas.js'), names: ['id'], title: 'Arena' },
];

const app = document.getElementById('app');
let whoami = null;
let unmount = null;
let generation = 0;

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  show();
}

function signIn(next) {
  whoami = null;
  const target = next && next !== '/login' ? '/login?next=' + encodeURIComponent(next) : '/login';
  navigate(target, { replace: true });
}

whenSignedOut(() => {
  if (location.pathname !== '/login') signIn(location.pathname + location.search);
});

function shell(main) {
  const link = (to, text) => h('a', { href: to, 'aria-current': current(to) ? 'page' : null }, text);
  return [
    h('header', { class: 'top' },
      h('a', { href: '/', class: 'brand', 'aria-label': 'Berth home' }, 'berth'),
      h('nav', { 'aria-label': 'Main' },
        whoami.role !== 'auditor' ? link('/', 'Sessions') : null,
        whoami.role === 'auditor' || whoami.role === 'admin' ? link('/audit', 'Audit') : null,
        link('/arenas', 'Arenas')),
      h('span', { class: 'spacer' }),
      h('span', { 'data-whoami': '', class: 'who' }, whoami.user, ' ', h('span', { class: 'role' }, whoami.role)),
      h('button', { type: 'button', class: 'quiet', onclick: logout }, 'Log out')),
    main,
  ];
}

function current(to) {
  const p = location.pathname;
  return to === '/' ? p === '/' || p.startsWith('/sessions/') : p.startsWith(to);
}

async function logout() {
  try {
    await api('/v1/web/logout', { method: 'POST' });
  } finally {
    signIn();
  }
}

async function show() {
  const mine = ++generation;
  if (unmount) {
    unmount();
    unmount = null;
  }
  const route = routes.find((r) => r.path.test(location.pathname));
  if (!route) {
    fill(app, h('main', { id: 'page' }, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/' }, 'Sessions'))));
    return;
  }
  if (!route.open && !whoami) {
    try {
      whoami = await api('/v1/whoami');
    } catch (e) {
      if (e.status !== 401) fill(app, h('main', { id: 'page' }, h('p', { role: 'alert' }, e.message)));
      return; // a 401 has sent us to the sign-in page
    }
    if (mine !== generation) return;
  }
  if (location.pathname === '/' && whoami && whoami.role === 'auditor') {
    navigate('/audit', { replace: true });
    return;
  }
  const match = location.pathname.match(route.path);
  const params = Object.fromEntries((route.names || []).map((n, i) => [n, decodeURIComponent(match[i + 1])]));
  const page = await route.page();
  if (mine !== generation) return;
  const main = h('main', { id: 'page' });
  fill(app, ...(route.open ? [main] : shell(main)));
  document.title = (route.title ? route.title + (params.id ? ' ' + params.id : '') + ' · ' : '') + 'Berth';
  const ctx = {
    whoami,
    params,
    query: new URLSearchParams(location.search),
    navigate,
    signedIn: (who) => {
      whoami = who;
    },
  };
  unmount = page.mount(main, ctx) || null;
}

// same-origin links change the page without a reload
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.origin !== location.origin || a.hasAttribute('download') || a.target || a.pathname.startsWith('/v1/')) return;
  e.preventDefault();
  if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search);
});
window.addEventListener('popstate', show);
show();
