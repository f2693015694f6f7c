import { parseAssessmentLine, type Assessment } from '../schemas/assessment.js';
import { instantMs } from '../schemas/day.js';
import { InputError, NotFoundError } from '../schemas/errors.js';
import type { FlagTransition } from '../schemas/flags.js';
import { assessmentTimeProblem, inputsKey, parseNdjsonLines, type LoadSummary, type ReadinessReport } from '../scoring/index.js';
import { insertAssessments, latestSnapshotDay, readAccounts, type StoredAssessment } from '../transforms/index.js';
import { runCollectingPass, type ScoringContext } from './scoring-pass.js';

/** Recording CSM assessments, re-scoring the account-product at once so its score reflects them. */

export interface RecordedAssessments {
  stored: StoredAssessment[];
  /** The fresh reports of each touched account-product. */
  reports: ReadinessReport[];
  /** Transitions published by the re-scoring. */
  transitions: FlagTransition[];
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
    const problem = assessmentTimeProblem(a, now, ctx.maxFutureSkewMs);
    if (problem) throw new InputError(`assessment of account ${a.account_id}, product ${a.product}, dimension ${a.dimension}: ${problem}`);
  }
  const today = now.toISOString().slice(0, 10);
  const stored = await insertAssessments(ctx.store, assessments);
  const touched = new Map<string, { accountId: string; product: string; day: string }>();
  for (const a of assessments) {
    const k = inputsKey(a.account_id, a.product);
    const day = new Date(instantMs(a.assessed_at)).toISOString().slice(0, 10);
    const seen = touched.get(k);
    if (!seen || seen.day < day) touched.set(k, { accountId: a.account_id, product: a.product, day });
  }
  const reports: ReadinessReport[] = [];
  const transitions: FlagTransition[] = [];
  for (const t of touched.values()) {
    const accounts = await readAccounts(ctx.store, { accountId: t.accountId, product: t.product });
    if (accounts.length === 0 || !(t.product in ctx.products.products)) continue;
    const latest = await latestSnapshotDay(ctx.store, { accountId: t.accountId, product: t.product });
    // A bulk load before the first pass leaves scoring to that pass instead of scoring scattered days.
    if (!latest && options.scoreUnscored === false) continue;
    const asOf = [latest && latest > t.day ? latest : t.day, today].sort()[0]!;
    const result = await runCollectingPass(ctx, asOf, { accountId: t.accountId, product: t.product });
    reports.push(...result.reports);
    transitions.push(...result.published);
  }
  return { stored, reports, transitions };
}

/** Records one assessment; the account record must exist. Returns the fresh report. */
export async function recordAssessment(
  ctx: ScoringContext,
  assessment: Assessment,
): Promise<{ stored: StoredAssessment; report: ReadinessReport | undefined; transitions: FlagTransition[] }> {
  const accounts = await readAccounts(ctx.store, { accountId: assessment.account_id, product: assessment.product });
  if (accounts.length === 0) {
    throw new NotFoundError(`no account record for account ${assessment.account_id}, product ${assessment.product} (load it with \`accounts load\`)`);
  }
  const result = await recordAssessments(ctx, [assessment]);
  return { stored: result.stored[0]!, report: result.reports[0], transitions: result.transitions };
}

/**
 * Loads NDJSON assessments: lines naming an account-product without an account
 * record are rejected too; the valid ones are stored and their account-products re-scored.
 */
export async function loadAssessmentsNdjson(
  ctx: ScoringContext,
  text: string,
  source: string,
): Promise<LoadSummary & Pick<RecordedAssessments, 'reports' | 'transitions'>> {
  const known = new Set((await readAccounts(ctx.store)).map((a) => inputsKey(a.account_id, a.product)));
  const now = (ctx.now ?? (() => new Date()))();
  const { valid, rejected, lines } = parseNdjsonLines(text, (line) => {
    const r = parseAssessmentLine(line);
    if (!r.ok) return r;
    const timeProblem = assessmentTimeProblem(r.value, now, ctx.maxFutureSkewMs);
    if (timeProblem) return { ok: false, reason: timeProblem };
    if (!known.has(inputsKey(r.value.account_id, r.value.product))) {
      return { ok: false, reason: `no account record for account ${r.value.account_id}, product ${r.value.product}` };
    }
    return r;
  });
  const recorded = await recordAssessments(ctx, valid, { scoreUnscored: false });
  return { source, lines, loaded: valid.length, rejected, reports: recorded.reports, transitions: recorded.transitions };
}
