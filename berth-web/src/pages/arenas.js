// Arenas: the list of the caller's arenas (/arenas), and one arena's results (/arenas/ID): the
// table ranked as the winner is chosen, a chart, links to the HTML report and the agents' patches,
// live from /follow while it runs.
import { api, follow, enc } from '../api.js';
import { h, fill, alertOf } from '../dom.js';
import { duration, relative, time, usd } from '../format.js';
import { arenaChart, isOver } from '../arena-chart.js';

export function mount(el, ctx) {
  return ctx.params.id ? arena(el, ctx, ctx.params.id) : list(el);
}

function list(el) {
  const gone = new AbortController();
  const body = h('tbody', {});
  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const problem = h('div', {});
  fill(el, h('div', { class: 'title' }, h('h1', {}, 'Arenas')), problem,
    h('div', { class: 'scroll' }, h('table', { 'aria-label': 'Arenas', class: 'list' },
      h('thead', {}, h('tr', {}, ['Arena', 'State', 'Task', 'Agents', 'Winner', 'Owner', 'Created']
        .map((c) => h('th', { scope: 'col' }, c)))),
      body)),
    status,
    h('p', { class: 'muted small' }, 'Start one with ', h('code', {}, 'berth arena run'), '.'));

  let timer = null;
  let shown = null;
  async function load() {
    try {
      const arenas = await api('/v1/arenas', { signal: gone.signal });
      fill(problem);
      // polled while one runs: the rows (and the keyboard focus on their links) stay until they change
      const key = JSON.stringify(arenas.map((a) => [a.id, a.state, a.task, a.agents.length, a.winner, a.owner]));
      if (key !== shown) fill(body, arenas.map((a) => h('tr', { dataset: { arena: a.id } },
        h('th', { scope: 'row' }, h('a', { href: '/arenas/' + enc(a.id) }, a.id)),
        h('td', {}, stateBadge(a.state)),
        h('td', { class: 'excerpt', title: a.task }, excerpt(a.task, 90)),
        h('td', { class: 'num' }, String(a.agents.length)),
        h('td', {}, a.winner || (a.state === 'running' ? '…' : 'none')),
        h('td', {}, a.owner),
        h('td', { title: time(a.createdAt) }, relative(a.createdAt)))));
      shown = key;
      status.textContent = arenas.length === 0 ? 'No arenas yet.' : '';
      // running arenas change on their own: look again while any runs
      if (arenas.some((a) => a.state === 'running')) timer = setTimeout(load, 3000);
    } catch (e) {
      if (gone.signal.aborted) return;
      fill(problem, alertOf(e));
      status.textContent = '';
    }
  }
  load();
  return () => {
    gone.abort();
    clearTimeout(timer);
  };
}

