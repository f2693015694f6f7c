import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, PROFILE_DEFAULTS } from '../../schemas/products.js';
import type { LatestAssessment } from '../../scoring/inputs.js';
import { emptyInputs } from '../../scoring/inputs.js';
import { compareByRisk, riskScore, scoreAccount, type ReadinessReport } from '../../scoring/index.js';
import { AS_OF, accountRecord, assessed } from '../helpers/scoring-fixtures.js';

const account = accountRecord({ licensed_seats: 25 });

/** A daily-profile report whose six weekly windows are `oldestFirst`, with the CSM's four dimensions assessed. */
function report(oldestFirst: number[], dimensions: LatestAssessment['dimension'][] = ['technical', 'knowledge', 'value', 'stakeholder']): ReadinessReport {
  const last = oldestFirst[oldestFirst.length - 1]!;
  return scoreAccount({
    account,
    product: { name: 'crm', profile: 'daily', thresholds: PROFILE_DEFAULTS.daily },
    weights: DEFAULT_WEIGHTS,
    configHash: 'h',
    inputs: { ...emptyInputs('acme', 'crm'), daily_users: Array(7).fill(last), weekly_windows: [...oldestFirst].reverse(), monthly_users: Math.max(...oldestFirst) },
    assessments: dimensions.map((d) => assessed(d, 8)),
    previousFlags: new Map(),
    asOf: AS_OF,
    occurredAt: `${AS_OF}T12:00:00Z`,
  }).report;
}

describe('risk score', () => {
  it('adds severity bases and magnitudes as docs/scoring.md works them out', () => {
    const r = report([16, 15, 14, 12, 9, 4]);
    expect(r.trend.relative_slope).toBe(-0.1959);
    expect(r.ratios.weekly).toBe(0.16);
    const parts = Object.fromEntries(r.risk.parts.map((p) => [p.factor, p]));
    expect(parts.declining_usage).toEqual({ factor: 'declining_usage', points: 51.3, text: 'Weekly active down 20% a week over 6 weeks' });
    expect(parts.low_engagement).toEqual({ factor: 'low_engagement', points: 47.2, text: 'Weekly active 16% of 25 seats, needs 50%' });
    expect(parts.usage_below_threshold!.points).toBe(21);
    expect(r.graduation.band).toBe('close');
    expect(parts.scorecard!.points).toBe(3);
    expect(r.risk.score).toBe(122.5);
    expect(riskScore(r)).toBe(r.risk.score);
    // Largest part first.
    expect(r.risk.parts.map((p) => p.points)).toEqual([...r.risk.parts.map((p) => p.points)].sort((a, b) => b - a));
  });

  it('ranks a steeper decline above a milder one, and both above a healthy account missing assessments', () => {
    const steep = report([16, 15, 14, 12, 9, 4]);
    const mild = report([22, 21, 20, 19, 18, 17]);
    const paperwork = report([24, 24, 24, 24, 24, 24], ['technical', 'knowledge']);
    expect(mild.flags.map((f) => f.code)).toContain('declining_usage');
    expect(paperwork.flags).toEqual([]);
    expect(paperwork.graduation.band).toBe('incomplete');
    expect(paperwork.risk.score).toBe(4);
    const ranked = [paperwork, mild, steep].sort(compareByRisk);
    expect(ranked).toEqual([steep, mild, paperwork]);
  });

  it('ranks a report stored before the risk score by the same rule', () => {
    const r = report([16, 15, 14, 12, 9, 4]);
    const { risk: _risk, ...stored } = r;
    const healthy = report([24, 24, 24, 24, 24, 24]);
    expect([healthy, stored as ReadinessReport].sort(compareByRisk)[0]).toBe(stored);
  });
});
