import { describe, expect, it } from 'vitest';
import { rng } from '../../examples/generate.js';
import { parseProducts, type ProductsConfig } from '../../schemas/products.js';
import { calibrate, loadOutcomesNdjson } from '../../runtime/index.js';
import { MINIMUMS, wilson, type CalibrationResult } from '../../scoring/index.js';
import { insertAccounts, insertSnapshots, readOutcomes, type SnapshotRecord, type Store } from '../../transforms/index.js';
import { insertOutcomes } from '../../transforms/outcomes.js';
import { createTestStore } from '../helpers/store.js';

const PRODUCTS: ProductsConfig = parseProducts(JSON.stringify({ products: { crm: { profile: 'daily' }, audit: { profile: 'periodic' } } }), '(test)');
const NOW = new Date('2026-11-20T12:00:00Z');
const limits = { now: () => NOW, maxFutureSkewMs: 86_400_000, maxBytes: 65_536 };

interface Planted {
  account: string;
  product?: string;
  band: 'ready' | 'close' | 'not_ready' | 'incomplete';
  weekly: number;
  declining: boolean;
  outcome: 'renewed' | 'expanded' | 'churned' | 'downgraded';
  graduatedAt?: string;
  onboardingStart?: string;
}

function snapshot(p: Planted, asOf: string): SnapshotRecord {
  const slope = p.declining ? -0.2 : 0.05;
  const criteria = [
    { name: 'weekly_ratio', value: p.weekly, threshold: 0.8, met: p.weekly >= 0.8, attainment: 1, headroom: 0 },
    { name: 'not_declining', value: slope, threshold: -0.05, met: !p.declining, attainment: 1, headroom: 0 },
  ];
  const flags = p.declining ? [{ code: 'declining_usage', severity: 'red' }] : [];
  return {
    account_id: p.account,
    product: p.product ?? 'crm',
    as_of: asOf,
    product_type: 'daily',
    band: p.band,
    ready: p.band === 'ready',
    graduation_score: 7,
    usage_score: 7,
    usage_complete: criteria.every((c) => c.met),
    ratio_daily: 0.5,
    ratio_weekly: p.weekly,
    ratio_monthly: 0.9,
    red_flags: flags.length,
    flag_codes: flags.map((f) => f.code),
    relative_slope: slope,
    csm: '',
    account_name: '',
    risk: flags.length,
    config_hash: 'test',
    report: { usage: { criteria }, trend: { relative_slope: slope }, workflows: { success_rate: null }, flags },
  };
}

/** Stores accounts, snapshots around each graduation day, and outcomes. */
async function plant(store: Store, planted: readonly Planted[]): Promise<void> {
  await insertAccounts(
    store,
    planted.map((p) => ({
      account_id: p.account,
      product: p.product ?? 'crm',
      licensed_seats: 10,
      onboarding_started_at: p.onboardingStart ?? '2026-01-01',
      target_graduation_date: '2026-04-15',
      champion_user_ids: [],
      key_user_ids: [],
      core_features: [],
      critical_workflows: [],
    })),
    'test',
  );
  const snaps: SnapshotRecord[] = [];
  for (const p of planted) {
    const grad = p.graduatedAt ?? '2026-04-01'; // 2026-01-01 + 90 days
    // A decoy after graduation that must not be used, and the snapshot at graduation.
    snaps.push(snapshot(p, grad), snapshot({ ...p, band: 'incomplete', weekly: 0, declining: false }, '2026-06-01'));
  }
  await insertSnapshots(store, snaps);
  await insertOutcomes(
    store,
    planted.map((p) => ({ account_id: p.account, product: p.product ?? 'crm', outcome: p.outcome, outcome_at: '2026-10-01T00:00:00Z', ...(p.graduatedAt ? { graduated_at: p.graduatedAt } : {}) })),
    'test',
  );
}

const retainedOf = (p: Planted) => p.outcome === 'renewed' || p.outcome === 'expanded';

/** Wilson interval written out from its textbook form (p̂ + z²/2n ± z√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). */
function directWilson(x: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = x / n;
  const a = p + (z * z) / (2 * n);
  const b = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const c = 1 + (z * z) / n;
  return [(a - b) / c, (a + b) / c];
}

function expectGroup(actual: { accounts: number; retained: number; retention: number | null; ci_low: number | null; ci_high: number | null }, members: readonly Planted[]) {
  const n = members.length;
  const x = members.filter(retainedOf).length;
  expect(actual.accounts).toBe(n);
  expect(actual.retained).toBe(x);
  if (n === 0) {
    expect(actual.retention).toBeNull();
    return;
  }
  const [low, high] = directWilson(x, n);
  expect(actual.retention).toBeCloseTo(x / n, 4);
  expect(actual.ci_low).toBeCloseTo(Math.max(0, low), 4);
  expect(actual.ci_high).toBeCloseTo(Math.min(1, high), 4);
}

