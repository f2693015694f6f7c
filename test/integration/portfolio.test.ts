import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../schemas/day.js';
import { FLAG_CODES } from '../../schemas/flags.js';
import { portfolio, runCollectingPass } from '../../runtime/index.js';
import { compareByRisk, riskScore, type ReadinessReport } from '../../scoring/index.js';
import { PORTFOLIO_SORTS, type PortfolioSort } from '../../schemas/portfolio-sort.js';
import { flagStatesAsOf, queryPortfolio, queryPortfolioInStore, readFlagStates, type PortfolioQuery } from '../../transforms/index.js';
import { EXAMPLE_DAY, READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * The list endpoint filters, sorts and pages in the store; each answer must
 * equal the same selection computed here from the scored reports themselves.
 */

interface List {
  as_of: string | null;
  total: number;
  limit: number;
  offset: number;
  items: ReadinessReport[];
}

const BAND_ORDER = { not_ready: 0, incomplete: 1, close: 2, ready: 3 } as const;
const reds = (r: ReadinessReport) => r.flags.filter((f) => f.severity === 'red').length;

/** The value a sort column takes for one report (null sorts lowest). */
function sortValue(r: ReadinessReport, sort: PortfolioSort, scoredAt: string): number | string | null {
  switch (sort) {
    case 'risk':
      return riskScore(r);
    case 'band':
      return BAND_ORDER[r.graduation.band];
    case 'graduation_score':
      return r.graduation.score;
    case 'usage_score':
      return r.usage.score;
    case 'ratio_daily':
      return r.ratios.daily;
    case 'ratio_weekly':
      return r.ratios.weekly;
    case 'ratio_monthly':
      return r.ratios.monthly;
    case 'relative_slope':
      return r.trend.relative_slope;
    case 'red_flags':
      return reds(r);
    case 'account_id':
      return r.account_id;
    case 'account_name':
      return r.account_name ?? '';
    case 'csm':
      return r.csm ?? '';
    case 'product':
      return r.product;
    case 'product_type':
      return r.product_type;
    case 'as_of':
      return r.as_of;
    case 'scored_at':
      return scoredAt;
  }
}

function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  // The store compares strings as UTF-8 bytes.
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return (a as number) < (b as number) ? -1 : 1;
}

interface Selection {
  account?: string;
  q?: string;
  product?: string;
  product_type?: string;
  band?: string;
  ready?: boolean;
  flag?: string;
  csm?: string;
  needs_attention?: boolean;
  sort?: PortfolioSort;
  order?: 'asc' | 'desc';
}

function expected(reports: readonly ReadinessReport[], s: Selection): ReadinessReport[] {
  const matches = reports.filter(
    (r) =>
      (s.account === undefined || r.account_id === s.account) &&
      (s.q === undefined || r.account_id.toLowerCase().includes(s.q.toLowerCase()) || (r.account_name ?? '').toLowerCase().includes(s.q.toLowerCase())) &&
      (s.product === undefined || r.product === s.product) &&
      (s.product_type === undefined || r.product_type === s.product_type) &&
      (s.band === undefined || r.graduation.band === s.band) &&
      (s.ready === undefined || r.graduation.ready === s.ready) &&
      (s.flag === undefined || r.flags.some((f) => f.code === s.flag)) &&
      (s.csm === undefined || r.csm === s.csm) &&
      (s.needs_attention === undefined || reds(r) > 0 === s.needs_attention),
  );
  const sort = s.sort ?? 'risk';
  const direction = (s.order ?? (sort === 'risk' ? 'desc' : 'asc')) === 'asc' ? 1 : -1;
  // One pass: every report has the same scoring time.
  return [...matches].sort((a, b) => direction * compareValues(sortValue(a, sort, ''), sortValue(b, sort, '')) || compareByRisk(a, b));
}

const query = (s: Selection, page: { limit?: number; offset?: number } = {}) =>
  new URLSearchParams(
    Object.entries({ ...s, ...page })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  ).toString();

