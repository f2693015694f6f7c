import { describe, expect, it } from 'vitest';
import type { Store } from '../../transforms/index.js';
import { READ_TOKEN, call, startTestService } from '../helpers/service.js';

/**
 * A stop lets requests finish for SHUTDOWN_GRACE_MS; one still waiting then
 * (here: for a store read held back) is answered 503 SHUTTING_DOWN in the API's
 * error format instead of having its connection cut.
 */
describe('requests still waiting when a stop runs out of grace', () => {
  it('are answered 503 SHUTTING_DOWN in the API error format', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let waiting = 0;
    // Readiness reads wait until released: a request stuck behind the engine.
    const holdViews = (store: Store): Store => ({
      ...store,
      query: async (text, params) => {
        if (text.includes('{db}.readiness_')) {
          waiting++;
          await held;
        }
        return store.query(text, params);
      },
    });
    const svc = await startTestService({ DEMO_DATA: 'off', SHUTDOWN_GRACE_MS: '300' }, { wrapStore: holdViews });
    try {
      const answer = call(svc.base, '/v1/accounts/acme/products/crm/readiness', { token: READ_TOKEN });
      await expect.poll(() => waiting).toBeGreaterThan(0);
      const stopped = svc.service.stop();
      const res = await answer;
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ error: { code: 'SHUTTING_DOWN', message: expect.stringContaining('stopped before this request was answered') as unknown } });
      release();
      await stopped;
    } finally {
      release();
      await svc.close();
    }
  });
});
