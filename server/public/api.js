// API access for the dashboard: bearer token handling, JSON requests and the flag stream.

const TOKEN_KEY = 'usage-readiness.token';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : 'HTTP_' + status;
    this.details = (body && body.error && body.error.details) || [];
  }
}

/** Takes a token from `#token=…` (the URL printed at start), keeps it, and removes it from the address bar. */
export function captureToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + '#/');
  }
}

export const getToken = () => localStorage.getItem(TOKEN_KEY);
export const setToken = (token) => localStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => localStorage.removeItem(TOKEN_KEY);

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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

/**
 * Follows /v1/flags/stream. EventSource cannot send an Authorization header,
 * so the stream is read with fetch and parsed here; reconnects with a delay.
 */
export function followFlags({ onTransition, onState }) {
  let stopped = false;
  let controller;
  // Sent on reconnect, so the transitions recorded while disconnected are replayed.
  let lastEventId;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const token = getToken();
        const headers = { accept: 'text/event-stream' };
        if (token) headers.authorization = `Bearer ${token}`;
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const res = await fetch('/v1/flags/stream', { headers, signal: controller.signal });
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
            const id = block.split('\n').find((l) => l.startsWith('id:'));
            if (id) lastEventId = id.slice(3).trim();
            const data = block
              .split('\n')
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
