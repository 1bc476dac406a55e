// The session page's Files tab: /mnt/workspace, browsed and downloaded.
import { api, query, enc } from '../../api.js';
import { h, fill, alertOf } from '../../dom.js';
import { bytes, relative, time } from '../../format.js';
import { view } from './view.js';

const WORKSPACE = '/mnt/workspace';

// ---- Files -----------------------------------------------------------------------------------

export function filesTab(panel, id, base, asked) {
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
