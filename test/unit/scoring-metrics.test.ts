import { describe, expect, it } from 'vitest';
import { PROFILE_DEFAULTS } from '../../schemas/products.js';
import { emptyInputs } from '../../scoring/inputs.js';
import { computeMetrics, coreFeatures, dailyAverage, olsSlope, peopleActivity, ratio, trend, workflows } from '../../scoring/index.js';

// 2026-11-20 is a Friday: the 7 days ending it are Sat 14 … Fri 20.
const FRIDAY = '2026-11-20';

describe('active_users.daily_avg', () => {
  it('averages Mon–Fri only by default, so weekend activity does not count', () => {
    // index i is day D-i: Fri, Thu, Wed, Tue, Mon, Sun, Sat
    expect(dailyAverage([10, 10, 10, 10, 10, 50, 50], FRIDAY, true)).toBe(10);
  });
  it('averages all 7 days when the profile says so', () => {
    expect(dailyAverage([10, 10, 10, 10, 10, 50, 50], FRIDAY, false)).toBe(21.43);
  });
  it('is 0 for an empty window', () => {
    expect(dailyAverage([0, 0, 0, 0, 0, 0, 0], FRIDAY, true)).toBe(0);
  });
  it('counts the right weekdays when D is a Monday', () => {
    // D = Mon 23: the window is Tue 17 … Mon 23; Sat 21 (i=2) and Sun 22 (i=1) are skipped.
    expect(dailyAverage([5, 100, 100, 5, 5, 5, 5], '2026-11-23', true)).toBe(5);
  });
});

describe('ratios', () => {
  it('divides by licensed seats and is not capped at 1 (seat overage)', () => {
    expect(ratio(12, 10)).toBe(1.2);
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(0, 10)).toBe(0);
  });
});

describe('trend', () => {
  it('reverses the windows to oldest first and fits an OLS slope', () => {
    const t = trend([6, 5, 4, 3, 2, 1]);
    expect(t.weekly_active).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.slope).toBe(1);
    expect(t.relative_slope).toBe(0.2857); // 1 / 3.5
    expect(t.nonzero_windows).toBe(6);
  });
  it('gives slope 0 and relative slope 0 for empty windows', () => {
    expect(trend([0, 0, 0, 0, 0, 0])).toMatchObject({ slope: 0, relative_slope: 0, nonzero_windows: 0 });
  });
  it('handles a single week of data (only the newest window non-zero)', () => {
    const t = trend([7, 0, 0, 0, 0, 0]);
    expect(t.weekly_active).toEqual([0, 0, 0, 0, 0, 7]);
    expect(t.slope).toBe(1); // Σ(x-2.5)·y / Σ(x-2.5)² = 17.5 / 17.5
    expect(t.relative_slope).toBe(0.8571); // 1 / (7/6)
    expect(t.nonzero_windows).toBe(1);
  });
  it('olsSlope of a flat series is 0 and of a falling one negative', () => {
    expect(olsSlope([4, 4, 4])).toBe(0);
    expect(olsSlope([10, 8, 6, 4, 2, 0])).toBe(-2);
  });
});

describe('core_features', () => {
  const t = { regular_min_windows: 3, core_feature_unused_days: 28 };
  it('counts activated (used in D-27…D) and regular (≥ 3 of 4 weekly windows)', () => {
    const cf = coreFeatures(['a', 'b', 'c', 'd'], { a: [0, 7, 14], b: [27], d: [30] }, t);
    expect(cf).toEqual({ activated: 2, regular: 1, total: 4, unused: ['c', 'd'], irregular: ['b', 'c', 'd'] });
  });
  it('two uses in the same week count as one window', () => {
    expect(coreFeatures(['a'], { a: [0, 1, 2, 14] }, t).regular).toBe(0);
  });
  it('is all zero with no core features', () => {
    expect(coreFeatures([], {}, t)).toMatchObject({ activated: 0, regular: 0, total: 0 });
  });
});

describe('key users, champions and workflows', () => {
  it('a person is active when their last active day is within the window', () => {
    expect(peopleActivity(['u1', 'u2', 'u3'], { u1: 0, u2: 29, u3: 30 }, 30)).toEqual({
      total: 3,
      active: 2,
      inactive: ['u3'],
      days_since_active: 0,
    });
  });
  it('workflow success rate over the window; null without runs', () => {
    const days = [
      { age: 0, runs: 3, successes: 3 },
      { age: 10, runs: 1, successes: 0 },
      { age: 30, runs: 5, successes: 0 },
    ];
    expect(workflows(days, 30)).toEqual({ runs: 4, successes: 3, success_rate: 0.75 });
    expect(workflows([], 30)).toEqual({ runs: 0, successes: 0, success_rate: null });
  });
});

describe('computeMetrics', () => {
  it('combines inputs into the report metrics (weekly from window 0, monthly from D-29…D)', () => {
    const inputs = { ...emptyInputs('acme', 'crm'), daily_users: [8, 8, 8, 8, 8, 0, 0], weekly_windows: [11, 10, 0, 0, 0, 0], monthly_users: 12 };
    const account = {
      account_id: 'acme',
      product: 'crm',
      licensed_seats: 10,
      onboarding_started_at: '2026-10-01',
      target_graduation_date: '2026-12-01',
      champion_user_ids: [],
      key_user_ids: [],
      core_features: [],
      critical_workflows: [],
    };
    const m = computeMetrics(account, inputs, FRIDAY, PROFILE_DEFAULTS.daily);
    expect(m.active_users).toEqual({ daily_avg: 8, weekly: 11, monthly: 12 });
    expect(m.ratios).toEqual({ daily: 0.8, weekly: 1.1, monthly: 1.2 });
    expect(m.trend.weekly_active).toEqual([0, 0, 0, 0, 10, 11]);
  });
});
