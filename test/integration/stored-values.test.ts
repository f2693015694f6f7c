import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScoringPass, type ReadinessReport } from '../../scoring/index.js';
import { EXAMPLE_DAY, READ_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * An out-of-range instant already in the store (written before validation
 * existed, or by another tool) must not take other account-products' scores
 * with it once the engine merges it into a part with valid rows.
 */

interface List {
  total: number;
  items: ReadinessReport[];
}

const scorecards = async (base: string) => {
  const list = (await call(base, '/v1/readiness?limit=500', { token: READ_TOKEN })).json as List;
  return new Map(list.items.map((r) => [`${r.account_id}/${r.product}`, { band: r.graduation.band, score: r.graduation.score, missing: r.graduation.missing }]));
};

describe('stored instants out of range', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an assessment dated 1900-01-01 in the store, merged with OPTIMIZE FINAL, leaves every other scorecard intact', async () => {
    const before = await scorecards(t.base);
    expect(before.size).toBeGreaterThan(30);
    const assessed = [...before.values()].filter((s) => !s.missing.includes('stakeholder')).length;
    expect(assessed).toBeGreaterThan(10);

    // Written straight into the table, as no API path accepts it any more.
    await t.store.insert('assessments', [
      {
        assessment_id: 'as_out_of_range_1900',
        account_id: 'kramerica',
        product: 'projects',
        dimension: 'stakeholder',
        score: 9,
        evidence: 'dated before the Date range',
        reason: '',
        assessed_by: 'legacy import',
        assessed_at: '1900-01-01 00:00:00.000',
        recorded_at: '2026-01-01 00:00:00.000',
      },
    ]);
    await t.store.command('OPTIMIZE TABLE {db}.assessments FINAL');
    const parts = await t.store.query<{ n: string }>("SELECT count() AS n FROM system.parts WHERE database = {db:String} AND table = 'assessments' AND active", {
      db: t.store.database,
    });
    expect(Number(parts[0]!.n)).toBe(1);

    await runScoringPass(t.service.scoring, EXAMPLE_DAY);
    const after = await scorecards(t.base);
    expect(after.size).toBe(before.size);
    for (const [key, card] of before) {
      if (key === 'kramerica/projects') continue;
      expect(after.get(key), key).toEqual(card);
    }
    // The 1900 assessment counts as what it is: older than any other of that account-product.
    expect(after.get('kramerica/projects')!.band).not.toBe('incomplete');
  });
});
