import type { AccountRecord } from '../schemas/accounts.js';
import { RETAINED_OUTCOMES, type OutcomeKind } from '../schemas/outcome.js';
import type { ProductsConfig, ProductSettings } from '../schemas/products.js';
import { graduationRowOf, type GraduationRow } from './calibration.js';
import { configHashes } from './config-hash.js';
import { emptyInputs, inputsKey, type LatestAssessment, type ReadinessInputs } from './inputs.js';
import { scoreAccount } from './report.js';

/**
 * The what-if of `calibrate`: the graduations of one day re-scored under the
 * current and a candidate products file, from the rows the store holds for
 * that day, without storing anything. Flags start closed on each re-scored day
 * (no hysteresis from earlier days), for both sides alike.
 */

/** An account-product with an outcome and its graduation day. */
export interface GraduationDay {
  account_id: string;
  product: string;
  outcome: string;
  grad_day: string;
  /** 1 graduated by the target date, 0 after it, null without an account record. */
  on_time: number | null;
  onboarding_days: number | null;
}

export interface WhatIfRows {
  current: GraduationRow[];
  candidate: GraduationRow[];
  /** Graduations not re-scored: no account record, or a product one of the two files does not list. */
  skipped: number;
}

export function rescoreGraduations(
  day: string,
  graduations: readonly GraduationDay[],
  rows: { accounts: ReadonlyMap<string, AccountRecord>; inputs: ReadonlyMap<string, ReadinessInputs>; assessments: readonly LatestAssessment[] },
  configs: { current: ProductsConfig; candidate: ProductsConfig },
  occurredAt: string,
): WhatIfRows {
  const currentHashes = configHashes(configs.current);
  const candidateHashes = configHashes(configs.candidate);
  const assessmentsByKey = new Map<string, LatestAssessment[]>();
  for (const a of rows.assessments) {
    const k = inputsKey(a.account_id, a.product);
    assessmentsByKey.set(k, [...(assessmentsByKey.get(k) ?? []), a]);
  }
  const out: WhatIfRows = { current: [], candidate: [], skipped: 0 };
  for (const grad of graduations) {
    const k = inputsKey(grad.account_id, grad.product);
    const account = rows.accounts.get(k);
    const now = configs.current.products[grad.product];
    const next = configs.candidate.products[grad.product];
    if (!account || !now || !next || account.onboarding_started_at > day) {
      out.skipped++;
      continue;
    }
    const score = (settings: ProductSettings, config: ProductsConfig, configHash: string) =>
      scoreAccount({
        account,
        product: settings,
        weights: config.weights,
        configHash,
        inputs: rows.inputs.get(k) ?? emptyInputs(grad.account_id, grad.product),
        assessments: assessmentsByKey.get(k) ?? [],
        previousFlags: new Map(),
        asOf: day,
        occurredAt,
      }).report;
    const outcome = { ...grad, retained: RETAINED_OUTCOMES.includes(grad.outcome as OutcomeKind) };
    out.current.push(graduationRowOf(score(now, configs.current, currentHashes.get(now.name) ?? ''), outcome));
    out.candidate.push(graduationRowOf(score(next, configs.candidate, candidateHashes.get(next.name) ?? ''), outcome));
  }
  return out;
}
