import { FLAG_CODES, type FlagCode } from '../schemas/flags.js';
import type { ProductsConfig, Thresholds } from '../schemas/products.js';
import type { ReadinessReport } from './report.js';
import { round } from './rounding.js';
import type { Band } from './scorecard.js';

/**
 * Calibration arithmetic over counts the engine produced: retention, Wilson
 * 95% intervals, lift, and the threshold-sweep suggestion with its minimum
 * sample rule. Definitions: docs/calibration.md.
 */

/** One account-product at graduation, as the engine counts it. */
export interface GraduationRow {
  account_id: string;
  product: string;
  product_type: string;
  outcome: string;
  /** 1 when the outcome counts as retained (renewed, expanded). */
  retained: number;
  /** The snapshot day used. */
  as_of: string;
  band: string;
  /** [criterion name, met 0/1] */
  criteria: Array<[string, number]>;
  /** Open flag codes. */
  flags: string[];
  /** [threshold name, the value it is compared with] */
  metrics: Array<[string, number]>;
  /** 1 graduated by the target date, 0 after it, null without an account record. */
  on_time: number | null;
}

/** A count of account-products (and of those retained) in one group of the calibration. */
export interface CountRow {
  dimension: 'all' | 'profile' | 'band' | 'criterion' | 'flag' | 'on_time' | 'sweep';
  name: string;
  profile: string;
  candidate: number;
  side: number;
  accounts: number;
  retained: number;
}

/** Minimum counts below which a figure is shown but not treated as a finding. */
export const MINIMUMS = {
  /** A retention group (band, criterion met/not met, flag open/closed, on time/late). */
  group: 10,
  /** Each side (at or above / below) of a sweep candidate. */
  sweep_side: 10,
  /** Account-products with an outcome in the usage profile. */
  sweep_profile: 30,
  /** Retained and not retained, each, in the usage profile. */
  sweep_each_outcome: 5,
} as const;

/** The snapshot used is the latest within this many days up to the graduation day. */
export const SNAPSHOT_TOLERANCE_DAYS = 7;

/** z for a two-sided 95% interval. */
const Z = 1.959963984540054;

