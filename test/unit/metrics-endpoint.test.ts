import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticator, createMetrics, startMetricsEndpoint, type MetricsEndpoint } from '../../runtime/index.js';
import { runInProcess } from '../helpers/cli.js';
import { createTestStore } from '../helpers/store.js';

const READ = 'read-token-0123456789abcdef';
const WRITE = 'write-token-0123456789abcdef';

describe("consume's metrics endpoint", () => {
  let endpoint: MetricsEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });

  const start = async (closed: boolean) => {
    const auth = closed ? createAuthenticator([{ token: READ, scopes: ['read'] }, { token: WRITE, scopes: ['write'] }]) : undefined;
    endpoint = await startMetricsEndpoint(createMetrics({ defaultMetrics: false }), { host: '127.0.0.1', port: 0, auth });
    return endpoint.url;
  };
  const get = (url: string, token?: string) => fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('with METRICS_PUBLIC=false answers only a token with the read scope, in the API error format otherwise', async () => {
    const url = await start(true);
    const none = await get(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const wrong = await get(url, `${READ}x`);
    expect(wrong.status).toBe(401);
    const writeOnly = await get(url, WRITE);
    expect(writeOnly.status).toBe(403);
    expect(await writeOnly.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const read = await get(url, READ);
    expect(read.status).toBe(200);
    expect(await read.text()).toMatch(/^usage_readiness_/m);
  });

  it('is open without a token by default', async () => {
    const res = await get(await start(false));
    expect(res.status).toBe(200);
  });

  it('consume with METRICS_PUBLIC=false and no API_TOKENS stops before consuming, naming both variables', async () => {
    const run = runInProcess(['consume'], {
      store: await createTestStore(),
      env: { KAFKA_BROKERS: '127.0.0.1:1', METRICS_PORT: '0', METRICS_PUBLIC: 'false' },
    });
    const { code, stderr } = await run.result;
    expect(code).toBe(2);
    expect(stderr).toMatch(/METRICS_PUBLIC=false needs API_TOKENS/);
  });
});
