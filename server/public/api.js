// @ts-check
// API access for the dashboard: bearer token handling, JSON requests, the CSV download and the flag stream.

const TOKEN_KEY = 'usage-readiness.token';

export class ApiError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : 'HTTP_' + status;
    /** @type {Array<{ field: string, message: string }>} */
    this.details = (body && body.error && body.error.details) || [];
  }
}

/** Takes a token from `#token=…` (the URL printed at start), keeps it, and removes it from the address bar. */
export function captureToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match && match[1]) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + '#/');
  }
}

export const getToken = () => localStorage.getItem(TOKEN_KEY);
/** @param {string} token */
export const setToken = (token) => localStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => localStorage.removeItem(TOKEN_KEY);

/** @param {string} accept */
function headers(accept) {
  /** @type {Record<string, string>} */
  const h = { accept };
  const token = getToken();
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, { method = 'GET', body } = {}) {
  const h = headers('application/json');
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Downloads the CSV export of `path` (the list's filters) as a file. @param {string} path @param {string} filename */
export async function downloadCsv(path, filename) {
  const res = await fetch(path, { headers: headers('text/csv') });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Follows /v1/flags/stream. EventSource cannot send an Authorization header,
 * so the stream is read with fetch and parsed here; it reconnects after a
 * delay and sends `Last-Event-ID` so transitions missed meanwhile are replayed.
 * @param {{ onTransition: (t: any) => void, onState: (on: boolean) => void }} handlers
 */
export function followFlags({ onTransition, onState }) {
  let stopped = false;
  /** @type {AbortController | undefined} */
  let controller;
  /** @type {string | undefined} */
  let lastId;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const h = headers('text/event-stream');
        if (lastId) h['last-event-id'] = lastId;
        const res = await fetch('/v1/flags/stream', { headers: h, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        onState(true);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const lines = block.split('\n');
            const id = lines.find((l) => l.startsWith('id:'));
            if (id) lastId = id.slice(3).trim();
            const data = lines
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trim())
              .join('\n');
            if (data) {
              try {
                onTransition(JSON.parse(data));
              } catch {
                // A malformed event is skipped; the stream goes on.
              }
            }
          }
        }
      } catch {
        // Reconnect below.
      }
      onState(false);
      if (!stopped) await new Promise((r) => setTimeout(r, 3000));
    }
  };
  void run();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
