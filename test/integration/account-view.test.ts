import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../schemas/day.js';
import { latestReports } from '../../runtime/index.js';
import type { ReadinessReport } from '../../scoring/index.js';
import { readAccountView, type AccountViewQuery, type Store } from '../../transforms/index.js';
import { EXAMPLE_DAY, READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * On the embedded store, account views asked for together are read as one
 * batch (three queries for all of them). Each must equal the same view read by
 * itself, query by query (the path a server store takes), on a scored portfolio
 * with several days of snapshots and flag transitions.
 */
describe('account views read in batches', () => {
  let svc: TestService;
  let reports: ReadinessReport[];
  beforeAll(async () => {
    svc = await startTestService();
    reports = await latestReports(svc.store);
  }, 120_000);
  afterAll(async () => svc?.close());

  // The same engine and data, read one view at a time.
  const oneByOne = (store: Store): Store => ({ ...store, kind: 'server' });
  const views = (extra: Partial<AccountViewQuery> = {}) => reports.map((r) => ({ accountId: r.account_id, product: r.product, historyDays: 90, ...extra }));

  it('reads views asked for together in a few queries, equal to each view read by itself', async () => {
    expect(reports.length).toBeGreaterThan(30);
    let queries = 0;
    const counting: Store = { ...svc.store, query: (text, params) => (queries++, svc.store.query(text, params)) };
    for (const extra of [{}, { from: addDays(EXAMPLE_DAY, -1) }, { historyDays: 2 }, { historyDays: 1 }, { from: addDays(EXAMPLE_DAY, 3) }, { from: addDays(EXAMPLE_DAY, -30), to: addDays(EXAMPLE_DAY, -1) }]) {
      queries = 0;
      const batched = await Promise.all(views(extra).map((q) => readAccountView(counting, q)));
      const batchQueries = queries;
      const single = [];
      for (const q of views(extra)) single.push(await readAccountView(oneByOne(svc.store), q));
      expect(batched, JSON.stringify(extra)).toEqual(single);
      expect(batched.every((v) => v !== undefined)).toBe(true);
      if (Object.keys(extra).length === 0) expect(batchQueries).toBeLessThan(reports.length);
    }
    const some = (await Promise.all(views().map((q) => readAccountView(svc.store, q)))).filter((v) => v && v.transitions.length > 0 && v.previous !== undefined && v.history.length > 1);
    expect(some.length).toBeGreaterThan(3);
  });

  it('answers an account-product never scored with undefined, beside others in the same batch', async () => {
    const [known, unknown] = await Promise.all([
      readAccountView(svc.store, views()[0]!),
      readAccountView(svc.store, { accountId: 'no-such-account', product: 'crm', historyDays: 90 }),
    ]);
    expect(known).toBeDefined();
    expect(unknown).toBeUndefined();
  });

  it('shows a write at once: the view after an assessment equals the view read by itself', async () => {
    const target = reports.find((r) => r.graduation.missing.includes('stakeholder'))!;
    const path = `/v1/accounts/${target.account_id}/products/${target.product}`;
    expect((await call(svc.base, `${path}/readiness`, { token: READ_TOKEN })).status).toBe(200);
    const posted = await call(svc.base, `${path}/assessments`, {
      token: WRITE_TOKEN,
      body: { dimension: 'stakeholder', score: 9, evidence: 'sponsor at the QBR', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T10:00:00Z` },
    });
    expect(posted.status, posted.text).toBe(201);
    const view = (await call(svc.base, `${path}/readiness`, { token: READ_TOKEN })).json as { report: ReadinessReport };
    expect(view.report.graduation.dimensions.stakeholder.score).toBe(9);
    const q = { accountId: target.account_id, product: target.product, historyDays: 90 };
    expect(await readAccountView(svc.store, q)).toEqual(await readAccountView(oneByOne(svc.store), q));
  });
});
