import { FLAG_CODES } from '../schemas/flags.js';
import { RETAINED_OUTCOMES } from '../schemas/outcome.js';
import type { ProductsConfig } from '../schemas/products.js';
import {
  assembleCalibration,
  inputsKey,
  lookbackDays,
  rescoreGraduations,
  SNAPSHOT_TOLERANCE_DAYS,
  SWEEP_GRIDS,
  type CalibrationResult,
  type GraduationDay,
  type GraduationRow,
} from '../scoring/index.js';
import {
  calibrationCounts,
  calibrationCountsOf,
  calibrationCoverage,
  graduationDays,
  latestAssessments,
  readAccounts,
  readReadinessInputs,
  type GraduationParams,
  type Store,
} from '../transforms/index.js';

/**
 * `calibrate`: retention by readiness at graduation from the stored
 * snapshots, and the what-if that re-scores the same graduations under
 * candidate thresholds without storing anything.
 */

export interface CalibrationOptions {
  store: Store;
  products: ProductsConfig;
  graduationAgeDays: number;
}

const graduationParams = (o: CalibrationOptions): GraduationParams => ({
  graduationAgeDays: o.graduationAgeDays,
  snapshotToleranceDays: SNAPSHOT_TOLERANCE_DAYS,
  retainedOutcomes: RETAINED_OUTCOMES,
});

const countParams = { flagCodes: FLAG_CODES, grids: SWEEP_GRIDS };

/** Calibration over the stored snapshots at graduation. */
export async function calibrate(options: CalibrationOptions): Promise<CalibrationResult> {
  const g = graduationParams(options);
  const [counts, coverage] = await Promise.all([calibrationCounts(options.store, g, countParams), calibrationCoverage(options.store, g)]);
  return assembleCalibration(counts, options.products, { graduationAgeDays: options.graduationAgeDays, coverage });
}

export interface WhatIfResult {
  /** How both sides were computed. */
  method: string;
  /** Graduations re-scored (both sides use exactly these). */
  rescored: number;
  /** Graduations not re-scored: no account record, or a product one of the two files does not list. */
  skipped: number;
  current: CalibrationResult;
  candidate: CalibrationResult;
}

/**
 * Re-scores every graduation day under the current and the candidate
 * products files from the daily aggregates, assessments and account records,
 * and counts both the same way.
 */
export async function calibrateWhatIf(options: CalibrationOptions, candidate: ProductsConfig): Promise<WhatIfResult> {
  const { store, products } = options;
  const graduations = await graduationDays(store, graduationParams(options));
  const accounts = new Map((await readAccounts(store)).map((a) => [inputsKey(a.account_id, a.product), a]));
  const lookback = lookbackDays([...Object.values(products.products), ...Object.values(candidate.products)].map((p) => p.thresholds));

  const byDay = new Map<string, GraduationDay[]>();
  for (const grad of graduations) {
    const group = byDay.get(grad.grad_day);
    if (group) group.push(grad);
    else byDay.set(grad.grad_day, [grad]);
  }

  const currentRows: GraduationRow[] = [];
  const candidateRows: GraduationRow[] = [];
  let skipped = 0;
  const occurredAt = new Date().toISOString();
  for (const [day, group] of byDay) {
    const single = group.length === 1 ? { accountId: group[0]!.account_id, product: group[0]!.product } : {};
    const [inputs, assessments] = await Promise.all([readReadinessInputs(store, day, lookback, single), latestAssessments(store, day, single)]);
    const rows = rescoreGraduations(day, group, { accounts, inputs, assessments }, { current: products, candidate }, occurredAt);
    currentRows.push(...rows.current);
    candidateRows.push(...rows.candidate);
    skipped += rows.skipped;
  }
  const [currentCounts, candidateCounts] = await Promise.all([
    calibrationCountsOf(store, currentRows, countParams),
    calibrationCountsOf(store, candidateRows, countParams),
  ]);
  const coverage = { outcomes: graduations.length, no_graduation_day: 0, no_snapshot: 0 };
  const meta = { graduationAgeDays: options.graduationAgeDays, coverage };
  return {
    method: 're-scored from the daily aggregates at each graduation day under both products files; flags without hysteresis from earlier days',
    rescored: currentRows.length,
    skipped,
    current: assembleCalibration(currentCounts, products, meta),
    candidate: assembleCalibration(candidateCounts, candidate, meta),
  };
}
