import type { FlagCode, Severity } from '../schemas/flags.js';
import type { Thresholds } from '../schemas/products.js';
import { isDeclining, type Completion, type Criterion } from './completion.js';
import type { UsageMetrics } from './metrics.js';
import { round } from './rounding.js';
import { days, list, percent, ratioPhrase, trendPhrase } from './wording.js';

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
  /** What a person reads, with the numbers against the threshold the rule uses. */
  message: string;
  /** The flag's number in a few characters, for a chip ("16%", "−20%/wk", "21 days"). */
  short: string;
  /** The number behind the flag (ratio, slope, days, rate). */
  value: number;
  /** What the flag is about (unused features, inactive users), sorted. */
  subjects: string[];
  active: boolean;
  cleared: boolean;
  /** Whether a move of `value` by `update_min_change` warrants an `updated` transition. */
  tracksValue: boolean;
}

/** Threshold plus margin, rounded like the metrics (0.8 + 0.05 is 0.8500000000000001 in floating point). */
const past = (threshold: number, margin: number) => round(threshold + margin, 4);

function notApplicable(code: FlagCode, severity: Severity): FlagCondition {
  return { code, severity, message: '', short: '', value: 0, subjects: [], active: false, cleared: true, tracksValue: false };
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
    message: `${ratioPhrase(which, value, seats, min)} (${users} ${which === 'daily' ? 'active users a day on average' : 'active users'})`,
    short: percent(value),
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
      `Weekly active ${trendPhrase(m.trend.relative_slope, m.trend.weekly_active.length)} (${m.trend.weekly_active.join(' → ')} users); ` +
      `flagged at a fall of ${percent(-thr)} a week or more`,
    short: `${m.trend.relative_slope < 0 ? '−' : '+'}${percent(Math.abs(m.trend.relative_slope))}/wk`,
    value: m.trend.relative_slope,
    subjects: [],
    active,
    cleared: m.trend.nonzero_windows < t.declining_min_nonzero_windows || m.trend.relative_slope > past(thr, t.hysteresis_slope_margin),
    tracksValue: true,
  };
}

const WINDOW_OF = { daily_ratio: 'daily', weekly_ratio: 'weekly', monthly_ratio: 'monthly' } as const;

/** One unmet completion criterion in words. */
function describeCriterion(x: Criterion, m: UsageMetrics, t: Thresholds, seats: number): string {
  switch (x.name) {
    case 'daily_ratio':
    case 'weekly_ratio':
    case 'monthly_ratio':
      return ratioPhrase(WINDOW_OF[x.name], x.value ?? 0, seats, x.threshold ?? 0);
    case 'core_features_regular':
      return `${m.core_features.regular} of ${m.core_features.total} core features used regularly (in ${t.regular_min_windows} of the last 4 weeks), needs all`;
    case 'key_users_active':
      return `${m.key_users.active} of ${m.key_users.total} key users active in ${days(t.key_user_window_days)}, needs all`;
    case 'workflow_success':
      return x.value === null
        ? `no critical-workflow runs in ${days(t.workflow_window_days)}`
        : `critical workflows succeed ${percent(x.value)} of ${m.workflows.runs} runs, needs ${percent(x.threshold ?? 0)}${m.workflows.runs < t.workflow_min_runs ? ` and ${t.workflow_min_runs} runs` : ''}`;
    case 'not_declining':
      return `weekly active ${trendPhrase(m.trend.relative_slope, m.trend.weekly_active.length)}`;
  }
}

function usageBelowThreshold(c: Completion, m: UsageMetrics, t: Thresholds, seats: number, decliningCleared: boolean): FlagCondition {
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
  return {
    code: 'usage_below_threshold',
    severity: 'warning',
    message:
      unmet.length === 0
        ? 'Usage completion met'
        : `Usage completion not met (${unmet.length} of ${c.criteria.length} criteria): ${unmet.map((x) => describeCriterion(x, m, t, seats)).join('; ')}`,
    short: `${unmet.length} of ${c.criteria.length} unmet`,
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
    message:
      unused.length === 0
        ? `Every core feature used in the last ${days(t.core_feature_unused_days)}`
        : `${unused.length} of ${m.core_features.total} core features not used in ${days(t.core_feature_unused_days)}: ${list(unused)}`,
    short: `${unused.length} of ${m.core_features.total}`,
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
    message: active
      ? `No champion active in ${days(t.champion_inactive_days)}: ` +
        `${since === null ? 'none seen at all in the lookback' : `last seen ${days(since)} ago`} (${list(m.champions.inactive)})`
      : `A champion was active ${since === 0 ? 'today' : `${days(since ?? 0)} ago`}`,
    short: since === null ? 'gone' : days(since),
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
    message:
      inactive.length === 0
        ? `Every key user active in the last ${days(t.key_user_window_days)}`
        : `${inactive.length} of ${m.key_users.total} key users inactive in ${days(t.key_user_window_days)}: ${list(inactive)}`,
    short: `${inactive.length} of ${m.key_users.total}`,
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
        ? `No critical-workflow runs in ${days(t.workflow_window_days)}`
        : `Critical workflows succeeded ${percent(rate)} of runs (${m.workflows.successes} of ${m.workflows.runs}) in ${days(t.workflow_window_days)}, needs ${percent(min)}`,
    short: rate === null ? 'no runs' : percent(rate),
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
    usageBelowThreshold(c, m, t, seats, declining.cleared),
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
    message:
      daysPastTarget > 0
        ? `Onboarding ${days(daysPastTarget)} past its target graduation date ${target} (flagged after ${days(t.overdue_days)})${overdue ? ' and not ready' : ''}`
        : `Onboarding within its target graduation date ${target}`,
    short: days(Math.max(0, daysPastTarget)),
    value: daysPastTarget,
    subjects: [],
    active: overdue,
    cleared: !overdue,
    tracksValue: false,
  };
}
