import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../schemas/day.js';
import { FLAG_CODES } from '../../schemas/flags.js';
import { PROFILES } from '../../schemas/products.js';
import { latestReports, productTypeSummary, runCollectingPass } from '../../runtime/index.js';
import type { ReadinessReport } from '../../scoring/index.js';
import { EXAMPLE_DAY, startTestService, type TestService } from '../helpers/service.js';

/**
 * The product-type rollup is counted in the store from the snapshots' typed
 * columns; each figure must equal the same figure computed here from the
 * stored reports themselves (medians by sorting every ratio).
 */

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return round4(s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2);
}

function fromReports(reports: readonly ReadinessReport[]) {
  return PROFILES.flatMap((type) => {
    const rs = reports.filter((r) => r.product_type === type);
    if (rs.length === 0) return [];
    return [
      {
        product_type: type,
        accounts: rs.length,
        ready: rs.filter((r) => r.graduation.ready).length,
        needs_attention: rs.filter((r) => r.flags.some((f) => f.severity === 'red')).length,
        bands: Object.fromEntries((['ready', 'close', 'not_ready', 'incomplete'] as const).map((b) => [b, rs.filter((r) => r.graduation.band === b).length])),
        median_ratios: {
          daily: median(rs.map((r) => r.ratios.daily)),
          weekly: median(rs.map((r) => r.ratios.weekly)),
          monthly: median(rs.map((r) => r.ratios.monthly)),
        },
        flag_share: Object.fromEntries(FLAG_CODES.map((code) => [code, round4(rs.filter((r) => r.flags.some((f) => f.code === code)).length / rs.length)])),
      },
    ];
  });
}

describe('product-type summary', () => {
  let svc: TestService;
  const EARLIER = addDays(EXAMPLE_DAY, -1);

  beforeAll(async () => {
    svc = await startTestService();
    // A second scored day, so the summary of one day and of the latest snapshots differ.
    await runCollectingPass(svc.service.scoring, EARLIER);
  });
  afterAll(async () => svc?.close());

  it.each([
    ['the latest snapshots', undefined],
    ['one day', EARLIER],
  ])('counts %s in the store as the reports give them', async (_, asOf) => {
    const reports = await latestReports(svc.store, asOf === undefined ? {} : { asOf });
    const summary = await productTypeSummary(svc.store, svc.service.scoring.products, asOf === undefined ? {} : { asOf });
    const expected = fromReports(reports);
    // Both even and odd counts, so both median cases are compared.
    expect(new Set(expected.map((e) => e.accounts % 2)).size).toBe(2);
    expect(expected.some((e) => e.needs_attention > 0 && e.ready > 0)).toBe(true);
    expect(summary.items.map(({ trend: _t, products: _p, ...rest }) => rest)).toEqual(expected);
    expect(summary.as_of).toBe(asOf ?? EXAMPLE_DAY);
    expect(summary.items.every((i) => i.trend.length > 0)).toBe(true);
  });

  it('is empty for a day with no snapshots', async () => {
    expect(await productTypeSummary(svc.store, svc.service.scoring.products, { asOf: '2020-01-01' })).toEqual({ as_of: null, items: [] });
  });
});
