import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../scoring/index.js';
import { READ_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

interface List {
  total: number;
  items: ReadinessReport[];
}

const declining = (r: ReadinessReport) => r.flags.some((f) => f.code === 'declining_usage');
/** Healthy usage, no flag at all: only the scorecard lacks an assessment. */
const onlyLacksAssessments = (r: ReadinessReport) => r.flags.length === 0 && r.graduation.band === 'incomplete';

describe('risk ranking on the example data (real service, real chDB store)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('puts the steepest decline above a mild one and above accounts that only lack assessments', async () => {
    const all = (await call(t.base, '/v1/readiness?limit=500', { token: READ_TOKEN })).json as List;
    expect(all.total).toBe(36);
    const ids = all.items.map((r) => `${r.account_id}/${r.product}`);
    const decliners = all.items.filter(declining).sort((a, b) => a.trend.relative_slope - b.trend.relative_slope);
    expect(decliners.length).toBeGreaterThanOrEqual(2);
    const steepest = decliners[0]!;
    const mildest = decliners[decliners.length - 1]!;
    expect(steepest.trend.relative_slope).toBeLessThan(mildest.trend.relative_slope);
    const at = (r: ReadinessReport) => ids.indexOf(`${r.account_id}/${r.product}`);
    expect(at(steepest)).toBeLessThan(at(mildest));
    const paperwork = all.items.filter(onlyLacksAssessments);
    expect(paperwork.length).toBeGreaterThan(0);
    for (const r of paperwork) expect(at(steepest)).toBeLessThan(at(r));
    // Every declining account outranks every account that only lacks an assessment.
    for (const d of decliners) for (const r of paperwork) expect(at(d), `${d.account_id} vs ${r.account_id}`).toBeLessThan(at(r));

    // The order is by the risk score, and each score is the sum of its stated parts.
    const scores = all.items.map((r) => r.risk.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const r of all.items) {
      expect(r.risk.score).toBeCloseTo(r.risk.parts.reduce((s, p) => s + p.points, 0), 5);
      for (const p of r.risk.parts) expect(p.text.length).toBeGreaterThan(0);
    }
    const steepPart = steepest.risk.parts.find((p) => p.factor === 'declining_usage')!;
    const mildPart = mildest.risk.parts.find((p) => p.factor === 'declining_usage')!;
    expect(steepPart.points).toBeGreaterThan(mildPart.points);
    expect(steepPart.text).toMatch(/^Weekly active down \d+% a week over 6 weeks$/);

    // Paging keeps that order.
    const page = (await call(t.base, `/v1/readiness?limit=5&offset=${at(steepest)}`, { token: READ_TOKEN })).json as List;
    expect(page.items[0]!.account_id).toBe(steepest.account_id);
  });
});