function arena(el, ctx, id) {
  const gone = new AbortController();
  const mayAct = ctx.whoami.role !== 'auditor';
  // the parts that hold focusable things are made once and updated in place, so that progress
  // lines (up to ten a second) never take the keyboard focus away
  const heading = h('h1', { tabindex: '-1' }, 'Arena ', h('code', {}, id));
  const badge = h('span', {});
  const stopButton = h('button', { type: 'button', class: 'danger quiet', 'data-stop': '', hidden: true, onclick: stop }, 'Stop');
  const meta = h('p', { class: 'meta' });
  const verdict = h('p', {});
  const head = h('div', {}, h('div', { class: 'title' }, heading, badge, h('span', { class: 'spacer' }),
    h('a', { href: '/v1/arenas/' + enc(id) + '/report.html', target: '_blank', rel: 'noopener' }, 'HTML report'),
    stopButton), meta, verdict);
  const problem = h('div', {});
  const live = h('p', { class: 'muted small', 'aria-live': 'polite' });
  const body = h('tbody', {});
  const table = h('table', { 'aria-label': 'Results', class: 'list results' },
    h('thead', {}, h('tr', {}, ['Rank', 'Agent', 'Harness / model', 'State', 'Passed', 'Iterations', 'Time', 'Cost',
      'Tokens in / out', 'Model calls', 'Lines +/−', 'Patch', 'Detail'].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  const chart = h('figure', { class: 'chart' });
  const task = h('pre', { class: 'task' });
  fill(el, h('p', { class: 'small' }, h('a', { href: '/arenas' }, '← All arenas')), head, problem, live,
    h('div', { class: 'scroll' }, table), h('h2', {}, 'Side by side'), chart,
    h('details', { class: 'task' }, h('summary', {}, 'Task'), task));

  let current = null;
  let queued = false;
  const rows = new Map(); // agent name → { key, tr }: a row is made again only when its agent changed
  function show(a) {
    current = a;
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (!gone.signal.aborted) render(current);
    });
  }

  function render(a) {
    const running = a.state === 'running';
    badge.className = 'state ' + stateClass(a.state);
    badge.dataset.state = a.state;
    badge.textContent = a.state;
    if (!running && stopButton.contains(document.activeElement)) heading.focus(); // it is about to go
    stopButton.hidden = !(running && mayAct);
    fill(meta, 'From session ', h('code', {}, a.from), ' · check ', h('code', {}, a.check), ' · up to ',
      String(a.maxIterations), ' iterations, ', span(a.timeoutSeconds), a.budgetUsd != null
        ? ', ' + usd(Number(a.budgetUsd)) : '', ' per agent · started ',
      h('span', { title: time(a.createdAt) }, relative(a.createdAt)), ' by ', a.owner,
      a.finishedAt ? [' · ended ', h('span', { title: time(a.finishedAt) }, relative(a.finishedAt))] : null);
    verdict.className = a.winner ? 'winner' : 'muted';
    fill(verdict, a.winner ? ['Winner: ', h('strong', {}, a.winner)] : running ? 'Running: no winner yet.' : 'No agent passed.');

    const ranked = ranking(a.agents);
    const wanted = ranked.map(({ agent, rank }) => {
      const key = JSON.stringify([agent, rank, agent.name === a.winner]);
      let r = rows.get(agent.name);
      if (!r || r.key !== key) {
        const tr = row(a, agent, rank);
        if (r) r.tr.replaceWith(tr);
        r = { key, tr };
        rows.set(agent.name, r);
      }
      return r.tr;
    });
    const inPlace = wanted.length === body.children.length && wanted.every((tr, i) => body.children[i] === tr);
    if (!inPlace) fill(body, wanted);
    fill(chart, arenaChart(ranked.map((r) => r.agent), a.winner),
      h('figcaption', { class: 'muted small' }, 'Bars: wall time and cost per agent, each scaled to the largest; ',
        '✓ passed, ★ the winner.'));
    task.textContent = a.task;
  }

  function row(a, g, rank) {
    return h('tr', { dataset: { agent: g.name }, class: g.name === a.winner ? 'win' : null },
      h('td', { class: 'num' }, rank ? String(rank) : '—'),
      h('th', { scope: 'row' }, g.name, g.name === a.winner ? h('span', { class: 'badge' }, ' winner') : null),
      h('td', {}, g.harness, ' / ', g.model || 'default', g.runtime ? h('div', { class: 'muted small' }, g.runtime) : null),
      h('td', {}, h('span', { class: 'state ' + stateClass(g.state), 'data-state': g.state }, g.state)),
      h('td', {}, g.passed ? h('span', { class: 'pass' }, '✓ yes') : h('span', { class: 'muted' }, isOver(g) ? '✗ no' : '…')),
      h('td', { class: 'num' }, String(g.iterations)),
      h('td', { class: 'num' }, duration(g.wallMs)),
      h('td', { class: 'num' }, usd(Number(g.costUsd))),
      h('td', { class: 'num' }, count(g.inputTokens), ' / ', count(g.outputTokens)),
      h('td', { class: 'num' }, count(g.modelCalls)),
      h('td', { class: 'num' }, g.linesAdded == null ? '?' : '+' + g.linesAdded + ' −' + g.linesRemoved),
      h('td', {}, mayAct && isOver(g) && g.linesAdded != null
        ? h('a', { href: '/v1/arenas/' + enc(a.id) + '/agents/' + enc(g.name) + '/patch', download: a.id + '-' + g.name + '.patch',
          'aria-label': 'Patch ' + g.name }, 'patch') : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'detail', title: g.detail || '' }, g.detail || ''));
  }

  async function stop() {
    // aria-disabled, not disabled: a disabled button drops the keyboard focus to <body>
    if (stopButton.getAttribute('aria-disabled') === 'true') return;
    stopButton.setAttribute('aria-disabled', 'true');
    fill(problem);
    try {
      const a = await api('/v1/arenas/' + enc(id) + '/stop', { method: 'POST', signal: gone.signal });
      if (a && a.id) show(a);
    } catch (err) {
      if (gone.signal.aborted) return;
      if (err.code !== 'arena_over') fill(problem, alertOf(err));
    } finally {
      stopButton.removeAttribute('aria-disabled');
    }
  }

  /** Progress lines replace the arena until "done"; a stream cut short is picked up again. */
  function followArena() {
    let done = false;
    follow('/v1/arenas/' + enc(id) + '/follow', (line) => {
      if (line.type !== 'progress' && line.type !== 'done') return;
      show(line.arena);
      if (line.type === 'done') done = true;
    }, gone.signal, (state, err) => {
      if (state === 'live') live.textContent = 'Live: updated as the agents go.';
      else if (state === 'retrying') live.textContent = 'Reconnecting…';
      else {
        if (state === 'failed') fill(problem, alertOf(err));
        live.textContent = '';
      }
    }, { until: () => done || (current && current.state !== 'running') });
  }

  (async () => {
    try {
      const a = await api('/v1/arenas/' + enc(id), { signal: gone.signal });
      show(a);
      if (a.state === 'running') followArena();
    } catch (err) {
      if (gone.signal.aborted) return;
      fill(head, heading);
      fill(problem, alertOf(err), h('p', {}, h('a', { href: '/arenas' }, 'All arenas')));
    }
  })();

  return () => gone.abort();
}

/**
 * The report's order of merit: agents that passed by fewest iterations, then least wall time, then
 * lowest cost (then name), ranked 1…; the rest after them, unranked, in the arena's order.
 */
export function ranking(agents) {
  const passed = agents.filter((g) => g.passed).sort((x, y) => x.iterations - y.iterations
    || x.wallMs - y.wallMs || Number(x.costUsd) - Number(y.costUsd) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return [...passed.map((agent, i) => ({ agent, rank: i + 1 })),
    ...agents.filter((g) => !g.passed).map((agent) => ({ agent, rank: null }))];
}

function stateBadge(state) {
  return h('span', { class: 'state ' + stateClass(state), 'data-state': state }, state);
}

function stateClass(state) {
  return {
    passed: 'ok', finished: 'ok', running: 'live', starting: 'live', turn: 'live', checking: 'live',
    stopped: 'stopped', interrupted: 'stopped',
  }[state] || 'failed';
}

/** A limit in seconds as people write it: 30 min, 1 h 30 min, 45 s. */
function span(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return [hours && hours + ' h', minutes && minutes + ' min', rest && rest + ' s'].filter(Boolean).join(' ') || '0 s';
}

function excerpt(text, n) {
  const line = (text || '').replace(/\s+/g, ' ').trim();
  return line.length > n ? line.slice(0, n - 1) + '…' : line;
}

function count(n) {
  return n == null ? '—' : Number(n).toLocaleString();
}
