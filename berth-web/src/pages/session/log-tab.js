// The session page's Log tab: its events and command output, live (`berth logs --follow`).
import { follow } from '../../api.js';
import { h, fill, alertOf } from '../../dom.js';
import { time } from '../../format.js';
import { view } from './view.js';

const LOG_MAX_LINES = 5000;

// ---- Log -------------------------------------------------------------------------------------

/** Escape sequences (CSI, OSC, DCS and the like, two-byte ones) and control bytes but tab, LF, CR. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CODES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

function base64Bytes(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function logTab(panel, base) {
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
