import { describe, expect, it } from 'vitest';
import type { FlagCode } from '../../schemas/flags.js';
import { PROFILE_DEFAULTS, type Thresholds } from '../../schemas/products.js';
import type { FlagStateRecord } from '../../scoring/inputs.js';
import { emptyInputs } from '../../scoring/inputs.js';
import { AS_OF, accountRecord } from '../helpers/scoring-fixtures.js';
import { applyLifecycle, computeMetrics, evaluateUsageFlags, flagId, usageCompletion, usageScore } from '../../scoring/index.js';

const account = accountRecord({ licensed_seats: 100 });

/** Metrics with a given weekly active count (of 100 seats), steady over six weeks. */
function metricsFor(weekly: number, daily = weekly, t: Thresholds = PROFILE_DEFAULTS.daily) {
  const inputs = { ...emptyInputs('acme', 'crm'), daily_users: Array(7).fill(daily), weekly_windows: Array(6).fill(weekly), monthly_users: weekly };
  return computeMetrics(account, inputs, AS_OF, t);
}

/** Runs the lifecycle over a series of days, carrying state forward; returns the transition kinds per day. */
function runSeries(weeklies: number[], code: FlagCode) {
  const t = PROFILE_DEFAULTS.daily;
  let state = new Map<FlagCode, FlagStateRecord>();
  const kinds: string[] = [];
  weeklies.forEach((weekly, i) => {
    const m = metricsFor(weekly, 60);
    const conds = evaluateUsageFlags(m, usageCompletion(m, t), t, 100).filter((c) => c.code === code);
    const day = `2026-11-${String(i + 1).padStart(2, '0')}`;
    const r = applyLifecycle(conds, state, { accountId: 'acme', product: 'crm', asOf: day, occurredAt: `${day}T00:00:00Z`, updateMinChange: t.update_min_change });
    kinds.push(r.transitions.map((x) => x.kind).join(',') || '-');
    state = new Map(state);
    for (const s of r.states) state.set(s.code, s);
  });
  return kinds;
}