describe('Wilson interval', () => {
  it('matches published values and stays within [0, 1]', () => {
    // 81 of 263: 0.2553–0.3662 (computed independently to four places).
    const w = wilson(81, 263);
    expect(w.low).toBeCloseTo(0.2553, 3);
    expect(w.high).toBeCloseTo(0.3662, 3);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBeCloseTo(1, 12);
    expect(wilson(0, 0)).toEqual({ low: null, high: null });
  });
});

describe('calibrate on hand-built outcomes', () => {
  it('retention by band, criterion, flag and on-time equals a direct computation', async () => {
    const store = await createTestStore();
    const random = rng(11);
    const bands = ['ready', 'close', 'not_ready', 'incomplete'] as const;
    const outcomes = ['renewed', 'expanded', 'churned', 'downgraded'] as const;
    const planted: Planted[] = Array.from({ length: 80 }, (_, i) => {
      const band = bands[Math.floor(random() * bands.length)]!;
      const declining = random() < 0.3;
      const keep = random() < (band === 'ready' ? 0.9 : declining ? 0.3 : 0.6);
      return {
        account: `acc-${i}`,
        band,
        weekly: Math.round(random() * 100) / 100,
        declining,
        outcome: keep ? outcomes[Math.floor(random() * 2)]! : outcomes[2 + Math.floor(random() * 2)]!,
        // Half graduate explicitly (one on time, one late); the rest at onboarding start + 90 days.
        ...(i % 2 === 0 ? { graduatedAt: i % 4 === 0 ? '2026-03-20' : '2026-05-10' } : {}),
      };
    });
    await plant(store, planted);
    const result = await calibrate({ store, products: PRODUCTS, graduationAgeDays: 90 });

    expect(result.coverage).toEqual({ outcomes: 80, calibrated: 80, no_graduation_day: 0, no_snapshot: 0 });
    expectGroup(result.overall, planted);
    for (const band of bands) expectGroup(result.by_band.find((b) => b.band === band)!, planted.filter((p) => p.band === band));
    for (const met of [true, false]) {
      expectGroup(result.by_criterion.find((c) => c.criterion === 'weekly_ratio' && c.met === met)!, planted.filter((p) => p.weekly >= 0.8 === met));
      expectGroup(result.by_criterion.find((c) => c.criterion === 'not_declining' && c.met === met)!, planted.filter((p) => !p.declining === met));
    }
    for (const open of [true, false]) {
      expectGroup(result.by_flag.find((f) => f.flag === 'declining_usage' && f.open === open)!, planted.filter((p) => p.declining === open));
    }
    expectGroup(result.by_flag.find((f) => f.flag === 'low_engagement' && !f.open)!, planted);
    // On time: graduation day (explicit, or 2026-04-01 by age) on or before the 2026-04-15 target.
    expectGroup(result.by_on_time.find((o) => o.on_time)!, planted.filter((p) => (p.graduatedAt ?? '2026-04-01') <= '2026-04-15'));
    expectGroup(result.by_on_time.find((o) => !o.on_time)!, planted.filter((p) => (p.graduatedAt ?? '2026-04-01') > '2026-04-15'));
    const overall = planted.filter(retainedOf).length / planted.length;
    const ready = planted.filter((p) => p.band === 'ready');
    expect(result.by_band[0]!.lift).toBeCloseTo(ready.filter(retainedOf).length / ready.length / overall, 3);
  });

  it('a threshold sweep finds a planted separation', async () => {
    const store = await createTestStore();
    const random = rng(7);
    // Weekly ratios spread over 0.02–0.98; retained mostly at or above 0.6, with 10% noise.
    const planted: Planted[] = Array.from({ length: 120 }, (_, i) => {
      const weekly = Math.round((0.02 + 0.96 * random()) * 100) / 100;
      const keep = (weekly >= 0.6) !== random() < 0.1;
      return { account: `s-${i}`, band: 'close', weekly, declining: false, outcome: keep ? 'renewed' : 'churned' };
    });
    await plant(store, planted);
    const result = await calibrate({ store, products: PRODUCTS, graduationAgeDays: 90 });
    const sweep = result.threshold_sweeps.find((s) => s.product_type === 'daily' && s.threshold === 'weekly_ratio_min')!;
    expect(sweep.current).toEqual([0.8]);
    expect(sweep.status).toBe('suggested');
    expect(sweep.suggestion!.value).toBe(0.6);
    expect(sweep.suggestion!.intervals_overlap).toBe(false);
    // Each candidate's sides equal a direct count.
    for (const c of sweep.candidates) {
      expectGroup(c.at_or_above, planted.filter((p) => p.weekly >= c.value));
      expectGroup(c.below, planted.filter((p) => p.weekly < c.value));
    }
    // No separation planted on the slope: every account-product is on one side.
    const slope = result.threshold_sweeps.find((s) => s.threshold === 'declining_relative_slope')!;
    expect(slope.status).toBe('insufficient');
  });

  it('tiny samples are reported as insufficient, not as findings', async () => {
    const store = await createTestStore();
    const planted: Planted[] = Array.from({ length: 6 }, (_, i) => ({
      account: `t-${i}`,
      band: i < 3 ? 'ready' : 'not_ready',
      weekly: i < 3 ? 0.9 : 0.2,
      declining: false,
      outcome: i < 3 ? 'renewed' : 'churned',
    }));
    await plant(store, planted);
    const result: CalibrationResult = await calibrate({ store, products: PRODUCTS, graduationAgeDays: 90 });
    expect(result.overall.accounts).toBe(6);
    expect(result.threshold_sweeps.length).toBeGreaterThan(0);
    for (const s of result.threshold_sweeps) {
      expect(s.status).toBe('insufficient');
      expect(s.suggestion).toBeNull();
      expect(s.reason).toContain(`at least ${MINIMUMS.sweep_profile}`);
    }
    for (const b of result.by_band) expect(b.sufficient).toBe(false);
  });

  it('outcomes without a graduation day or without a snapshot are counted apart, not calibrated', async () => {
    const store = await createTestStore();
    await plant(store, [{ account: 'has', band: 'ready', weekly: 0.9, declining: false, outcome: 'renewed' }]);
    await insertOutcomes(
      store,
      [
        { account_id: 'no-account', product: 'crm', outcome: 'churned', outcome_at: '2026-10-01T00:00:00Z' },
        { account_id: 'no-snapshot', product: 'crm', outcome: 'churned', outcome_at: '2026-10-01T00:00:00Z', graduated_at: '2026-02-01' },
      ],
      'test',
    );
    const result = await calibrate({ store, products: PRODUCTS, graduationAgeDays: 90 });
    expect(result.coverage).toEqual({ outcomes: 3, calibrated: 1, no_graduation_day: 1, no_snapshot: 1 });
    // The graduation age is configurable: at 150 days the only snapshot is out of reach.
    const later = await calibrate({ store, products: PRODUCTS, graduationAgeDays: 150 });
    expect(later.coverage.calibrated).toBe(0);
  });
});

