// The browser's end of a session terminal (docs/api.md, "Terminal sockets"), with the semantics of
// `berth exec --it`: output is kept by absolute offset, so a reconnect resumes with no byte lost or
// shown twice; typing is kept until the server acknowledges it, so a reconnect sends it once, in
// order; a connection that carries nothing for 4 s is taken for dead and replaced.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';

/** The client pings this often (a text frame: a browser cannot send WebSocket pings)... */
const PING_EVERY_MS = 1000;
/** How often the silence is looked at. */
const CHECK_EVERY_MS = 250;
/** ...and the server answers at once, so a ping unanswered this long means a dead connection. */
const SILENCE_LIMIT_MS = 4000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 2000;
/** The largest input frame sent (the server takes up to 1 MiB; berth sends 64 KiB too). */
const INPUT_FRAME_BYTES = 64 * 1024;
const SCROLLBACK_LINES = 10000;
/** Close codes of ours, so that a close we asked for is not taken for an outage. */
const CLOSE_DEAD = 4000;
const CLOSE_DONE = 1000;

const encoder = new TextEncoder();
/**
 * What xterm answers to a program's queries (device attributes, cursor position, status, colours).
 * Replayed history repeats old queries; their answers would be typed into whatever runs now.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_REPORT = /^\x1b(?:\[[?>]?[\d;]*[cRnt]|\][\d;]*[^\x07\x1b]*(?:\x07|\x1b\\))$/;

/** Ids the server accepts ([A-Za-z0-9_-]); crypto.randomUUID needs a secure context, this does not. */
function clientId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'web-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function socketUrl(session, command, client, offset) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/v1/sessions/${encodeURIComponent(session)}/commands/${encodeURIComponent(command)}`
    + `/tty?client=${encodeURIComponent(client)}&offset=${offset}`;
}

/** The conventional status: the exit code, or 128 + the signal that ended the program. */
export function exitStatus(exit) {
  if (!exit) return '?';
  if (exit.code !== null && exit.code !== undefined) return exit.code;
  return exit.signal !== null && exit.signal !== undefined ? 128 + exit.signal : 255;
}

/** Typed bytes not yet acknowledged, and the counts that say which of them the server has. */
class InputLedger {
  constructor() {
    this.unacked = []; // Uint8Array chunks, oldest first
    this.typedTotal = 0;
    this.unackedBytes = 0;
    /** Our count of typed bytes where the server's count is 0 (it starts again if the server restarts). */
    this.serverBase = 0;
  }

  add(bytes) {
    this.unacked.push(bytes);
    this.typedTotal += bytes.length;
    this.unackedBytes += bytes.length;
  }

  /** The server's count of this client's input reached `total`: those bytes are typed, let them go. */
  acked(total) {
    const absolute = total + this.serverBase;
    let from = this.typedTotal - this.unackedBytes;
    while (this.unacked.length && from + this.unacked[0].length <= absolute) {
      const b = this.unacked.shift();
      from += b.length;
      this.unackedBytes -= b.length;
    }
    if (this.unacked.length && absolute > from) { // a chunk split across the count
      const cut = absolute - from;
      this.unacked[0] = this.unacked[0].subarray(cut);
      this.unackedBytes -= cut;
    }
  }

  /** A new connection's hello: `accepted` of our bytes arrived; what follows them is to be sent again. */
  hello(accepted) {
    const delivered = this.typedTotal - this.unackedBytes;
    if (accepted + this.serverBase < delivered) {
      this.serverBase = delivered - accepted; // the server forgot our count (it restarted): count from here
    }
    this.acked(accepted);
    return this.unacked;
  }
}

/**
 * A terminal in `container`: call size() for the rows and columns it fits, then connect() to a
 * session's tty command. onState(text) gets `connecting`, `connected`, `reconnecting`, `exited N`
 * or `closed`; onProblem(error) an ApiError-like {code, message} when attaching cannot go on.
 * probe() is asked when a socket closes before its hello (a refused upgrade shows no reason to a
 * page): it resolves to {ended: true, exit} for a program that ended, {error} for a refusal no
 * retry changes, or null to keep trying.
 */