const ids = (rs: readonly ReadinessReport[]) => rs.map((r) => `${r.account_id}/${r.product}`);

describe('portfolio list: filters, sort and pages from the store', () => {
  let svc: TestService;
  let latest: ReadinessReport[];
  let earlier: ReadinessReport[];
  let storedEarlier: ReadinessReport[];
  const EARLIER = addDays(EXAMPLE_DAY, -1);

  beforeAll(async () => {
    svc = await startTestService();
    storedEarlier = (await portfolio(svc.store, { asOf: EARLIER })).reports;
    // The reports themselves, as one pass computes them (the latest and the day before, re-scored).
    earlier = (await runCollectingPass(svc.service.scoring, EARLIER)).reports;
    latest = (await runCollectingPass(svc.service.scoring, EXAMPLE_DAY)).reports;
  }, 120_000);
  afterAll(async () => svc?.close());

  const list = async (s: Selection, page: { limit?: number; offset?: number; as_of?: string } = {}): Promise<List> => {
    const res = await call(svc.base, `/v1/readiness?${query(s, page)}`, { token: READ_TOKEN });
    expect(res.status, res.text).toBe(200);
    return res.json as List;
  };

  it('has a portfolio worth filtering', () => {
    expect(latest.length).toBeGreaterThan(30);
    expect(new Set(latest.map((r) => r.graduation.band)).size).toBeGreaterThan(2);
    expect(latest.some((r) => reds(r) > 0)).toBe(true);
    expect(new Set(latest.map((r) => riskScore(r))).size).toBeGreaterThan(3);
  });

  it('pages through the default risk order with the total on every page', async () => {
    const want = expected(latest, {});
    const seen: ReadinessReport[] = [];
    for (let offset = 0; offset < want.length + 7; offset += 7) {
      const page = await list({}, { limit: 7, offset });
      expect(page.total).toBe(want.length);
      expect(page.offset).toBe(offset);
      expect(page.as_of).toBe(EXAMPLE_DAY);
      seen.push(...page.items);
    }
    expect(ids(seen)).toEqual(ids(want));
    expect(seen).toEqual(want);
  });

  const filters: Selection[] = [
    { product: 'crm' },
    { product_type: 'weekly' },
    { band: 'not_ready' },
    { band: 'close' },
    { band: 'incomplete' },
    { ready: true },
    { ready: false },
    { needs_attention: true },
    { needs_attention: false },
    { csm: 'Diego Pérez' },
    { q: 'A' },
    { q: 'corp' },
    { account: 'kramerica' },
    ...FLAG_CODES.map((flag) => ({ flag })),
    { band: 'not_ready', needs_attention: true, product_type: 'daily' },
  ];
  it.each(filters)('filters %o like the reports do', async (s) => {
    const want = expected(latest, s);
    const page = await list(s, { limit: 500 });
    expect(page.total).toBe(want.length);
    expect(ids(page.items)).toEqual(ids(want));
    expect(page.as_of).toBe(want.length > 0 ? EXAMPLE_DAY : null);
  });

  it('covers every filter value that selects something and some that select nothing', () => {
    const sizes = filters.map((s) => expected(latest, s).length);
    expect(sizes.filter((n) => n > 0 && n < latest.length).length).toBeGreaterThan(10);
    expect(sizes).toContain(0);
  });

  it.each(PORTFOLIO_SORTS.flatMap((sort) => (['asc', 'desc'] as const).map((order) => ({ sort, order }))))('sorts by $sort $order', async (s) => {
    const want = expected(latest, s);
    const first = await list(s, { limit: 10 });
    const second = await list(s, { limit: 10, offset: 10 });
    expect(first.total).toBe(want.length);
    expect(ids([...first.items, ...second.items])).toEqual(ids(want.slice(0, 20)));
  });

  it('selects the same pages from the in-process index as the engine does (embedded store)', async () => {
    expect(svc.store.kind).toBe('chdb');
    const asQuery = (s: Selection): PortfolioQuery => ({
      accountId: s.account,
      search: s.q,
      product: s.product,
      productType: s.product_type,
      band: s.band,
      ready: s.ready,
      flag: s.flag,
      csm: s.csm,
      needsAttention: s.needs_attention,
      sort: s.sort,
      order: s.order,
    });
    for (const s of filters) {
      for (const sort of [undefined, 'graduation_score', 'account_name', 'ratio_weekly', 'band'] as const) {
        for (const page of [{ limit: 500 }, { limit: 4, offset: 3 }]) {
          const q = { ...asQuery({ ...s, sort, order: sort === 'band' ? 'desc' : undefined }), ...page };
          expect(await queryPortfolio(svc.store, q), JSON.stringify(q)).toEqual(await queryPortfolioInStore(svc.store, q));
        }
      }
    }
  });

  it('answers a page past the end with no items and the total', async () => {
    const want = expected(latest, { needs_attention: true });
    const page = await list({ needs_attention: true }, { limit: 5, offset: want.length + 5 });
    expect(page).toMatchObject({ total: want.length, items: [] });
  });

  it('lists the reports of an earlier day with as_of, filtered and sorted the same way', async () => {
    for (const s of [{}, { needs_attention: true }, { sort: 'ratio_weekly', order: 'desc' }] as Selection[]) {
      const want = expected(earlier, s);
      const page = await list(s, { limit: 500, as_of: EARLIER });
      expect(page.total).toBe(want.length);
      expect(page.as_of).toBe(want.length > 0 ? EARLIER : null);
      expect(page.items).toEqual(want);
    }
  });

  it('re-scores a day its flags are already past from the state of that day (as the original pass did)', () => {
    expect(storedEarlier.length).toBe(earlier.length);
    expect(storedEarlier).toEqual(expected(earlier, {}));
  });

  it('keeps one flag state: the current state equals the state rebuilt from the transition history', async () => {
    const current = await readFlagStates(svc.store);
    expect(current.length).toBeGreaterThan(5);
    const rebuilt = await flagStatesAsOf(svc.store, EXAMPLE_DAY, [...new Set(current.map((f) => f.account_id))]);
    const byId = (fs: typeof current) => [...fs].sort((a, b) => (a.flag_id < b.flag_id ? -1 : 1));
    expect(byId(current)).toEqual(byId(rebuilt));
  });

  it('shows an assessment at once in the list and the account view (the cache is emptied by each write)', async () => {
    const target = latest.find((r) => r.graduation.missing.includes('stakeholder'))!;
    const path = `/v1/accounts/${target.account_id}/products/${target.product}`;
    const before = await list({ account: target.account_id, product: target.product });
    expect(before.items[0]!.graduation.missing).toContain('stakeholder');
    expect((await call(svc.base, `${path}/readiness`, { token: READ_TOKEN })).status).toBe(200);
    const posted = await call(svc.base, `${path}/assessments`, {
      token: WRITE_TOKEN,
      body: { dimension: 'stakeholder', score: 9, evidence: 'sponsor at the QBR', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T10:00:00Z` },
    });
    expect(posted.status, posted.text).toBe(201);
    const after = await list({ account: target.account_id, product: target.product });
    expect(after.items[0]!.graduation.missing).not.toContain('stakeholder');
    const view = (await call(svc.base, `${path}/readiness`, { token: READ_TOKEN })).json as { report: ReadinessReport };
    expect(view.report.graduation.dimensions.stakeholder.score).toBe(9);
  });

  it('refuses a sort column outside the list and an unknown order', async () => {
    for (const q of ['sort=report', 'sort=risk%20DESC', 'order=sideways']) {
      const res = await call(svc.base, `/v1/readiness?${q}`, { token: READ_TOKEN });
      expect(res.status, q).toBe(400);
    }
  });
});