describe('outcomes load', () => {
  it('refuses bad records with their line and reason and stores the good ones', async () => {
    const store = await createTestStore();
    const good = (account: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ account_id: account, product: 'crm', outcome: 'renewed', outcome_at: '2026-10-01T00:00:00Z', ...extra });
    const lines = [
      good('ok-1'),
      '{"account_id": "broken", "product": "crm"',
      '{"account_id":"lone\\ud800","product":"crm","outcome":"renewed","outcome_at":"2026-10-01"}',
      good('ctl\u0001char'),
      good('bad-day', { outcome_at: '2026-02-30T00:00:00Z' }),
      good('too-old', { outcome_at: '1999-12-31' }),
      good('future', { outcome_at: '2027-06-01T00:00:00Z' }),
      good('paused', { outcome: 'paused' }),
      good('grad-after', { graduated_at: '2026-10-05' }),
      '',
      good('ok-2', { outcome: 'churned', graduated_at: '2026-05-01' }),
    ];
    const summary = await loadOutcomesNdjson(store, limits, lines.join('\n'), 'test');
    expect(summary.loaded).toBe(2);
    const reasons = new Map(summary.rejected.map((r) => [r.line, r.reason]));
    expect([...reasons.keys()]).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reasons.get(2)).toMatch(/not JSON/);
    expect(reasons.get(3)).toMatch(/account_id: .*lone surrogates/);
    expect(reasons.get(4)).toMatch(/account_id: .*control characters/);
    expect(reasons.get(5)).toMatch(/outcome_at: .*not a real calendar day/);
    expect(reasons.get(6)).toMatch(/outcome_at: .*before 2000-01-01/);
    expect(reasons.get(7)).toMatch(/outcome_at: .*future/);
    expect(reasons.get(8)).toMatch(/outcome: .*one of renewed, expanded, churned, downgraded/);
    expect(reasons.get(9)).toMatch(/graduated_at: .*after outcome_at/);
    const stored = await readOutcomes(store);
    expect(stored.map((o) => [o.account_id, o.outcome, o.graduated_at])).toEqual([
      ['ok-1', 'renewed', null],
      ['ok-2', 'churned', '2026-05-01'],
    ]);
    // A later record for the same account-product replaces the earlier one.
    await loadOutcomesNdjson(store, limits, good('ok-1', { outcome: 'expanded' }), 'test');
    expect((await readOutcomes(store, { accountId: 'ok-1' })).map((o) => o.outcome)).toEqual(['expanded']);
  });
});
