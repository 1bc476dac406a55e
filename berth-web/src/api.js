// The console's only way to the server: same-origin fetches that the berth_token cookie
// authenticates (docs/web.md). Errors keep the API's stable code.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called with the error of any call that finds the sign-in gone (401). */
let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

async function failure(response) {
  let code = 'http_' + response.status;
  let message = response.statusText || 'request failed';
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code;
      message = body.error.message;
    }
  } catch {
    // not a JSON error body (a proxy's page): keep the status
  }
  const error = new ApiError(response.status, code, message);
  if (response.status === 401) onSignedOut(error);
  return error;
}

/** A JSON call: resolves to the parsed body (null for 204), rejects with an ApiError. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, signal, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

/**
 * Reads a JSON lines stream (a follow), calling onLine for each parsed line until the stream ends
 * or the signal aborts it. Resolves when it ends; rejects with an ApiError if it is refused.
 */
export async function lines(path, onLine, signal) {
  const response = await fetch(path, { credentials: 'same-origin', signal });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) onLine(JSON.parse(line));
      }
    }
  } catch (e) {
    if (signal && signal.aborted) return;
    throw e;
  }
}

/**
 * Follows a stream for as long as the page wants it: reconnects (after a pause that grows to 5 s)
 * when it ends or drops, until the signal aborts or, once a stream has ended, `until()` says it is
 * over. `path` may be a function, asked again at each connect (to resume after what was read).
 * onState('live' | 'retrying' | 'ended' | 'failed', error): 'failed' for a refusal (an ApiError
 * other than 502/503), which ends it.
 */
export function follow(path, onLine, signal, onState = () => {}, { until = () => false } = {}) {
  let delay = 250;
  (async () => {
    while (!signal.aborted) {
      try {
        onState('live');
        await lines(typeof path === 'function' ? path() : path, (l) => {
          delay = 250;
          onLine(l);
        }, signal);
      } catch (e) {
        if (e instanceof ApiError && e.status !== 502 && e.status !== 503) {
          onState('failed', e);
          return;
        }
      }
      if (signal.aborted) return;
      if (until()) {
        onState('ended');
        return;
      }
      onState('retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  })();
}

/** Query string of the defined, non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export const enc = encodeURIComponent;
