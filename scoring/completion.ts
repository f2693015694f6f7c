import type { Thresholds } from '../schemas/products.js';
import type { UsageMetrics } from './metrics.js';
import { round } from './rounding.js';

/**
 * Usage completion: the profile's criteria, each with how close it is to its
 * threshold (`attainment`, 0…1, exactly 1 when met) and, when met, how far it
 * clears it (`headroom`, 0…1). usage.score is built from these two numbers.
 */

export type CriterionName =
  | 'daily_ratio'
  | 'weekly_ratio'
  | 'monthly_ratio'
  | 'core_features_regular'
  | 'key_users_active'
  | 'workflow_success'
  | 'not_declining';

export interface Criterion {
  name: CriterionName;
  value: number | null;
  threshold: number | null;
  met: boolean;
  attainment: number;
  headroom: number;
}

export interface Completion {
  complete: boolean;
  criteria: Criterion[];
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** value ≥ min: attainment value/min; headroom how far above min toward 1.0 (or 2×min above 1). */
function ratioCriterion(name: CriterionName, value: number, min: number): Criterion {
  const met = value >= min;
  // An unmet criterion stays below 1 even where rounding would reach it, so base < 8 whenever one is unmet.
  const attainment = met ? 1 : Math.min(0.9999, clamp01(value / min));
  const ceiling = min < 1 ? 1 : 2 * min;
  const headroom = met ? (ceiling === min ? 1 : clamp01((value - min) / (ceiling - min))) : 0;
  return { name, value, threshold: min, met, attainment: round(attainment, 4), headroom: round(headroom, 4) };
}

/** A share of items that must all pass (regular features, active key users); vacuously met when there are none. */
function allOfCriterion(name: CriterionName, passing: number, total: number): Criterion {
  const share = total === 0 ? 1 : passing / total;
  const met = share >= 1;
  return { name, value: round(share, 4), threshold: 1, met, attainment: met ? 1 : Math.min(0.9999, round(share, 4)), headroom: met ? 1 : 0 };
}

/** Whether `declining_usage` holds for this trend under these thresholds. */
export function isDeclining(m: UsageMetrics, t: Thresholds): boolean {
  return (
    t.declining_relative_slope !== null &&
    m.trend.nonzero_windows >= t.declining_min_nonzero_windows &&
    m.trend.relative_slope <= t.declining_relative_slope
  );
}

/**
 * Not declining: met when the trend is not declining. A declining trend scores
 * at most 0.9 at the threshold, falling linearly to 0 at twice the threshold.
 */
function notDecliningCriterion(m: UsageMetrics, t: Thresholds): Criterion {
  const thr = t.declining_relative_slope;
  const declining = isDeclining(m, t);
  let attainment = 1;
  if (declining && thr !== null) attainment = thr === 0 ? 0 : 0.9 * clamp01(1 - (thr - m.trend.relative_slope) / Math.abs(thr));
  const headroom = declining ? 0 : m.trend.relative_slope >= 0 ? 1 : thr === null || thr === 0 ? 1 : clamp01(1 - m.trend.relative_slope / thr);
  return { name: 'not_declining', value: m.trend.relative_slope, threshold: thr, met: !declining, attainment: round(attainment, 4), headroom: round(headroom, 4) };
}

function workflowCriterion(m: UsageMetrics, min: number, minRuns: number): Criterion {
  const rate = m.workflows.success_rate;
  const enoughRuns = m.workflows.runs >= minRuns;
  if (rate === null || !enoughRuns) {
    return { name: 'workflow_success', value: rate, threshold: min, met: false, attainment: 0, headroom: 0 };
  }
  return ratioCriterion('workflow_success', rate, min);
}

export function usageCompletion(m: UsageMetrics, t: Thresholds): Completion {
  const criteria: Criterion[] = [];
  if (t.daily_ratio_min !== null) criteria.push(ratioCriterion('daily_ratio', m.ratios.daily, t.daily_ratio_min));
  if (t.weekly_ratio_min !== null) criteria.push(ratioCriterion('weekly_ratio', m.ratios.weekly, t.weekly_ratio_min));
  if (t.monthly_ratio_min !== null) criteria.push(ratioCriterion('monthly_ratio', m.ratios.monthly, t.monthly_ratio_min));
  if (t.core_features_regular_required) criteria.push(allOfCriterion('core_features_regular', m.core_features.regular, m.core_features.total));
  if (t.key_users_active_required) criteria.push(allOfCriterion('key_users_active', m.key_users.active, m.key_users.total));
  if (t.workflow_success_min !== null) criteria.push(workflowCriterion(m, t.workflow_success_min, t.workflow_min_runs));
  criteria.push(notDecliningCriterion(m, t));
  return { complete: criteria.every((c) => c.met), criteria };
}
