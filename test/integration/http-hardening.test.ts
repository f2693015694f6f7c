import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@clickhouse/client';
import type { FlagTransition } from '../../schemas/flags.js';
import { storeFromClient, type Store } from '../../transforms/index.js';
import { READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/** HTTP under abuse and load: fastify's own errors in the API format, limits, headers, SSE caps and resumes. */

interface ErrorBody {
  error: { code: string; message: string };
}

const errorOf = (json: unknown) => (json as ErrorBody).error;

async function waitFor(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A raw request on its own socket: what a client that is not fetch may send. */
function rawRequest(port: number, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

function transition(i: number, message = 'weekly active ratio 20% against a minimum of 50%'): FlagTransition {
  return {
    transition_id: `tr_load_${i}`,
    flag_id: `fl_load_${i}`,
    account_id: 'acme',
    product: 'crm',
    code: 'low_engagement',
    kind: 'opened',
    severity: 'red',
    message,
    value: 0.2,
    subjects: [],
    sequence: 1,
    as_of: '2026-11-20',
    occurred_at: '2026-11-20T12:00:00Z',
  };
}

describe('HTTP errors and limits', () => {
  let t: TestService;
  let port: number;
  /** Fault injection: 'statement' makes the flag-state query malformed, 'down' sends it to a store that is not there. */
  let fault: 'none' | 'statement' | 'down' = 'none';
  const nowhere = createClient({ url: 'http://127.0.0.1:9', request_timeout: 2000 });
  const wrap = (store: Store): Store => {
    const unreachable = storeFromClient('server', store.database, nowhere);
    return {
      ...store,
      query: <T>(text: string, params?: Record<string, unknown>) =>
        fault === 'statement' && text.includes('flag_state')
          ? store.query<T>(`${text} GARBAGE-AFTER-STATEMENT`, params)
          : fault === 'down' && text.includes('flag_state')
            ? unreachable.query<T>(text, params)
            : store.query<T>(text, params),
    };
  };

  beforeAll(async () => {
    t = await startTestService({ RATE_LIMIT_MAX: '1000', SSE_MAX_CLIENTS: '3' }, { wrapStore: wrap });
    port = Number(new URL(t.base).port);
  });
  afterAll(async () => {
    await t?.close();
    await nowhere.close();
  });

  it('a method the route does not have is 405 with Allow, in the API format', async () => {
    const res = await call(t.base, '/v1/readiness', { token: WRITE_TOKEN, method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(errorOf(res.json).code).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toContain('GET');
    const post = await call(t.base, '/v1/flags', { token: WRITE_TOKEN, body: {} });
    expect(post.status).toBe(405);
    // A path that exists with no method at all stays 404.
    const none = await call(t.base, '/v1/nothing-here', { token: READ_TOKEN });
    expect(none.status).toBe(404);
    expect(errorOf(none.json).code).toBe('NOT_FOUND');
  });

  it('route parameters take ids up to 256 characters; longer ones, bad encodings and huge URLs are refused in the API format', async () => {
    const id256 = 'a'.repeat(256);
    const ok = await call(t.base, `/v1/accounts/${id256}/products/crm/readiness`, { token: READ_TOKEN });
    // The route ran: no report for this id (a router 404 would say "no route").
    expect(ok.status).toBe(404);
    expect(errorOf(ok.json).message).toContain('has no readiness report');
    const multibyte = await call(t.base, `/v1/accounts/${encodeURIComponent('é'.repeat(256))}/products/crm/readiness`, { token: READ_TOKEN });
    expect(multibyte.status).toBe(404);

    const id257 = await call(t.base, `/v1/accounts/${'a'.repeat(257)}/products/crm/readiness`, { token: READ_TOKEN });
    expect(id257.status).toBe(400);
    expect(errorOf(id257.json).code).toBe('INPUT_INVALID');
    expect(errorOf(id257.json).message).toContain('path.account');

    const tooLong = await call(t.base, `/v1/accounts/${'a'.repeat(3000)}/products/crm/readiness`, { token: READ_TOKEN });
    expect(tooLong.status).toBe(414);
    expect(errorOf(tooLong.json).code).toBe('REQUEST_TOO_LARGE');

    const badEncoding = await call(t.base, '/v1/accounts/%E0%A4%A/products/crm/readiness', { token: READ_TOKEN });
    expect(badEncoding.status).toBe(400);
    expect(errorOf(badEncoding.json).code).toBe('INPUT_INVALID');

    // Beyond what the HTTP parser reads at all (16 KiB of request line and headers).
    const huge = await rawRequest(port, `GET /v1/readiness?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge.status).toBe(431);
    expect(errorOf(JSON.parse(huge.body)).code).toBe('REQUEST_TOO_LARGE');
    const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(errorOf(JSON.parse(garbage.body)).code).toBe('INPUT_INVALID');
  });

  it('sends security headers with a CSP, and compresses large responses', async () => {
    const page = await fetch(`${t.base}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const list = await new Promise<{ encoding: string | undefined; status: number }>((resolve, reject) => {
      const req = httpRequest(`${t.base}/v1/readiness?limit=50`, { headers: { authorization: `Bearer ${READ_TOKEN}`, 'accept-encoding': 'gzip' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], status: res.statusCode ?? 0 }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(list.status).toBe(200);
    expect(list.encoding).toBe('gzip');
  });

  it('a statement the store refuses is 500 STORE_QUERY_FAILED without the engine text; an unreachable store is 503 STORE_UNAVAILABLE', async () => {
    try {
      fault = 'statement';
      const failed = await call(t.base, '/v1/flags', { token: READ_TOKEN });
      expect(failed.status).toBe(500);
      expect(errorOf(failed.json).code).toBe('STORE_QUERY_FAILED');
      expect(failed.text).not.toMatch(/GARBAGE|Syntax|SELECT|flag_state/i);
      fault = 'down';
      const down = await call(t.base, '/v1/flags', { token: READ_TOKEN });
      expect(down.status).toBe(503);
      expect(errorOf(down.json).code).toBe('STORE_UNAVAILABLE');
      expect(down.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      fault = 'none';
    }
    expect((await call(t.base, '/v1/flags', { token: READ_TOKEN })).status).toBe(200);
  });

  it('caps concurrent event streams (503 TOO_MANY_STREAMS beyond SSE_MAX_CLIENTS)', async () => {
    const controller = new AbortController();
    try {
      const open = await Promise.all(
        [1, 2, 3].map(() => fetch(`${t.base}/v1/flags/stream`, { headers: { authorization: `Bearer ${READ_TOKEN}` }, signal: controller.signal })),
      );
      expect(open.map((r) => r.status)).toEqual([200, 200, 200]);
      const fourth = await call(t.base, '/v1/flags/stream', { token: READ_TOKEN });
      expect(fourth.status).toBe(503);
      expect(errorOf(fourth.json).code).toBe('TOO_MANY_STREAMS');
      expect(fourth.headers.get('retry-after')).toBeTruthy();
    } finally {
      controller.abort();
    }
    // Closed streams free their places.
    await waitFor(async () => {
      const c = new AbortController();
      const res = await fetch(`${t.base}/v1/flags/stream`, { headers: { authorization: `Bearer ${READ_TOKEN}` }, signal: c.signal });
      c.abort();
      return res.status === 200;
    });
  });
});

describe('rate limit', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 RATE_LIMITED in the API format once a token used its budget; other tokens and probes are not affected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(t.base, '/v1/flags?limit=1', { token: READ_TOKEN })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await call(t.base, '/v1/flags?limit=1', { token: READ_TOKEN });
    expect(limited.status).toBe(429);
    expect(errorOf(limited.json).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(t.base, '/v1/flags?limit=1', { token: WRITE_TOKEN })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await call(t.base, '/healthz')).status).toBe(200);
  });
});

/** Open streams as /metrics reports them. */
async function sseGauge(base: string): Promise<number> {
  const text = (await call(base, '/metrics')).text;
  return Number(/^\w*sse_clients\s+(\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('event streams under load', () => {
  let t: TestService;
  /** Resume reads of the transition history: how many started, and the most in flight at once. */
  const resumes = { started: 0, inFlight: 0, maxInFlight: 0 };
  let holdResumes: Promise<void> = Promise.resolve();
  const wrap = (store: Store): Store => ({
    ...store,
    query: async <T>(text: string, params?: Record<string, unknown>) => {
      if (!/flag_transitions[\s\S]*transition_id = \{id:String\}/.test(text)) return store.query<T>(text, params);
      resumes.started++;
      resumes.maxInFlight = Math.max(resumes.maxInFlight, ++resumes.inFlight);
      try {
        await holdResumes;
        return await store.query<T>(text, params);
      } finally {
        resumes.inFlight--;
      }
    },
  });

  beforeAll(async () => {
    t = await startTestService({ SSE_MAX_CLIENTS: '1000', SSE_MAX_BUFFER_BYTES: '65536', RATE_LIMIT_MAX: '0' }, { wrapStore: wrap });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('drops a client that does not read its stream, and keeps serving one that does', async () => {
    const base = await sseGauge(t.base);
    // A raw socket that sends the request and then never reads.
    const stalled = connect(Number(new URL(t.base).port), '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write(`GET /v1/flags/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${READ_TOKEN}\r\n\r\n`);
    stalled.pause();
    stalled.on('error', () => undefined);

    const controller = new AbortController();
    const reader = await fetch(`${t.base}/v1/flags/stream`, { headers: { authorization: `Bearer ${READ_TOKEN}` }, signal: controller.signal });
    const body = reader.body!.getReader();
    let received = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await body.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += decoder.decode(value, { stream: true });
      }
    })();
    await waitFor(async () => (await sseGauge(t.base)) === base + 2);

    // Far more than socket buffers hold, in slices the reading client keeps up with:
    // only the stalled client's server-side buffer passes its bound.
    const padding = 'x'.repeat(2000);
    for (let batch = 0; batch < 2000; batch++) {
      await t.service.hub.publish(Array.from({ length: 10 }, (_, i) => transition(batch * 10 + i, padding)));
      await new Promise((r) => setTimeout(r, 2));
      if (batch % 20 === 19 && (await sseGauge(t.base)) !== base + 2) break;
    }
    // The stalled client is gone; the reading one is still there.
    await waitFor(async () => (await sseGauge(t.base)) === base + 1);
    await t.service.hub.publish([transition(999_999)]);
    await waitFor(() => received.includes('id: tr_load_999999'));
    controller.abort();
    await reading;
    stalled.destroy();
  });

  it('500 clients resuming with Last-Event-ID share one store read, and an API request is answered while they wait', async () => {
    const known = await t.store.query<{ id: string }>('SELECT transition_id AS id FROM {db}.flag_transitions ORDER BY occurred_at LIMIT 1');
    const lastEventId = known[0]!.id;
    const expected = await t.store.query<{ n: string }>(
      'SELECT count() AS n FROM {db}.flag_transitions FINAL WHERE occurred_at >= (SELECT max(occurred_at) FROM {db}.flag_transitions WHERE transition_id = {id:String}) AND transition_id != {id:String}',
      { id: lastEventId },
    );
    const missed = Number(expected[0]!.n);
    expect(missed).toBeGreaterThan(0);

    let release: () => void = () => undefined;
    holdResumes = new Promise<void>((resolve) => (release = resolve));
    resumes.started = 0;
    resumes.maxInFlight = 0;
    const controller = new AbortController();
    const clients = Array.from({ length: 500 }, async () => {
      const res = await fetch(`${t.base}/v1/flags/stream`, {
        headers: { authorization: `Bearer ${READ_TOKEN}`, 'last-event-id': lastEventId },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while ((text.match(/event: flag_transition/g) ?? []).length < missed) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      await reader.cancel().catch(() => undefined);
      return (text.match(/event: flag_transition/g) ?? []).length;
    });
    try {
      await waitFor(async () => (await sseGauge(t.base)) >= 500, 60_000);
      expect(resumes.inFlight).toBe(1);
      // Every stream is open and waiting for the shared read; the API still answers.
      const list = await call(t.base, '/v1/readiness?limit=5', { token: READ_TOKEN });
      expect(list.status).toBe(200);
      expect(resumes.inFlight).toBe(1);
      release();
      const counts = await Promise.all(clients);
      expect(counts.every((n) => n === missed)).toBe(true);
      // One shared resume (its statements), not one per client.
      expect(resumes.started).toBeLessThanOrEqual(3);
      expect(resumes.maxInFlight).toBe(1);
    } finally {
      release();
      controller.abort();
    }
  });
});
