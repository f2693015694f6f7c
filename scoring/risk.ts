import type { FlagCode } from '../schemas/flags.js';
import type { ReadinessReport } from './report.js';
import { round } from './rounding.js';
import type { Band } from './scorecard.js';
import { days, list, percent, ratioPhrase, trendPhrase } from './wording.js';

/**
 * The risk score: how urgently an account-product needs a CSM, as points that
 * add up from named parts (docs/scoring.md, "Risk"). Severity sets the base of
 * each open flag (red 20, warning 5); magnitude adds to it: how steep the
 * decline, how far below the threshold, how many days overdue, whether the
 * champion is gone. A scorecard still missing assessments adds little, so an
 * account that only lacks paperwork ranks below one whose usage is failing.
 */

export type RiskFactor =
  | 'declining_usage'
  | 'low_engagement'
  | 'usage_below_threshold'
  | 'core_features_unused'
  | 'champion_inactive'
  | 'key_users_inactive'
  | 'workflow_failures'
  | 'onboarding_overdue'
  | 'scorecard';

export interface RiskPart {
  factor: RiskFactor;
  points: number;
  /** Why, in words with the numbers ("Weekly active down 19% a week over 6 weeks"). */
  text: string;
}

export interface Risk {
  /** Sum of the parts' points, 1 decimal; 0 when nothing is wrong. */
  score: number;
  /** Largest first. */
  parts: RiskPart[];
}

const BASE = { red: 20, warning: 5 } as const;
/** Points per unit of magnitude (a full-scale decline, shortfall, overdue span). */
const DECLINE_POINTS = 40;
/** A relative slope of −25% a week counts as the steepest decline. */
const STEEPEST_DECLINE = 0.25;
const SHORTFALL_POINTS = 40;
const BELOW_THRESHOLD_POINTS = 20;
const OVERDUE_POINTS = 20;
/** Days past the overdue limit at which the overdue magnitude is full. */
const OVERDUE_FULL_DAYS = 60;
const CHAMPION_LATE_POINTS = 10;
const CHAMPION_GONE_POINTS = 15;
const SHARE_POINTS = { key_users_inactive: 20, core_features_unused: 10 } as const;
const BAND_POINTS: Record<Band, number> = { not_ready: 10, close: 3, ready: 0, incomplete: 0 };
const MISSING_DIMENSION_POINTS = 2;

/** What the risk reads: every report field but the risk itself. */
export type RiskInput = Omit<ReadinessReport, 'risk'>;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
/** How far `value` falls short of `min`, as a share of `min` (0 when met). */
const shortfall = (value: number, min: number) => (min <= 0 ? 0 : clamp01((min - value) / min));

