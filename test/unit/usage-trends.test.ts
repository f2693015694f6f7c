import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rng } from '../../examples/generate.js';
import type { AccountRecord } from '../../schemas/accounts.js';
import type { UsageEvent } from '../../schemas/event.js';
import { addDays, daysBetween } from '../../schemas/day.js';
import { parseProducts } from '../../schemas/products.js';
import { olsSlope, trendRules } from '../../scoring/index.js';
import { insertAccounts, insertEvents, readUsageTrends, TREND_WEEKS } from '../../transforms/index.js';
import { createTestStore } from '../helpers/store.js';

const products = parseProducts(readFileSync('config/products.json', 'utf8'), 'config/products.json');
const D = '2026-11-20';

/** Quantile with linear interpolation between order statistics (R-7, Excel PERCENTILE.INC). */
function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}

describe('usage trends per product type and product (ClickHouse)', () => {
  it('equal a direct computation from the daily aggregates on hand-built data', async () => {
    const store = await createTestStore();
    const random = rng(7);
    const accounts: AccountRecord[] = [];
    const events: UsageEvent[] = [];
    let id = 0;
    // Daily and weekly products, rising, falling and flat usage, one account onboarding late, one without any event.
    const specs = [
      { account: 'a1', product: 'crm', seats: 20, users: 18, start: '2026-01-01', shape: () => 0.9 },
      { account: 'a2', product: 'crm', seats: 10, users: 10, start: '2026-01-01', shape: (w: number) => 0.2 + 0.04 * w },
      { account: 'a3', product: 'crm', seats: 30, users: 25, start: '2026-01-01', shape: (w: number) => Math.max(0.05, 0.9 - 0.05 * w) },
      { account: 'a4', product: 'projects', seats: 12, users: 12, start: addDays(D, -30), shape: () => 0.7 },
      { account: 'a5', product: 'projects', seats: 8, users: 8, start: '2026-01-01', shape: () => 0 },
      { account: 'a6', product: 'analytics', seats: 15, users: 15, start: '2026-01-01', shape: (w: number) => 0.3 - 0.012 * w },
      { account: 'a7', product: 'analytics', seats: 40, users: 40, start: '2026-01-01', shape: () => 0.15 },
    ];
    for (const s of specs) {
      accounts.push({
        account_id: s.account,
        product: s.product,
        licensed_seats: s.seats,
        onboarding_started_at: s.start,
        target_graduation_date: '2027-01-31',
        champion_user_ids: [],
        key_user_ids: [],
        core_features: [],
        critical_workflows: [],
      });
      for (let back = 125; back >= 0; back--) {
        const day = addDays(D, -back);
        const weekFromStart = Math.floor((125 - back) / 7);
        for (let u = 0; u < s.users; u++) {
          if (random() < s.shape(weekFromStart) * 0.35) {
            events.push({ eventId: `e${++id}`, accountId: s.account, userId: `u${u}`, event: 'open', timestamp: Date.parse(`${day}T09:00:00Z`) + u, product: s.product, feature: '', workflow: '', status: '', properties: {} });
          }
        }
      }
    }
    await insertAccounts(store, accounts, 'test');
    await insertEvents(store, events, 'test');

    const rows = await readUsageTrends(store, D, trendRules(products));

    // Direct computation: distinct users per 7-day window from the per-user daily aggregate.
    const userDays = await store.query<{ account_id: string; product: string; user_id: string; day: string }>(
      'SELECT account_id, product, user_id, toString(day) AS day FROM {db}.daily_user_activity GROUP BY account_id, product, user_id, day',
    );
    const windowUsers = (account: string, product: string, w: number) =>
      new Set(userDays.filter((r) => r.account_id === account && r.product === product && Math.floor(daysBetween(r.day, D) / 7) === w && daysBetween(r.day, D) >= 0).map((r) => r.user_id)).size;
    const expected = new Map<string, { accounts: number; q: number[]; rel: number; declining: number }>();
    for (let k = 0; k < TREND_WEEKS; k++) {
      const weekEnd = addDays(D, -7 * k);
      const per = specs
        .filter((s) => s.start <= weekEnd)
        .map((s) => {
          const ys = [5, 4, 3, 2, 1, 0].map((j) => windowUsers(s.account, s.product, k + j));
          const mean = ys.reduce((a, b) => a + b, 0) / 6;
          const rel = mean === 0 ? 0 : olsSlope(ys) / mean;
          const t = products.products[s.product]!.thresholds;
          const declining = t.declining_relative_slope !== null && ys.filter((y) => y > 0).length >= t.declining_min_nonzero_windows && rel <= t.declining_relative_slope;
          return { s, ratio: windowUsers(s.account, s.product, k) / s.seats, rel, declining };
        });
      const groups = new Map<string, typeof per>();
      for (const p of per) {
        for (const key of [`product_type/${products.products[p.s.product]!.profile}`, `product/${p.s.product}`]) groups.set(key, [...(groups.get(key) ?? []), p]);
      }
      for (const [key, g] of groups) {
        expected.set(`${key}/${weekEnd}`, {
          accounts: g.length,
          q: [0.25, 0.5, 0.75].map((q) => quantile(g.map((p) => p.ratio), q)),
          rel: quantile(g.map((p) => p.rel), 0.5),
          declining: g.filter((p) => p.declining).length / g.length,
        });
      }
    }
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const e = expected.get(`${r.level}/${r.key}/${r.week_end}`);
      expect(e, `${r.level}/${r.key}/${r.week_end}`).toBeDefined();
      expect(r.accounts).toBe(e!.accounts);
      expect(r.ratio_p25).toBeCloseTo(e!.q[0]!, 9);
      expect(r.ratio_median).toBeCloseTo(e!.q[1]!, 9);
      expect(r.ratio_p75).toBeCloseTo(e!.q[2]!, 9);
      expect(r.median_relative_slope).toBeCloseTo(e!.rel, 9);
      expect(r.share_declining).toBeCloseTo(e!.declining, 9);
    }
    // The data moves: some weeks decline, the late account joins the last weeks only.
    expect(rows.some((r) => r.share_declining > 0)).toBe(true);
    expect(rows.filter((r) => r.level === 'product' && r.key === 'projects').map((r) => r.accounts)).toContain(1);
    expect(rows.filter((r) => r.level === 'product' && r.key === 'projects').map((r) => r.accounts)).toContain(2);
  });
});
