import { describe, expect, it } from 'vitest';
import type { FlagCode } from '../../schemas/flags.js';
import { DEFAULT_WEIGHTS, PROFILE_DEFAULTS } from '../../schemas/products.js';
import type { FlagStateRecord } from '../../scoring/inputs.js';
import type { LatestAssessment } from '../../scoring/inputs.js';
import { emptyInputs } from '../../scoring/inputs.js';
import { explainChange, scoreAccount, type ReadinessReport } from '../../scoring/index.js';
import { accountRecord, assessed as assessedAt } from '../helpers/scoring-fixtures.js';

const account = accountRecord({ licensed_seats: 25, champion_user_ids: ['c1'] });
const assessed = (dimension: LatestAssessment['dimension'], score: number) => assessedAt(dimension, score, '2026-11-01T09:00:00Z');

function score(asOf: string, opts: { weeklyOldestFirst: number[]; seats?: number; value?: number; previous?: Map<FlagCode, FlagStateRecord>; championAge?: number }) {
  const last = opts.weeklyOldestFirst[opts.weeklyOldestFirst.length - 1]!;
  return scoreAccount({
    account: { ...account, licensed_seats: opts.seats ?? 25 },
    product: { name: 'crm', profile: 'daily', thresholds: PROFILE_DEFAULTS.daily },
    weights: DEFAULT_WEIGHTS,
    configHash: 'h',
    inputs: {
      ...emptyInputs('acme', 'crm'),
      daily_users: Array(7).fill(last),
      weekly_windows: [...opts.weeklyOldestFirst].reverse(),
      monthly_users: Math.max(...opts.weeklyOldestFirst),
      person_last_active_age: opts.championAge === undefined ? {} : { c1: opts.championAge },
    },
    assessments: [assessed('technical', 8), assessed('knowledge', 8), assessed('value', opts.value ?? 8), assessed('stakeholder', 8)],
    previousFlags: opts.previous ?? new Map(),
    asOf,
    occurredAt: `${asOf}T12:00:00Z`,
  });
}

describe('plain language', () => {
  it('states flags as percentages of seats against their threshold, trends per week, with chip numbers and ages', () => {
    const first = score('2026-11-08', { weeklyOldestFirst: [16, 15, 14, 12, 9, 4], championAge: 20 });
    const flags = Object.fromEntries(first.report.flags.map((f) => [f.code, f]));
    expect(flags.low_engagement!.message).toBe('Weekly active 16% of 25 seats, needs 50% (4 active users)');
    expect(flags.low_engagement!.label).toBe('Low engagement 16%');
    expect(flags.declining_usage!.message).toBe('Weekly active down 20% a week over 6 weeks (16 → 15 → 14 → 12 → 9 → 4 users); flagged at a fall of 5% a week or more');
    expect(flags.declining_usage!.label).toBe('Declining usage −20%/wk');
    expect(flags.champion_inactive!.message).toBe('No champion active in 14 days: last seen 20 days ago (c1)');
    expect(flags.usage_below_threshold!.message).toMatch(/^Usage completion not met \(3 of 4 criteria\): Daily active 16% of 25 seats, needs 50%; Weekly active 16% of 25 seats, needs 80%; weekly active down 20% a week over 6 weeks$/);
    expect(flags.low_engagement!.age).toBe('new today');
    expect(flags.low_engagement!.open_days).toBe(0);
    for (const f of first.report.flags) expect(f.message).not.toMatch(/ratio|_|relative slope/);

    // Twelve days later, still open: the age says so; the champion is back, so its resolution reads in words.
    const previous = new Map(first.states.map((s) => [s.code, s]));
    const later = score('2026-11-20', { weeklyOldestFirst: [16, 15, 14, 12, 9, 4], previous, championAge: 0 });
    const low = later.report.flags.find((f) => f.code === 'low_engagement')!;
    expect(low.age).toBe('open 12 days');
    const resolved = later.transitions.find((t) => t.code === 'champion_inactive')!;
    expect(resolved.kind).toBe('resolved');
    expect(resolved.message).toBe('Resolved: A champion was active today');
  });

  it('explains a change in words and classifies its cause: telemetry, CSM assessment, account record', () => {
    const before: ReadinessReport = score('2026-11-19', { weeklyOldestFirst: [20, 20, 20, 20, 20, 20], championAge: 1 }).report;
    const assessment = explainChange(before, score('2026-11-20', { weeklyOldestFirst: [20, 20, 20, 20, 20, 20], championAge: 1, value: 9 }).report);
    expect(assessment.causes).toEqual(['assessment']);
    expect(assessment.cause).toBe('data');
    expect(assessment.inputs).toEqual([expect.objectContaining({ field: 'graduation.dimensions.value.score', before: 8, after: 9, source: 'assessment', text: 'Value score 8 → 9' })]);
    expect(assessment.summary).toMatch(/^Changed by a CSM assessment\. Graduation score [\d.]+ → [\d.]+/);

    const seats = explainChange(before, score('2026-11-20', { weeklyOldestFirst: [20, 20, 20, 20, 20, 20], championAge: 1, seats: 50 }).report);
    // More seats move the ratios, but usage did not change: the account record is the only cause.
    expect(seats.causes).toEqual(['account']);
    expect(seats.inputs.find((c) => c.field === 'licensed_seats')).toMatchObject({ source: 'account', text: 'Licensed seats 25 → 50' });
    expect(seats.inputs.find((c) => c.field === 'ratios.weekly')).toMatchObject({ source: 'account', text: 'Weekly active 80% → 40% of seats' });
    expect(seats.flags_opened).toContain('low_engagement');
    expect(seats.summary).toMatch(/Opened: .*Low engagement/);

    const same = explainChange(before, { ...before, as_of: '2026-11-20' });
    expect(same).toMatchObject({ causes: [], cause: 'none', summary: 'Nothing changed.' });
  });
});