function flagPart(r: RiskInput, code: FlagCode): RiskPart | undefined {
  const flag = r.flags.find((f) => f.code === code);
  if (!flag) return undefined;
  const t = r.thresholds;
  const base = BASE[flag.severity];
  const part = (magnitude: number, text: string): RiskPart => ({ factor: code, points: base + magnitude, text });
  switch (code) {
    case 'declining_usage': {
      const steep = clamp01(-r.trend.relative_slope / STEEPEST_DECLINE);
      return part(DECLINE_POINTS * steep, `Weekly active ${trendPhrase(r.trend.relative_slope, r.trend.weekly_active.length)}`);
    }
    case 'low_engagement': {
      const min = t.low_engagement_ratio ?? 0;
      const value = r.ratios[t.primary_ratio];
      return part(SHORTFALL_POINTS * shortfall(value, min), ratioPhrase(t.primary_ratio, value, r.licensed_seats, min));
    }
    case 'usage_below_threshold': {
      const unmet = r.usage.criteria.filter((c) => !c.met);
      // Only the ratio criteria: a decline, unused features and idle key users count in their own parts.
      const worst = Math.max(0, ...unmet.filter((c) => c.name.endsWith('_ratio')).map((c) => 1 - c.attainment));
      return part(BELOW_THRESHOLD_POINTS * worst, `Usage completion not met (${unmet.length} of ${r.usage.criteria.length} criteria)`);
    }
    case 'core_features_unused': {
      const share = r.core_features.total === 0 ? 0 : flag.subjects.length / r.core_features.total;
      return part(SHARE_POINTS.core_features_unused * share, `${flag.subjects.length} of ${r.core_features.total} core features unused: ${list(flag.subjects)}`);
    }
    case 'champion_inactive': {
      const since = r.champions.days_since_active;
      const window = t.champion_inactive_days ?? 14;
      if (since === null) return part(CHAMPION_GONE_POINTS, 'Champion gone: no champion activity at all in the lookback');
      return part(CHAMPION_LATE_POINTS * clamp01((since - window) / window), `Champion inactive for ${days(since)}`);
    }
    case 'key_users_inactive': {
      const share = r.key_users.total === 0 ? 0 : flag.subjects.length / r.key_users.total;
      return part(SHARE_POINTS.key_users_inactive * share, `${flag.subjects.length} of ${r.key_users.total} key users inactive`);
    }
    case 'workflow_failures': {
      const min = t.workflow_success_min ?? 0;
      const rate = r.workflows.success_rate ?? 0;
      return part(SHORTFALL_POINTS * shortfall(rate, min), `Critical workflows succeed ${percent(rate)} of runs, needs ${percent(min)}`);
    }
    case 'onboarding_overdue': {
      const over = r.onboarding.days_past_target - (t.overdue_days ?? 0);
      return part(OVERDUE_POINTS * clamp01(over / OVERDUE_FULL_DAYS), `Onboarding ${days(r.onboarding.days_past_target)} past its target date`);
    }
  }
}

function scorecardPart(r: RiskInput): RiskPart | undefined {
  const g = r.graduation;
  if (g.band === 'incomplete') {
    return { factor: 'scorecard', points: MISSING_DIMENSION_POINTS * g.missing.length, text: `No assessment yet for ${list(g.missing)}` };
  }
  if (BAND_POINTS[g.band] === 0) return undefined;
  return { factor: 'scorecard', points: BAND_POINTS[g.band], text: `Graduation score ${g.score} (${g.band === 'close' ? 'close' : 'not ready'})` };
}

/** The risk of a report with its parts. */
export function riskOf(r: RiskInput): Risk {
  const parts: RiskPart[] = [];
  for (const f of r.flags) {
    const p = flagPart(r, f.code);
    if (p) parts.push({ ...p, points: round(p.points, 1) });
  }
  const s = scorecardPart(r);
  if (s) parts.push({ ...s, points: round(s.points, 1) });
  parts.sort((a, b) => b.points - a.points);
  return { score: round(parts.reduce((sum, p) => sum + p.points, 0), 1), parts };
}

/** The risk score alone (the number stored beside each snapshot and sorted on). */
export function riskScore(r: RiskInput): number {
  return riskOf(r).score;
}

/** Risk order: the order the store sorts the portfolio in (transforms/portfolio.ts). */

const BAND_ORDER: Record<Band, number> = { not_ready: 0, incomplete: 1, close: 2, ready: 3 };

/** A report's risk; stored reports from before the risk score carry none: computed from the report's own fields. */
export const reportRisk = (r: ReadinessReport): Risk => (r.risk as Risk | undefined) ?? riskOf(r);
const riskOfStored = (r: ReadinessReport) => reportRisk(r).score;

/** Risk order: higher risk first, then worse band, lower graduation score (missing first), then by id for stability. */
export function compareByRisk(a: ReadinessReport, b: ReadinessReport): number {
  return (
    riskOfStored(b) - riskOfStored(a) ||
    BAND_ORDER[a.graduation.band] - BAND_ORDER[b.graduation.band] ||
    (a.graduation.score ?? -1) - (b.graduation.score ?? -1) ||
    (a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : 0) ||
    (a.product < b.product ? -1 : a.product > b.product ? 1 : 0)
  );
}