export function createTerminal(container, { onState = () => {}, onProblem = () => {}, probe } = {}) {
  const term = new Terminal({
    scrollback: SCROLLBACK_LINES,
    cursorBlink: true,
    fontSize: 14,
    fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
    allowProposedApi: false,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(container);

  const ledger = new InputLedger();
  const client = clientId();
  let session = null;
  let command = null;
  let offset = 0; // the next output byte wanted
  let replayUntil = 0; // output before this offset had been printed before we attached
  let replaying = 0; // replayed chunks xterm has not parsed yet
  let ws = null;
  let live = false; // hello seen on ws: input may go out
  let state = 'connecting';
  let finished = false; // exited, closed by the page, or refused for good
  let backoff = BACKOFF_FIRST_MS;
  let heardAt = 0; // when the last frame came (or the connection began)
  let pingedAt = 0;
  let unansweredSince = null; // when the oldest ping no frame has followed went out
  let reconnectTimer = null;
  let sentSize = null;
  let greetedSocket = null; // the socket whose hello came (one that closes before its hello may have been refused)

  function setState(s) {
    state = s;
    onState(s);
  }

  function notice(text) {
    term.write('\r\n\x1b[2m[berth: ' + text + ']\x1b[22m\r\n');
  }

  function sendInput(bytes) {
    for (let i = 0; i < bytes.length; i += INPUT_FRAME_BYTES) {
      ws.send(bytes.subarray(i, i + INPUT_FRAME_BYTES));
    }
  }

  function type(bytes) {
    if (finished || bytes.length === 0) return;
    ledger.add(bytes);
    if (live && ws.readyState === WebSocket.OPEN) sendInput(bytes);
  }

  term.onData((s) => {
    if (replaying > 0 && TERMINAL_REPORT.test(s)) return; // an answer to a query of the past
    type(encoder.encode(s));
  });
  term.onBinary((s) => type(Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff)));

  function sendResize() {
    if (!live || ws.readyState !== WebSocket.OPEN) return;
    const size = term.rows + 'x' + term.cols;
    if (size === sentSize) return;
    sentSize = size;
    ws.send(JSON.stringify({ type: 'resize', rows: term.rows, cols: term.cols }));
  }
  term.onResize(sendResize);

  /** A full-screen program repaints on two size changes (SIGWINCH), back to the real size. */
  function redraw() {
    if (!live || term.cols < 2) return;
    ws.send(JSON.stringify({ type: 'resize', rows: term.rows, cols: term.cols - 1 }));
    ws.send(JSON.stringify({ type: 'resize', rows: term.rows, cols: term.cols }));
  }

  // Ctrl+Shift+C copies the selection, Ctrl+Shift+V is left to the browser (its paste event reaches
  // xterm), Ctrl+Shift+X leaves the terminal for the keyboard (Tab is the program's).
  term.attachCustomKeyEventHandler((e) => {
    if (!(e.ctrlKey && e.shiftKey && !e.altKey && !e.metaKey)) return true;
    if (e.code === 'KeyC') {
      if (e.type === 'keydown' && term.hasSelection()) copyText(term.getSelection());
      e.preventDefault();
      return false;
    }
    if (e.code === 'KeyV') return false;
    if (e.code === 'KeyX') {
      if (e.type === 'keydown') {
        e.preventDefault();
        term.blur();
        container.dispatchEvent(new CustomEvent('berth-leave-terminal', { bubbles: true }));
      }
      return false;
    }
    return true;
  });

  // fit to the container whenever it changes size, but not while it is hidden (that would be 1 row)
  let fitQueued = false;
  const observer = new ResizeObserver(() => {
    if (fitQueued) return;
    fitQueued = true;
    requestAnimationFrame(() => {
      fitQueued = false;
      refit();
    });
  });
  observer.observe(container);

  function refit() {
    if (container.clientWidth > 0 && container.clientHeight > 0) fit.fit();
  }

  function connect() {
    reconnectTimer = null;
    if (finished) return;
    const socket = new WebSocket(socketUrl(session, command, client, offset));
    socket.binaryType = 'arraybuffer';
    ws = socket;
    live = false;
    sentSize = null;
    heardAt = Date.now();
    unansweredSince = null;
    socket.onmessage = (m) => {
      if (socket !== ws) return;
      heardAt = Date.now();
      unansweredSince = null;
      if (m.data instanceof ArrayBuffer) {
        output(m.data);
        return;
      }
      let f;
      try {
        f = JSON.parse(m.data);
      } catch {
        return;
      }
      switch (f.type) {
        case 'hello':
          greetedSocket = socket;
          hello(f);
          break;
        case 'ack':
          ledger.acked(f.input);
          break;
        case 'trimmed':
          if (f.to > offset) {
            notice((f.to - Math.max(f.from, offset)) + ' bytes of output were trimmed before they reached this terminal');
            offset = f.to;
            redraw();
          }
          break;
        case 'exit':
          exited(f);
          break;
        case 'error':
          // unknown_frame: a server older than the ping frame answers pings so (which shows it alive)
          if (f.code !== 'unknown_frame' && f.code !== 'command_finished') notice('the server refused a frame: ' + f.message);
          break;
        default: // pong, and frames of later servers
      }
    };
    socket.onclose = () => {
      if (socket !== ws) return;
      ws = null;
      live = false;
      if (finished) return;
      outage(socket === greetedSocket);
    };
    socket.onerror = () => {}; // the close that follows says it all
  }

  function hello(f) {
    for (const b of ledger.hello(f.inputAccepted || 0)) sendInput(b); // what did not arrive, in order, once
    live = true;
    backoff = BACKOFF_FIRST_MS;
    refit();
    sendResize(); // it may have changed while away, or the program started at another size
    setState('connected');
  }

  function output(buffer) {
    const at = Number(new DataView(buffer).getBigUint64(0, false));
    const data = new Uint8Array(buffer, 8);
    const skip = offset - at;
    if (skip >= data.length) return; // already shown
    const fresh = skip > 0 ? data.subarray(skip) : data;
    offset = at + data.length;
    if (offset <= replayUntil) {
      replaying++;
      term.write(fresh, () => replaying--);
    } else {
      // afterWrite: a hook for measuring (the console benchmark's echo clock); free when unset
      const hook = handle.afterWrite;
      term.write(fresh, hook ? () => hook(new TextDecoder().decode(fresh)) : undefined);
    }
  }

  function exited(f) {
    finished = true;
    term.options.disableStdin = true;
    setState('exited ' + exitStatus(f));
    stopTimers();
    if (ws) ws.close(CLOSE_DONE);
  }

  /** The connection ended without an exit: find out whether it can come back, then try again. */
  async function outage(wasUp) {
    setState('reconnecting');
    if (!wasUp && probe) {
      // refused before its hello: a gone command, a lost sign-in or an ended program says so here
      const verdict = await probe().catch(() => null);
      if (finished) return;
      if (verdict && verdict.ended) {
        finished = true;
        term.options.disableStdin = true;
        setState('exited ' + exitStatus(verdict.exit));
        stopTimers();
        return;
      }
      if (verdict && verdict.error) {
        finished = true;
        setState('closed');
        stopTimers();
        onProblem(verdict.error);
        return;
      }
    }
    if (finished || reconnectTimer) return;
    reconnectTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  }

  const pinger = setInterval(() => {
    if (finished || !ws) return;
    const now = Date.now();
    // dead: silent for the limit, and not only because a hidden tab's slowed timers sent no ping
    const connecting = ws.readyState === WebSocket.CONNECTING;
    const silent = now - heardAt > SILENCE_LIMIT_MS
      && (connecting || (unansweredSince !== null && now - unansweredSince > SILENCE_LIMIT_MS / 2));
    if (silent) {
      const dead = ws;
      ws = null;
      live = false;
      dead.close(CLOSE_DEAD, 'silent');
      outage(dead === greetedSocket);
      return;
    }
    if (ws.readyState === WebSocket.OPEN && now - pingedAt >= PING_EVERY_MS) {
      pingedAt = now;
      if (unansweredSince === null) unansweredSince = now;
      ws.send('{"type":"ping"}');
    }
  }, CHECK_EVERY_MS);

  function stopTimers() {
    clearInterval(pinger);
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
  }

  /** The whole buffer (scrollback included), one line per row, trailing blanks trimmed. */
  function text() {
    const b = term.buffer.active;
    const rows = [];
    for (let i = 0; i < b.length; i++) {
      const line = b.getLine(i);
      rows.push(line ? line.translateToString(true) : '');
    }
    while (rows.length && rows[rows.length - 1] === '') rows.pop();
    return rows.join('\n');
  }

  const handle = {
    term,
    get state() {
      return state;
    },
    text,
    /** The rows and columns the container fits now. */
    size() {
      refit();
      return { rows: term.rows, cols: term.cols };
    },
    /** Attaches from `fromOffset`; the program had printed up to `printed` before (its history). */
    connect(sessionId, commandId, fromOffset = 0, printed = 0) {
      session = sessionId;
      command = commandId;
      offset = fromOffset;
      replayUntil = printed;
      setState('connecting');
      connect();
    },
    focus() {
      term.focus();
    },
    /** Leaves the program running: the socket closes, the terminal goes. */
    dispose() {
      finished = true;
      stopTimers();
      observer.disconnect();
      if (ws) ws.close(CLOSE_DONE);
      ws = null;
      term.dispose();
      if (window.berthTerminal === handle) delete window.berthTerminal;
    },
  };
  window.berthTerminal = handle;
  return handle;
}

/** Copies text to the clipboard: the async API where the page may use it, else a selected textarea. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
