import { addDays, weekday } from '../schemas/day.js';
import type { Thresholds } from '../schemas/products.js';
import type { AccountRecord } from '../schemas/accounts.js';
import type { ReadinessInputs } from './inputs.js';
import { round } from './rounding.js';

/** The usage metrics of the definitions, computed from one account-product's aggregate inputs. */

export interface ActiveUsers {
  daily_avg: number;
  weekly: number;
  monthly: number;
}

export interface Ratios {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface Trend {
  /** Distinct users of the 6 weekly windows, oldest first. */
  weekly_active: number[];
  /** OLS slope against 0…5, users per week. */
  slope: number;
  /** slope / mean (0 when the mean is 0). */
  relative_slope: number;
  /** How many of the 6 windows had any activity. */
  nonzero_windows: number;
}

export interface CoreFeatures {
  activated: number;
  regular: number;
  total: number;
  /** Core features not used in the last `core_feature_unused_days` days. */
  unused: string[];
  /** Core features used in fewer than `regular_min_windows` of the last 4 weekly windows. */
  irregular: string[];
}

export interface PeopleActivity {
  total: number;
  active: number;
  inactive: string[];
  /** Days since the most recent activity of any of them (null: none within the lookback). */
  days_since_active: number | null;
}

export interface Workflows {
  runs: number;
  successes: number;
  /** successes / runs; null without runs. */
  success_rate: number | null;
}

export interface UsageMetrics {
  active_users: ActiveUsers;
  ratios: Ratios;
  trend: Trend;
  core_features: CoreFeatures;
  champions: PeopleActivity;
  key_users: PeopleActivity;
  workflows: Workflows;
}

/** Mean daily distinct users over the counted days (Mon–Fri, or all) among the 7 days ending D. */
export function dailyAverage(dailyUsers: readonly number[], asOf: string, businessDaysOnly: boolean): number {
  let sum = 0;
  let days = 0;
  for (let i = 0; i < 7; i++) {
    const wd = weekday(addDays(asOf, -i));
    if (businessDaysOnly && (wd === 0 || wd === 6)) continue;
    sum += dailyUsers[i] ?? 0;
    days++;
  }
  return days === 0 ? 0 : round(sum / days, 2);
}

/** Count divided by licensed seats, not capped at 1: seat overage is information. */
export function ratio(count: number, seats: number): number {
  return seats > 0 ? round(count / seats, 4) : 0;
}

/** Ordinary least-squares slope of `values` against 0…n-1. */
export function olsSlope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}

/** Trend over the six weekly windows; `windowsNewestFirst[k]` covers [D-7k-6, D-7k]. */
export function trend(windowsNewestFirst: readonly number[]): Trend {
  const weekly = [...windowsNewestFirst].slice(0, 6);
  while (weekly.length < 6) weekly.push(0);
  const oldestFirst = weekly.reverse();
  const slope = olsSlope(oldestFirst);
  const mean = oldestFirst.reduce((s, v) => s + v, 0) / oldestFirst.length;
  return {
    weekly_active: oldestFirst,
    slope: round(slope, 4),
    relative_slope: mean === 0 ? 0 : round(slope / mean, 4),
    nonzero_windows: oldestFirst.filter((v) => v > 0).length,
  };
}

/** Core-feature activation and regularity look at four weekly windows, D-27…D (the definition's fixed span). */
const CORE_FEATURE_WEEKS = 4;

/**
 * Activation (used within D-27…D) and regularity (used in ≥ N of the 4 weekly windows) of core features.
 * `unused` (for the core_features_unused flag) uses that flag's window, 28 days when the flag is off.
 */
export function coreFeatures(
  features: readonly string[],
  agesByFeature: Readonly<Record<string, readonly number[]>>,
  t: Pick<Thresholds, 'regular_min_windows' | 'core_feature_unused_days'>,
): CoreFeatures {
  let activated = 0;
  let regular = 0;
  const unused: string[] = [];
  const irregular: string[] = [];
  for (const feature of features) {
    const ages = agesByFeature[feature] ?? [];
    const recent = ages.filter((a) => a < CORE_FEATURE_WEEKS * 7);
    if (recent.length > 0) activated++;
    const windows = new Set(recent.map((a) => Math.floor(a / 7)));
    if (windows.size >= t.regular_min_windows) regular++;
    else irregular.push(feature);
    const unusedDays = t.core_feature_unused_days ?? CORE_FEATURE_WEEKS * 7;
    if (!ages.some((a) => a < unusedDays)) unused.push(feature);
  }
  return { activated, regular, total: features.length, unused: unused.sort(), irregular: irregular.sort() };
}

/** Which of `people` were active within the last `windowDays` days (ages 0…windowDays-1). */
export function peopleActivity(people: readonly string[], lastActiveAge: Readonly<Record<string, number>>, windowDays: number): PeopleActivity {
  const inactive: string[] = [];
  let newest: number | null = null;
  for (const person of people) {
    const age = lastActiveAge[person];
    if (age !== undefined && (newest === null || age < newest)) newest = age;
    if (age === undefined || age >= windowDays) inactive.push(person);
  }
  return { total: people.length, active: people.length - inactive.length, inactive: inactive.sort(), days_since_active: newest };
}

/** Critical-workflow runs, successes and success rate within the last `windowDays` days. */
export function workflows(days: ReadonlyArray<{ age: number; runs: number; successes: number }>, windowDays: number): Workflows {
  let runs = 0;
  let successes = 0;
  for (const d of days) {
    if (d.age >= windowDays) continue;
    runs += d.runs;
    successes += d.successes;
  }
  return { runs, successes, success_rate: runs === 0 ? null : round(successes / runs, 4) };
}

export function computeMetrics(account: AccountRecord, inputs: ReadinessInputs, asOf: string, t: Thresholds): UsageMetrics {
  const activeUsers: ActiveUsers = {
    daily_avg: dailyAverage(inputs.daily_users, asOf, t.business_days_only),
    weekly: inputs.weekly_windows[0] ?? 0,
    monthly: inputs.monthly_users,
  };
  return {
    active_users: activeUsers,
    ratios: {
      daily: ratio(activeUsers.daily_avg, account.licensed_seats),
      weekly: ratio(activeUsers.weekly, account.licensed_seats),
      monthly: ratio(activeUsers.monthly, account.licensed_seats),
    },
    trend: trend(inputs.weekly_windows),
    core_features: coreFeatures(account.core_features, inputs.core_feature_ages, t),
    champions: peopleActivity(account.champion_user_ids, inputs.person_last_active_age, t.champion_inactive_days ?? 14),
    key_users: peopleActivity(account.key_user_ids, inputs.person_last_active_age, t.key_user_window_days),
    workflows: workflows(inputs.workflow_days, t.workflow_window_days),
  };
}

/** Lookback in days the inputs query must cover for these thresholds. */
export function lookbackDays(all: readonly Thresholds[]): number {
  let days = 41;
  for (const t of all) {
    days = Math.max(days, t.key_user_window_days, t.workflow_window_days, t.champion_inactive_days ?? 0, t.core_feature_unused_days ?? 0);
  }
  return days;
}
