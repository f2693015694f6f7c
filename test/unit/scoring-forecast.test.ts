import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, PROFILE_DEFAULTS } from '../../schemas/products.js';
import { emptyInputs } from '../../scoring/inputs.js';
import { scoreAccount } from '../../scoring/index.js';
import { AS_OF, accountRecord } from '../helpers/scoring-fixtures.js';

const account = accountRecord({ licensed_seats: 100 });

function report(weeklyOldestFirst: number[], daily: number[], lastEventOn?: string | null) {
  return scoreAccount({
    account,
    product: { name: 'crm', profile: 'daily', thresholds: PROFILE_DEFAULTS.daily },
    weights: DEFAULT_WEIGHTS,
    configHash: 'h',
    inputs: { ...emptyInputs('acme', 'crm'), daily_users: daily, weekly_windows: [...weeklyOldestFirst].reverse(), monthly_users: 80 },
    assessments: [],
    previousFlags: new Map(),
    asOf: AS_OF,
    occurredAt: `${AS_OF}T12:00:00Z`,
    ...(lastEventOn === undefined ? {} : { lastEventOn }),
  }).report;
}

describe('forecast', () => {
  it('projects when each ratio criterion is met at the current pace', () => {
    // Weekly actives rise 5 a week to 60 of 100 seats: 80% is 20 users away, 4 weeks at this pace.
    const r = report([35, 40, 45, 50, 55, 60], Array(7).fill(45));
    expect(r.trend.slope).toBe(5);
    const weekly = r.forecast.find((f) => f.criterion === 'weekly_ratio')!;
    expect(weekly).toMatchObject({ status: 'on_track', weeks: 4, text: 'Weekly active reaches 80% in about 4 weeks' });
    // Daily 45% rises by 45% × relative slope (5 / 47.5) a week: (0.5 - 0.45) / 0.0474 → 2 weeks.
    expect(r.forecast.find((f) => f.criterion === 'daily_ratio')).toMatchObject({ status: 'on_track', weeks: 2 });
    expect(r.forecast.find((f) => f.criterion === 'not_declining')).toMatchObject({ status: 'met' });
  });

  it('says "not on track: declining" when the trend falls, and is empty once usage is complete', () => {
    const falling = report([70, 66, 62, 58, 54, 50], Array(7).fill(40));
    expect(falling.forecast.find((f) => f.criterion === 'weekly_ratio')).toMatchObject({ status: 'not_on_track', reason: 'declining', text: 'Weekly active reaching 80%: not on track (declining)' });
    const flat = report([60, 60, 60, 60, 60, 60], Array(7).fill(40));
    expect(flat.forecast.find((f) => f.criterion === 'weekly_ratio')).toMatchObject({ status: 'not_on_track', reason: 'flat' });
    const complete = report([90, 90, 90, 90, 90, 90], Array(7).fill(70));
    expect(complete.usage.complete).toBe(true);
    expect(complete.forecast).toEqual([]);
  });
});

describe('freshness', () => {
  it('warns after 7 days without events', () => {
    expect(report([60, 60, 60, 60, 60, 60], Array(7).fill(40), '2026-11-19').freshness).toEqual({ scored_at: `${AS_OF}T12:00:00Z`, last_event_on: '2026-11-19', days_without_events: 1, stale: false });
    expect(report([60, 60, 60, 60, 60, 0], Array(7).fill(0), '2026-11-13').freshness).toMatchObject({ days_without_events: 7, stale: true });
    expect(report([0, 0, 0, 0, 0, 0], Array(7).fill(0), null).freshness).toMatchObject({ last_event_on: null, stale: true });
    // Without the store's answer, the last 7 days of inputs decide.
    expect(report([60, 60, 60, 60, 60, 60], [0, 0, 3, 0, 0, 0, 0]).freshness).toMatchObject({ last_event_on: '2026-11-18', days_without_events: 2, stale: false });
  });
});
