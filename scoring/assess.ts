import type { Assessment } from '../schemas/assessment.js';
import { ASSESSMENT_MAX_FUTURE_SKEW_MS } from '../schemas/config.js';
import { instantMs } from '../schemas/day.js';
import { InputError, NotFoundError } from '../schemas/errors.js';
import { insertAssessments, latestSnapshotDay, readAccounts, type StoredAssessment } from '../transforms/index.js';
import { runScoringPass, type PassResult, type ScoringContext } from './pass.js';
import type { ReadinessReport } from './report.js';

/** Recording CSM assessments, re-scoring the account-product at once so its score reflects them. */

export interface RecordedAssessments {
  stored: StoredAssessment[];
  /** The fresh reports of each touched account-product. */
  reports: ReadinessReport[];
  /** Transitions published by the re-scoring. */
  transitions: PassResult['transitions'];
}


/** Why an assessment's time cannot be accepted, or undefined when it can. */
export function assessmentTimeProblem(a: Assessment, now: Date): string | undefined {
  const at = instantMs(a.assessed_at);
  return at > now.getTime() + ASSESSMENT_MAX_FUTURE_SKEW_MS ? `assessed_at ${a.assessed_at} is in the future (now is ${now.toISOString()})` : undefined;
}

/**
 * Stores assessments and re-scores each touched account-product on the later
 * of its latest snapshot day and the assessment's day (assessments count from
 * the day they were made), never past today. `scoreUnscored: false` skips
 * account-products that were never scored.
 */
export async function recordAssessments(
  ctx: ScoringContext,
  assessments: readonly Assessment[],
  options: { scoreUnscored?: boolean } = {},
): Promise<RecordedAssessments> {
  const now = (ctx.now ?? (() => new Date()))();
  for (const a of assessments) {
    const problem = assessmentTimeProblem(a, now);
    if (problem) throw new InputError(`assessment of account ${a.account_id}, product ${a.product}, dimension ${a.dimension}: ${problem}`);
  }
  const today = now.toISOString().slice(0, 10);
  const stored = await insertAssessments(ctx.store, assessments);
  const touched = new Map<string, { accountId: string; product: string; day: string }>();
  for (const a of assessments) {
    const k = `${a.account_id}\u0000${a.product}`;
    const day = new Date(instantMs(a.assessed_at)).toISOString().slice(0, 10);
    const seen = touched.get(k);
    if (!seen || seen.day < day) touched.set(k, { accountId: a.account_id, product: a.product, day });
  }
  const reports: ReadinessReport[] = [];
  const transitions: PassResult['transitions'] = [];
  for (const t of touched.values()) {
    const accounts = await readAccounts(ctx.store, { accountId: t.accountId, product: t.product });
    if (accounts.length === 0 || !(t.product in ctx.products.products)) continue;
    const latest = await latestSnapshotDay(ctx.store, { accountId: t.accountId, product: t.product });
    // A bulk load before the first pass leaves scoring to that pass instead of scoring scattered days.
    if (!latest && options.scoreUnscored === false) continue;
    const asOf = [latest && latest > t.day ? latest : t.day, today].sort()[0]!;
    const result = await runScoringPass(ctx, asOf, { accountId: t.accountId, product: t.product });
    reports.push(...result.reports);
    transitions.push(...result.transitions);
  }
  return { stored, reports, transitions };
}

/** Records one assessment; the account record must exist. Returns the fresh report. */
export async function recordAssessment(ctx: ScoringContext, assessment: Assessment): Promise<{ stored: StoredAssessment; report: ReadinessReport | undefined; transitions: PassResult['transitions'] }> {
  const accounts = await readAccounts(ctx.store, { accountId: assessment.account_id, product: assessment.product });
  if (accounts.length === 0) {
    throw new NotFoundError(`no account record for account ${assessment.account_id}, product ${assessment.product} (load it with \`accounts load\`)`);
  }
  const result = await recordAssessments(ctx, [assessment]);
  return { stored: result.stored[0]!, report: result.reports[0], transitions: result.transitions };
}

