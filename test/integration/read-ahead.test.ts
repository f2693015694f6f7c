import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountReport, cachedAccountReport, readAheadViews } from '../../runtime/index.js';
import type { ReadinessReport } from '../../scoring/index.js';
import type { Store } from '../../transforms/index.js';
import { waitFor } from '../helpers/kafka.js';
import { EXAMPLE_DAY, READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * Account views read ahead from the rows of the portfolio pages served (embedded
 * store): what is kept is what a fresh read returns, only the rows of pages
 * served are read, at most VIEW_READ_AHEAD between two writes, and a write
 * empties them.
 */
describe('account views read ahead', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  }, 120_000);
  afterAll(async () => svc?.close());

  // The same engine and data without the read cache, one query at a time: a fresh read.
  const fresh = (store: Store): Store => ({ ...store, kind: 'server' });
  const key = (r: { account_id: string; product: string }) => ({ accountId: r.account_id, product: r.product });
  const page = async (query: string) => {
    const res = await call(svc.base, `/v1/readiness?${query}`, { token: READ_TOKEN });
    expect(res.status, res.text).toBe(200);
    return (res.json as { items: ReadinessReport[] }).items;
  };
  const allCached = (rows: readonly { account_id: string; product: string }[]) => waitFor('views read ahead', () => rows.every((r) => cachedAccountReport(svc.store, key(r)) !== undefined), { timeoutMs: 30_000, intervalMs: 20 });

  it('keeps the views of the rows of a page served, each equal to a fresh read and to what the API answers', async () => {
    const all = await page('limit=500');
    expect(all.length).toBeGreaterThan(30);
    // Listing every row reads every view ahead; a write empties them all.
    await call(svc.base, `/v1/accounts/${all[0]!.account_id}/products/${all[0]!.product}/assessments`, {
      token: WRITE_TOKEN,
      body: { dimension: 'value', score: 6, evidence: 'ROI review', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T09:00:00Z` },
    });
    expect(all.every((r) => cachedAccountReport(svc.store, key(r)) === undefined)).toBe(true);

    const rows = await page('limit=10&offset=5');
    await allCached(rows);
    for (const r of rows) {
      const kept = cachedAccountReport(svc.store, key(r))!.value;
      expect(kept).toBeDefined();
      expect(kept).toEqual(await accountReport(fresh(svc.store), key(r)));
      const view = await call(svc.base, `/v1/accounts/${r.account_id}/products/${r.product}/readiness`, { token: READ_TOKEN });
      expect(view.json).toEqual(JSON.parse(JSON.stringify(kept)));
    }
    // Rows of no page served stay unread.
    const shown = new Set(rows.map((r) => `${r.account_id}/${r.product}`));
    const others = (await accountsOf(svc)).filter((r) => !shown.has(`${r.account_id}/${r.product}`));
    expect(others.length).toBeGreaterThan(20);
    expect(others.filter((r) => cachedAccountReport(svc.store, key(r)) !== undefined)).toEqual([]);
  });

  it('drops the views on a write; read ahead again, they show it', async () => {
    const rows = await page('limit=5&needs_attention=true');
    await allCached(rows);
    const target = rows.find((r) => r.graduation.dimensions.stakeholder.score !== 2) ?? rows[0]!;
    const posted = await call(svc.base, `/v1/accounts/${target.account_id}/products/${target.product}/assessments`, {
      token: WRITE_TOKEN,
      body: { dimension: 'stakeholder', score: 2, evidence: 'sponsor left', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T11:00:00Z` },
    });
    expect(posted.status, posted.text).toBe(201);
    expect(rows.filter((r) => cachedAccountReport(svc.store, key(r)) !== undefined)).toEqual([]);

    const again = await page('limit=5&needs_attention=true');
    // The assessment may have moved it off that page.
    readAheadViews(svc.store, [target], 2000);
    await allCached([...again, target]);
    const kept = cachedAccountReport(svc.store, key(target))!.value!;
    expect(kept.report.graduation.dimensions.stakeholder.score).toBe(2);
    expect(kept).toEqual(await accountReport(fresh(svc.store), key(target)));
  });

  it('reads at most the limit between two writes, and nothing with a limit of 0', async () => {
    const rows = (await accountsOf(svc)).slice(0, 8);
    // A write starts a new count.
    const posted = await call(svc.base, `/v1/accounts/${rows[0]!.account_id}/products/${rows[0]!.product}/assessments`, {
      token: WRITE_TOKEN,
      body: { dimension: 'knowledge', score: 7, evidence: 'certified', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T10:30:00Z` },
    });
    expect(posted.status, posted.text).toBe(201);
    readAheadViews(svc.store, rows.slice(0, 2), 0);
    readAheadViews(svc.store, rows.slice(2), 3);
    readAheadViews(svc.store, rows, 3);
    await allCached(rows.slice(2, 5));
    // The rest were never taken (the reads ahead run in order, so they would be done by now).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cached = rows.filter((r) => cachedAccountReport(svc.store, key(r)) !== undefined);
    expect(cached).toEqual(rows.slice(2, 5));
  });
});

/** Every account-product of the portfolio (read from the store, so no page is served and nothing read ahead). */
async function accountsOf(svc: TestService): Promise<{ account_id: string; product: string }[]> {
  return svc.store.query<{ account_id: string; product: string }>(
    'SELECT account_id, product FROM {db}.readiness_latest FINAL ORDER BY account_id, product',
  );
}
