import { FLAG_CODES } from '../schemas/flags.js';
import { RETAINED_OUTCOMES, type OutcomeKind } from '../schemas/outcome.js';
import type { ProductsConfig, ProductSettings } from '../schemas/products.js';
import {
  calibrationCounts,
  calibrationCountsOf,
  calibrationCoverage,
  graduationDays,
  latestAssessments,
  readAccounts,
  readReadinessInputs,
  type GraduationParams,
  type GraduationRow,
  type Store,
} from '../transforms/index.js';
import { assembleCalibration, graduationRowOf, SNAPSHOT_TOLERANCE_DAYS, SWEEP_GRIDS, type CalibrationResult } from './calibration.js';
import { productConfigHash } from './config-hash.js';
import { emptyInputs, inputsKey, type LatestAssessment } from './inputs.js';
import { lookbackDays } from './metrics.js';
import { scoreAccount } from './report.js';

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
 * and counts both the same way. Flags start closed on each re-scored day (no
 * hysteresis from earlier days), for both sides alike.
 */
export async function calibrateWhatIf(options: CalibrationOptions, candidate: ProductsConfig): Promise<WhatIfResult> {
  const { store, products } = options;
  const g = graduationParams(options);
  const graduations = await graduationDays(store, g);
  const accounts = new Map((await readAccounts(store)).map((a) => [inputsKey(a.account_id, a.product), a]));
  const lookback = lookbackDays([...Object.values(products.products), ...Object.values(candidate.products)].map((p) => p.thresholds));
  const hashes = (config: ProductsConfig) => new Map(Object.values(config.products).map((p) => [p.name, productConfigHash(p, config.weights)]));
  const currentHashes = hashes(products);
  const candidateHashes = hashes(candidate);

  const byDay = new Map<string, typeof graduations>();
  for (const grad of graduations) byDay.set(grad.grad_day, [...(byDay.get(grad.grad_day) ?? []), grad]);

  const currentRows: GraduationRow[] = [];
  const candidateRows: GraduationRow[] = [];
  let skipped = 0;
  const occurredAt = new Date().toISOString();
  for (const [day, group] of byDay) {
    const single = group.length === 1 ? { accountId: group[0]!.account_id, product: group[0]!.product } : {};
    const [inputs, assessments] = await Promise.all([readReadinessInputs(store, day, lookback, single), latestAssessments(store, day, single)]);
    const assessmentsByKey = new Map<string, LatestAssessment[]>();
    for (const a of assessments) {
      const k = inputsKey(a.account_id, a.product);
      assessmentsByKey.set(k, [...(assessmentsByKey.get(k) ?? []), a]);
    }
    for (const grad of group) {
      const k = inputsKey(grad.account_id, grad.product);
      const account = accounts.get(k);
      const now = products.products[grad.product];
      const next = candidate.products[grad.product];
      if (!account || !now || !next || account.onboarding_started_at > day) {
        skipped++;
        continue;
      }
      const score = (settings: ProductSettings, config: ProductsConfig, configHash: string) =>
        scoreAccount({
          account,
          product: settings,
          weights: config.weights,
          configHash,
          inputs: inputs.get(k) ?? emptyInputs(grad.account_id, grad.product),
          assessments: assessmentsByKey.get(k) ?? [],
          previousFlags: new Map(),
          asOf: day,
          occurredAt,
        }).report;
      const outcome = { ...grad, retained: RETAINED_OUTCOMES.includes(grad.outcome as OutcomeKind) };
      currentRows.push(graduationRowOf(score(now, products, currentHashes.get(now.name) ?? ''), outcome));
      candidateRows.push(graduationRowOf(score(next, candidate, candidateHashes.get(next.name) ?? ''), outcome));
    }
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
