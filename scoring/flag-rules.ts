import type { FlagCode, Severity } from '../schemas/flags.js';
import type { Thresholds } from '../schemas/products.js';
import { isDeclining, type Completion } from './completion.js';
import type { UsageMetrics } from './metrics.js';
import { round } from './rounding.js';

/**
 * Red-flag conditions. Each rule says, for today's numbers, whether the flag
 * should open (`active`) and whether an open flag may resolve (`cleared`).
 * `cleared` is stricter than `!active` for threshold rules (hysteresis), so a
 * metric hovering at a threshold cannot open and resolve the flag on
 * alternate days. Inapplicable rules are cleared and never active.
 */

export interface FlagCondition {
  code: FlagCode;
  severity: Severity;
  message: string;
  /** The number behind the flag (ratio, slope, days, rate). */
  value: number;
  /** What the flag is about (unused features, inactive users), sorted. */
  subjects: string[];
  active: boolean;
  cleared: boolean;
  /** Whether a move of `value` by `update_min_change` warrants an `updated` transition. */
  tracksValue: boolean;
}

const pct = (x: number) => `${round(x * 100, 1)}%`;

/** Threshold plus margin, rounded like the metrics (0.8 + 0.05 is 0.8500000000000001 in floating point). */
const past = (threshold: number, margin: number) => round(threshold + margin, 4);

function notApplicable(code: FlagCode, severity: Severity): FlagCondition {
  return { code, severity, message: '', value: 0, subjects: [], active: false, cleared: true, tracksValue: false };
}

function lowEngagement(m: UsageMetrics, t: Thresholds, seats: number): FlagCondition {
  const min = t.low_engagement_ratio;
  if (min === null) return notApplicable('low_engagement', 'red');
  const which = t.primary_ratio;
  const value = m.ratios[which];
  const users = which === 'daily' ? m.active_users.daily_avg : m.active_users[which];
  return {
    code: 'low_engagement',
    severity: 'red',
    message: `${which} active ratio ${pct(value)} (${users} of ${seats} licensed seats) against a minimum of ${pct(min)}`,
    value,
    subjects: [],
    active: value < min,
    cleared: value >= past(min, t.hysteresis_ratio_margin),
    tracksValue: true,
  };
}

function decliningUsage(m: UsageMetrics, t: Thresholds): FlagCondition {
  const thr = t.declining_relative_slope;
  if (thr === null) return notApplicable('declining_usage', 'red');
  const active = isDeclining(m, t);
  return {
    code: 'declining_usage',
    severity: 'red',
    message:
      `weekly active users ${m.trend.weekly_active.join(' → ')} fall ${round(-m.trend.slope, 2)} users/week ` +
      `(relative slope ${m.trend.relative_slope}, threshold ${thr})`,
    value: m.trend.relative_slope,
    subjects: [],
    active,
    cleared: m.trend.nonzero_windows < t.declining_min_nonzero_windows || m.trend.relative_slope > past(thr, t.hysteresis_slope_margin),
    tracksValue: true,
  };
}

function usageBelowThreshold(c: Completion, t: Thresholds, decliningCleared: boolean): FlagCondition {
  const unmet = c.criteria.filter((x) => !x.met);
  // Hysteresis: resolving needs every ratio criterion to clear its threshold by the margin,
  // and the trend to clear the declining threshold by the slope margin (as declining_usage does).
  const clearedWithMargin = c.criteria.every((x) => {
    if (!x.met) return false;
    if (x.name === 'daily_ratio' || x.name === 'weekly_ratio' || x.name === 'monthly_ratio') {
      return x.value !== null && x.threshold !== null && x.value >= past(x.threshold, t.hysteresis_ratio_margin);
    }
    if (x.name === 'workflow_success') {
      return x.value !== null && x.threshold !== null && x.value >= Math.min(1, past(x.threshold, t.hysteresis_rate_margin));
    }
    if (x.name === 'not_declining') return decliningCleared;
    return true;
  });
  const describe = (x: Completion['criteria'][number]) =>
    x.name === 'not_declining'
      ? `usage declining (relative slope ${x.value})`
      : x.name === 'workflow_success' && x.value === null
        ? 'no critical-workflow runs'
        : `${x.name} ${x.value} < ${x.threshold}`;
  return {
    code: 'usage_below_threshold',
    severity: 'warning',
    message: unmet.length === 0 ? 'usage completion met' : `usage completion not met: ${unmet.map(describe).join('; ')}`,
    value: unmet.length,
    subjects: unmet.map((x) => x.name).sort(),
    active: !c.complete,
    cleared: clearedWithMargin,
    tracksValue: false,
  };
}

