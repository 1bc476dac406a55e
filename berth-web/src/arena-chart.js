// An arena's agents side by side as one inline SVG: per agent a bar of wall time and a bar of cost,
// each scaled to the largest; passing agents marked ✓ (the winner ★) in green, the others that are
// over dimmed. The picture is
// for the eye; its <desc> says the same in words.
import { duration, usd } from './format.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 760;
const NAME_W = 150;
const GAP = 24;
const BAR_W = (W - NAME_W - GAP * 2) / 2 - 70; // room for the value after each bar
const ROW = 34;
const TOP = 34;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The chart of `agents` (in the order given), `winner` their winner's name or null. */
export function arenaChart(agents, winner) {
  const height = TOP + ROW * Math.max(agents.length, 1) + 8;
  const maxMs = Math.max(0, ...agents.map((a) => a.wallMs || 0));
  const maxCost = Math.max(0, ...agents.map((a) => Number(a.costUsd) || 0));
  const timeX = NAME_W;
  const costX = NAME_W + BAR_W + 70 + GAP;
  const words = agents.map((a) => `${a.name}${a.name === winner ? ' (winner)' : ''}: ${a.state}, `
    + `${a.iterations} iteration${a.iterations === 1 ? '' : 's'}, ${duration(a.wallMs)}, ${usd(Number(a.costUsd))}`);

  const svg = s('svg', { role: 'img', 'aria-label': 'Chart', 'aria-describedby': 'arena-chart-desc',
    viewBox: `0 0 ${W} ${height}`, width: W, height, class: 'arena-chart', preserveAspectRatio: 'xMinYMin meet' },
  s('title', {}, 'Wall time and cost per agent'),
  s('desc', { id: 'arena-chart-desc' }, words.length ? words.join('; ') + '.' : 'No agents.'),
  s('rect', { x: timeX, y: 6, width: 12, height: 12, rx: 2, class: 'time' }),
  s('text', { x: timeX + 18, y: 16, class: 'head' }, 'Wall time'),
  s('rect', { x: costX, y: 6, width: 12, height: 12, rx: 2, class: 'cost' }),
  s('text', { x: costX + 18, y: 16, class: 'head' }, 'Cost (USD)'),
  s('line', { x1: timeX, x2: timeX, y1: TOP - 8, y2: height - 4, class: 'axis' }),
  s('line', { x1: costX, x2: costX, y1: TOP - 8, y2: height - 4, class: 'axis' }));

  agents.forEach((a, i) => {
    const y = TOP + i * ROW;
    const kind = a.passed ? 'pass' : isOver(a) ? 'fail' : 'live';
    const tw = maxMs > 0 ? Math.max(1, Math.round(BAR_W * (a.wallMs || 0) / maxMs)) : 1;
    const cw = maxCost > 0 ? Math.max(1, Math.round(BAR_W * (Number(a.costUsd) || 0) / maxCost)) : 1;
    const mark = a.name === winner ? '★ ' : a.passed ? '✓ ' : '';
    svg.append(s('g', { class: 'bar ' + kind, 'data-bar': a.name },
      s('title', {}, words[i]),
      s('text', { x: NAME_W - 8, y: y + 16, 'text-anchor': 'end', class: 'name' }, mark + a.name),
      s('text', { x: NAME_W - 8, y: y + 28, 'text-anchor': 'end', class: 'sub' }, a.state),
      s('rect', { x: timeX, y: y + 4, width: tw, height: 18, rx: 2, class: 'time' }),
      s('text', { x: timeX + tw + 6, y: y + 18, class: 'value' }, duration(a.wallMs)),
      s('rect', { x: costX, y: y + 4, width: cw, height: 18, rx: 2, class: 'cost' }),
      s('text', { x: costX + cw + 6, y: y + 18, class: 'value' }, usd(Number(a.costUsd)))));
  });
  return svg;
}

export function isOver(agent) {
  return !['starting', 'turn', 'checking'].includes(agent.state);
}