describe('flag lifecycle and hysteresis', () => {
  it('a weekly ratio hovering at 0.50 does not flap low_engagement', () => {
    // opens below 0.50, stays open until ≥ 0.55, then stays resolved until it drops below 0.50 again
    expect(runSeries([49, 51, 49, 51, 53, 56, 54, 50, 49], 'low_engagement')).toEqual(['opened', '-', '-', '-', '-', 'resolved', '-', '-', 'opened']);
  });
  it('a trend hovering at the declining threshold does not flap usage_below_threshold', () => {
    const t = PROFILE_DEFAULTS.daily;
    // Six weekly windows (newest first, as the inputs hold them) whose relative slope is
    // just below, just above, then well above -0.05.
    const windows: Record<string, number[]> = {
      below: [90, 96, 102, 108, 114, 120], // slope -6 / mean 105 ≈ -0.057
      above: [90, 94, 98, 102, 106, 110], // slope -4 / mean 100 = -0.040
      clear: [90, 90, 90, 90, 90, 90],
    };
    const slopeOf = (w: number[]) => computeMetrics(account, { ...emptyInputs('acme', 'crm'), daily_users: Array(7).fill(60), weekly_windows: w, monthly_users: 95 }, AS_OF, t).trend.relative_slope;
    // Pick series on both sides of the threshold, inside the resolving margin.
    expect(slopeOf(windows.below!)).toBeLessThanOrEqual(t.declining_relative_slope!);
    expect(slopeOf(windows.above!)).toBeGreaterThan(t.declining_relative_slope!);
    expect(slopeOf(windows.above!)).toBeLessThanOrEqual(t.declining_relative_slope! + t.hysteresis_slope_margin);
    let state = new Map<FlagCode, FlagStateRecord>();
    const kinds: string[] = [];
    ['below', 'above', 'below', 'above', 'clear'].forEach((which, i) => {
      const m = computeMetrics(account, { ...emptyInputs('acme', 'crm'), daily_users: Array(7).fill(60), weekly_windows: windows[which]!, monthly_users: 95 }, AS_OF, t);
      const conds = evaluateUsageFlags(m, usageCompletion(m, t), t, 100).filter((c) => c.code === 'usage_below_threshold');
      const day = `2026-11-0${i + 1}`;
      const r = applyLifecycle(conds, state, { accountId: 'acme', product: 'crm', asOf: day, occurredAt: `${day}T00:00:00Z`, updateMinChange: t.update_min_change });
      kinds.push(r.transitions.map((x) => x.kind).join(',') || '-');
      state = new Map(state);
      for (const s of r.states) state.set(s.code, s);
    });
    expect(kinds).toEqual(['opened', '-', '-', '-', 'resolved']);
  });
  it('a ratio exactly at threshold + margin clears (no floating-point miss)', () => {
    // 0.8 + 0.05 is 0.8500000000000001 in floating point; a weekly ratio of exactly 0.85 must clear it.
    const t = { ...PROFILE_DEFAULTS.daily, low_engagement_ratio: 0.8 };
    const m = metricsFor(85, 60, t);
    const low = evaluateUsageFlags(m, usageCompletion(m, t), t, 100).find((c) => c.code === 'low_engagement')!;
    expect(m.ratios.weekly).toBe(0.85);
    expect(low.cleared).toBe(true);
  });
  it('an open flag emits updated only when its number moves by update_min_change', () => {
    expect(runSeries([45, 44, 40, 34, 30], 'low_engagement')).toEqual(['opened', '-', '-', 'updated', '-']);
  });
  it('re-evaluating the same day from the same state yields no transition', () => {
    const t = PROFILE_DEFAULTS.daily;
    const m = metricsFor(40);
    const conds = evaluateUsageFlags(m, usageCompletion(m, t), t, 100);
    const ctx = { accountId: 'acme', product: 'crm', asOf: AS_OF, occurredAt: `${AS_OF}T00:00:00Z`, updateMinChange: 0.1 };
    const first = applyLifecycle(conds, new Map(), ctx);
    expect(first.transitions.map((x) => x.code).sort()).toEqual(['low_engagement', 'usage_below_threshold']);
    const state = new Map(first.states.map((s) => [s.code, s]));
    expect(applyLifecycle(conds, state, ctx).transitions).toEqual([]);
  });
  it('flag ids are stable per (account, product, code); transition ids unique', () => {
    expect(flagId('acme', 'crm', 'low_engagement')).toBe(flagId('acme', 'crm', 'low_engagement'));
    expect(flagId('acme', 'crm', 'low_engagement')).not.toBe(flagId('acme', 'projects', 'low_engagement'));
  });
  it('messages carry the numbers behind the flag', () => {
    const t = PROFILE_DEFAULTS.daily;
    const m = metricsFor(40);
    const low = evaluateUsageFlags(m, usageCompletion(m, t), t, 100).find((c) => c.code === 'low_engagement')!;
    expect(low.message).toBe('Weekly active 40% of 100 seats, needs 50% (40 active users)');
    expect(low.short).toBe('40%');
    expect(low.severity).toBe('red');
  });
  it('declining_usage needs a relative slope ≤ -0.05 with at least 3 non-zero windows', () => {
    const t = PROFILE_DEFAULTS.daily;
    const falling = computeMetrics(account, { ...emptyInputs('acme', 'crm'), weekly_windows: [50, 60, 70, 80, 90, 100], monthly_users: 100 }, AS_OF, t);
    expect(falling.trend.relative_slope).toBeLessThanOrEqual(-0.05);
    expect(evaluateUsageFlags(falling, usageCompletion(falling, t), t, 100).find((c) => c.code === 'declining_usage')!.active).toBe(true);
    const sparse = computeMetrics(account, { ...emptyInputs('acme', 'crm'), weekly_windows: [1, 0, 0, 0, 0, 9], monthly_users: 5 }, AS_OF, t);
    expect(sparse.trend.relative_slope).toBeLessThan(-0.05);
    expect(evaluateUsageFlags(sparse, usageCompletion(sparse, t), t, 100).find((c) => c.code === 'declining_usage')!.active).toBe(false);
  });
});

describe('usage.score', () => {
  const t = PROFILE_DEFAULTS.daily;
  const score = (weekly: number, daily: number, red = false) => {
    const m = metricsFor(weekly, daily);
    return usageScore(usageCompletion(m, t), { redFlagOpen: red, redFlagCap: t.red_flag_score_cap });
  };
  it('is monotone: never drops as the weekly or daily ratio rises', () => {
    for (const daily of [0, 30, 49, 50, 70, 100]) {
      let last = -1;
      for (let weekly = 0; weekly <= 130; weekly++) {
        const s = score(weekly, daily);
        expect(s).toBeGreaterThanOrEqual(last);
        last = s;
      }
    }
  });
  it('is at least 8 when every criterion is met and below 8 otherwise', () => {
    // exactly at both ratio thresholds: base 8; headroom 0, 0, 1 (no core features), 1 (flat trend) → +1
    expect(score(80, 50)).toBe(9);
    expect(score(100, 100)).toBe(10);
    expect(score(79, 100)).toBeLessThan(8);
  });
  it('worked example from docs/scoring.md: weekly 0.90, daily 0.60, features and trend fine → 9.35', () => {
    // attainments all 1 → base 8; headrooms: weekly (0.9-0.8)/0.2 = 0.5, daily (0.6-0.5)/0.5 = 0.2, features 1, trend 1 → mean 0.675 → +1.35
    expect(score(90, 60)).toBe(9.35);
  });
  it('an open red flag caps it below 8', () => {
    expect(score(100, 100, true)).toBe(7.9);
  });
});