function coreFeaturesUnused(m: UsageMetrics, t: Thresholds): FlagCondition {
  if (t.core_feature_unused_days === null || m.core_features.total === 0) return notApplicable('core_features_unused', 'warning');
  const unused = m.core_features.unused;
  return {
    code: 'core_features_unused',
    severity: 'warning',
    message: `${unused.length} of ${m.core_features.total} core features not used in the last ${t.core_feature_unused_days} days: ${unused.join(', ')}`,
    value: unused.length,
    subjects: unused,
    active: unused.length > 0,
    cleared: unused.length === 0,
    tracksValue: false,
  };
}

function championInactive(m: UsageMetrics, t: Thresholds): FlagCondition {
  if (t.champion_inactive_days === null || m.champions.total === 0) return notApplicable('champion_inactive', 'red');
  const active = m.champions.active === 0;
  const since = m.champions.days_since_active;
  return {
    code: 'champion_inactive',
    severity: 'red',
    message:
      `no champion activity in the last ${t.champion_inactive_days} days ` +
      `(${since === null ? 'none in the lookback' : `last ${since} days ago`}; champions: ${m.champions.inactive.join(', ')})`,
    value: since ?? -1,
    subjects: m.champions.inactive,
    active,
    cleared: !active,
    tracksValue: false,
  };
}

function keyUsersInactive(m: UsageMetrics, t: Thresholds): FlagCondition {
  if (!t.key_users_active_required || m.key_users.total === 0) return notApplicable('key_users_inactive', 'red');
  const inactive = m.key_users.inactive;
  return {
    code: 'key_users_inactive',
    // None of them active is red; some of them is a warning.
    severity: m.key_users.active === 0 ? 'red' : 'warning',
    message: `${inactive.length} of ${m.key_users.total} key users inactive in the last ${t.key_user_window_days} days: ${inactive.join(', ')}`,
    value: inactive.length,
    subjects: inactive,
    active: inactive.length > 0,
    cleared: inactive.length === 0,
    tracksValue: false,
  };
}

function workflowFailures(m: UsageMetrics, t: Thresholds): FlagCondition {
  const min = t.workflow_success_min;
  if (min === null) return notApplicable('workflow_failures', 'red');
  const rate = m.workflows.success_rate;
  const failing = rate !== null && rate < min;
  return {
    code: 'workflow_failures',
    severity: 'red',
    message:
      rate === null
        ? `no critical-workflow runs in the last ${t.workflow_window_days} days`
        : `critical workflows succeeded ${m.workflows.successes} of ${m.workflows.runs} runs (${pct(rate)}) in the last ${t.workflow_window_days} days against a minimum of ${pct(min)}`,
    value: rate ?? 0,
    subjects: [],
    active: failing,
    cleared: rate === null || rate >= Math.min(1, past(min, t.hysteresis_rate_margin)),
    tracksValue: true,
  };
}

/** Every flag condition except `onboarding_overdue` (which depends on readiness). */
export function evaluateUsageFlags(m: UsageMetrics, c: Completion, t: Thresholds, seats: number): FlagCondition[] {
  const declining = decliningUsage(m, t);
  return [
    lowEngagement(m, t, seats),
    declining,
    usageBelowThreshold(c, t, declining.cleared),
    coreFeaturesUnused(m, t),
    championInactive(m, t),
    keyUsersInactive(m, t),
    workflowFailures(m, t),
  ];
}

/** `onboarding_overdue`: more than `overdue_days` past the target date and not otherwise ready. */
export function evaluateOverdue(daysPastTarget: number, readyOtherwise: boolean, t: Thresholds, target: string): FlagCondition {
  if (t.overdue_days === null) return notApplicable('onboarding_overdue', 'red');
  const overdue = daysPastTarget > t.overdue_days && !readyOtherwise;
  return {
    code: 'onboarding_overdue',
    severity: 'red',
    message: `onboarding is ${daysPastTarget} days past its target graduation date ${target} (limit ${t.overdue_days}) and not ready`,
    value: daysPastTarget,
    subjects: [],
    active: overdue,
    cleared: !overdue,
    tracksValue: false,
  };
}