/** Wilson score interval of x successes in n trials; null bounds when n = 0. */
export function wilson(x: number, n: number, z = Z): { low: number | null; high: number | null } {
  if (n === 0) return { low: null, high: null };
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Retention {
  accounts: number;
  retained: number;
  /** retained / accounts; null without accounts. */
  retention: number | null;
  ci_low: number | null;
  ci_high: number | null;
  /** retention / overall retention; null when either is undefined. */
  lift: number | null;
  /** accounts ≥ MINIMUMS.group. */
  sufficient: boolean;
}

export function retentionOf(accounts: number, retained: number, overall: number | null): Retention {
  const ci = wilson(retained, accounts);
  const retention = accounts > 0 ? retained / accounts : null;
  return {
    accounts,
    retained,
    retention: retention === null ? null : round(retention, 4),
    ci_low: ci.low === null ? null : round(ci.low, 4),
    ci_high: ci.high === null ? null : round(ci.high, 4),
    lift: retention === null || overall === null || overall === 0 ? null : round(retention / overall, 3),
    sufficient: accounts >= MINIMUMS.group,
  };
}

/** Thresholds swept per usage profile, and the value each is compared with. */
export const SWEPT_THRESHOLDS = ['daily_ratio_min', 'weekly_ratio_min', 'monthly_ratio_min', 'workflow_success_min', 'declining_relative_slope', 'onboarding_days'] as const;
export type SweptThreshold = (typeof SWEPT_THRESHOLDS)[number];

const steps = (from: number, to: number, divisor: number) => Array.from({ length: to - from + 1 }, (_, i) => (from + i) / divisor);

/** Candidate values: integer steps, so 0.8 is exactly the literal 0.8 a products file holds. */
export const SWEEP_GRIDS: Record<SweptThreshold, readonly number[]> = {
  daily_ratio_min: steps(1, 20, 20),
  weekly_ratio_min: steps(1, 20, 20),
  monthly_ratio_min: steps(1, 20, 20),
  workflow_success_min: steps(20, 40, 40),
  declining_relative_slope: steps(-12, 0, 40),
  onboarding_days: steps(1, 24, 1).map((n) => n * 15),
};

export const BANDS: readonly Band[] = ['ready', 'close', 'not_ready', 'incomplete'];

export interface SweepCandidate {
  value: number;
  /** Account-products whose value is at or above the candidate. */
  at_or_above: Retention;
  below: Retention;
  /** Retention at or above minus retention below; null when a side is empty. */
  difference: number | null;
}

export interface ThresholdSweep {
  product_type: string;
  threshold: SweptThreshold;
  /** The configured value(s) for the profile's products; empty for onboarding_days. */
  current: number[];
  status: 'suggested' | 'insufficient';
  /** Why there is no suggestion, or how the suggestion was chosen. */
  reason: string;
  suggestion: (SweepCandidate & { intervals_overlap: boolean }) | null;
  candidates: SweepCandidate[];
}

export interface CalibrationResult {
  graduation: { age_days: number; snapshot_tolerance_days: number };
  coverage: { outcomes: number; calibrated: number; no_graduation_day: number; no_snapshot: number };
  overall: Retention;
  by_band: Array<{ band: Band } & Retention>;
  by_criterion: Array<{ criterion: string; met: boolean } & Retention>;
  by_flag: Array<{ flag: FlagCode; open: boolean } & Retention>;
  by_on_time: Array<{ on_time: boolean } & Retention>;
  /** The article's contrast: retention of those ready at graduation vs those graduated by their target date. */
  readiness_vs_time: { ready_at_graduation: Retention; graduated_on_time: Retention };
  threshold_sweeps: ThresholdSweep[];
  minimums: typeof MINIMUMS;
}

const countKey = (dimension: string, name: string, profile: string, candidate: number, side: number) => `${dimension}|${name}|${profile}|${candidate}|${side}`;

/** The configured values of a swept threshold among the products of one profile. */
function currentValues(products: ProductsConfig, profile: string, threshold: SweptThreshold): number[] {
  if (threshold === 'onboarding_days') return [];
  const values = Object.values(products.products)
    .filter((p) => p.profile === profile)
    .map((p) => p.thresholds[threshold as keyof Thresholds])
    .filter((v): v is number => typeof v === 'number');
  return [...new Set(values)].sort((a, b) => a - b);
}

function sweep(counts: ReadonlyMap<string, CountRow>, profile: string, threshold: SweptThreshold, current: number[], overall: number | null): ThresholdSweep {
  const get = (candidate: number, side: number) => counts.get(countKey('sweep', threshold, profile, candidate, side));
  const candidates: SweepCandidate[] = SWEEP_GRIDS[threshold].map((value) => {
    const above = get(value, 1);
    const below = get(value, 0);
    const a = retentionOf(above?.accounts ?? 0, above?.retained ?? 0, overall);
    const b = retentionOf(below?.accounts ?? 0, below?.retained ?? 0, overall);
    const difference = a.retention === null || b.retention === null ? null : round(a.retention - b.retention, 4);
    return { value, at_or_above: a, below: b, difference };
  });
  const totals = counts.get(countKey('profile', '', profile, 0, 1));
  const n = totals?.accounts ?? 0;
  const retained = totals?.retained ?? 0;
  const base = { product_type: profile, threshold, current, candidates };
  if (n < MINIMUMS.sweep_profile) {
    return { ...base, status: 'insufficient', reason: `${n} ${profile} account-products with an outcome; at least ${MINIMUMS.sweep_profile} are needed`, suggestion: null };
  }
  if (retained < MINIMUMS.sweep_each_outcome || n - retained < MINIMUMS.sweep_each_outcome) {
    return {
      ...base,
      status: 'insufficient',
      reason: `${retained} retained and ${n - retained} not retained; at least ${MINIMUMS.sweep_each_outcome} of each are needed`,
      suggestion: null,
    };
  }
  const eligible = candidates.filter((c) => c.at_or_above.accounts >= MINIMUMS.sweep_side && c.below.accounts >= MINIMUMS.sweep_side && c.difference !== null);
  if (eligible.length === 0) {
    return { ...base, status: 'insufficient', reason: `no candidate leaves at least ${MINIMUMS.sweep_side} account-products on each side`, suggestion: null };
  }
  // The largest gap in retention between the two sides; on a tie, the candidate nearest the current value.
  const distance = (v: number) => (current.length === 0 ? 0 : Math.min(...current.map((c) => Math.abs(c - v))));
  const best = eligible.reduce((x, y) => {
    const dx = Math.abs(x.difference!);
    const dy = Math.abs(y.difference!);
    return dy > dx || (dy === dx && distance(y.value) < distance(x.value)) ? y : x;
  });
  const overlap = !(best.at_or_above.ci_low! > best.below.ci_high! || best.below.ci_low! > best.at_or_above.ci_high!);
  return {
    ...base,
    status: 'suggested',
    reason: `the candidate with the largest retention difference among ${eligible.length} with at least ${MINIMUMS.sweep_side} account-products on each side${overlap ? '; the two 95% intervals overlap, so the separation is not established' : ''}`,
    suggestion: { ...best, intervals_overlap: overlap },
  };
}

/** Builds the calibration result from the engine's counts. */
export function assembleCalibration(
  rows: readonly CountRow[],
  products: ProductsConfig,
  meta: { graduationAgeDays: number; coverage: { outcomes: number; no_graduation_day: number; no_snapshot: number } },
): CalibrationResult {
  const counts = new Map(rows.map((r) => [countKey(r.dimension, r.name, r.profile, r.candidate, r.side), r]));
  const of = (dimension: string, name: string, side: number, overallRetention: number | null) => {
    const c = counts.get(countKey(dimension, name, '', 0, side));
    return retentionOf(c?.accounts ?? 0, c?.retained ?? 0, overallRetention);
  };
  const all = counts.get(countKey('all', '', '', 0, 1));
  const overall = retentionOf(all?.accounts ?? 0, all?.retained ?? 0, null);
  const o = overall.accounts > 0 ? overall.retained / overall.accounts : null;
  const criteria = [...new Set(rows.filter((r) => r.dimension === 'criterion').map((r) => r.name))].sort();
  const profiles = [...new Set(rows.filter((r) => r.dimension === 'profile').map((r) => r.profile))].sort();
  const threshold_sweeps: ThresholdSweep[] = [];
  for (const profile of profiles) {
    for (const threshold of SWEPT_THRESHOLDS) {
      const current = currentValues(products, profile, threshold);
      // A threshold no product of the profile uses has nothing to calibrate.
      if (threshold !== 'onboarding_days' && current.length === 0) continue;
      threshold_sweeps.push(sweep(counts, profile, threshold, current, o));
    }
  }
  return {
    graduation: { age_days: meta.graduationAgeDays, snapshot_tolerance_days: SNAPSHOT_TOLERANCE_DAYS },
    coverage: { ...meta.coverage, calibrated: overall.accounts },
    overall,
    by_band: BANDS.map((band) => ({ band, ...of('band', band, 1, o) })),
    by_criterion: criteria.flatMap((criterion) => [true, false].map((met) => ({ criterion, met, ...of('criterion', criterion, met ? 1 : 0, o) }))),
    by_flag: FLAG_CODES.flatMap((flag) => [true, false].map((open) => ({ flag, open, ...of('flag', flag, open ? 1 : 0, o) }))),
    by_on_time: [true, false].map((onTime) => ({ on_time: onTime, ...of('on_time', '', onTime ? 1 : 0, o) })),
    readiness_vs_time: { ready_at_graduation: of('band', 'ready', 1, o), graduated_on_time: of('on_time', '', 1, o) },
    threshold_sweeps,
    minimums: MINIMUMS,
  };
}

/** A re-scored report at graduation as a row of the counting query (what-if). */
export function graduationRowOf(
  report: ReadinessReport,
  outcome: { outcome: string; retained: boolean; on_time: number | null; onboarding_days: number | null },
): GraduationRow {
  const metrics: Array<[string, number]> = [
    ['daily_ratio_min', report.ratios.daily],
    ['weekly_ratio_min', report.ratios.weekly],
    ['monthly_ratio_min', report.ratios.monthly],
    ['declining_relative_slope', report.trend.relative_slope],
  ];
  if (report.workflows.success_rate !== null) metrics.push(['workflow_success_min', report.workflows.success_rate]);
  if (outcome.onboarding_days !== null) metrics.push(['onboarding_days', outcome.onboarding_days]);
  return {
    account_id: report.account_id,
    product: report.product,
    product_type: report.product_type,
    outcome: outcome.outcome,
    retained: outcome.retained ? 1 : 0,
    as_of: report.as_of,
    band: report.graduation.band,
    criteria: report.usage.criteria.map((c) => [c.name, c.met ? 1 : 0]),
    flags: report.flags.map((f) => f.code),
    metrics,
    on_time: outcome.on_time,
  };
}
