// The session page's Usage tab: model tokens and cost through the gateway, and the budget.
import { api, query } from '../../api.js';
import { h, fill, alertOf } from '../../dom.js';
import { usd } from '../../format.js';
import { view } from './view.js';

const USAGE_REFRESH_MS = 5000;

// ---- Usage -----------------------------------------------------------------------------------

export function usageTab(panel, id, base) {
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
