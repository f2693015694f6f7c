import { createHash } from 'node:crypto';
import type { Assessment } from '../schemas/assessment.js';
import { addDays, instantMs } from '../schemas/day.js';
import type { LatestAssessment } from '../scoring/inputs.js';
import { keyRangeSql, type KeyRange } from './key-range.js';
import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';

/** CSM assessments: all kept, the latest per dimension counts. */

export interface StoredAssessment extends Assessment {
  assessment_id: string;
}

/** Content-derived id: loading the same assessment twice stores it once. */
export function assessmentId(a: Assessment): string {
  const key = [a.account_id, a.product, a.dimension, a.score, a.evidence, a.assessed_by, instantMs(a.assessed_at), a.reason ?? ''].join('\u0000');
  return `as_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

export async function insertAssessments(store: Store, assessments: readonly Assessment[]): Promise<StoredAssessment[]> {
  const recordedAt = toDateTime64(Date.now());
  const stored = assessments.map((a) => ({ ...a, assessment_id: assessmentId(a) }));
  await store.insert(
    'assessments',
    stored.map((a) => ({
      assessment_id: a.assessment_id,
      account_id: a.account_id,
      product: a.product,
      dimension: a.dimension,
      score: a.score,
      evidence: a.evidence,
      reason: a.reason ?? '',
      assessed_by: a.assessed_by,
      assessed_at: toDateTime64(instantMs(a.assessed_at)),
      recorded_at: recordedAt,
    })),
  );
  return stored;
}

interface LatestRow extends Omit<LatestAssessment, 'score'> {
  score: number | string;
}

/**
 * Per (account, product, dimension) the latest assessment made on or before the end of day `asOf`.
 * The raw column is compared with a bound instant: `toDate()` of a DateTime64 outside the Date
 * range wraps around, and the engine's part pruning then skips whole merged parts.
 */
export async function latestAssessments(
  store: Store,
  asOf: string,
  filter: { accountId?: string; product?: string; range?: KeyRange } = {},
): Promise<LatestAssessment[]> {
  const range = keyRangeSql('s', filter.range);
  const rows = await store.query<LatestRow>(
    `SELECT s.account_id AS account_id, s.product AS product, s.dimension AS dimension,
            argMax(s.score, (s.assessed_at, s.assessment_id)) AS score,
            argMax(s.evidence, (s.assessed_at, s.assessment_id)) AS evidence,
            argMax(s.reason, (s.assessed_at, s.assessment_id)) AS reason,
            argMax(s.assessed_by, (s.assessed_at, s.assessment_id)) AS assessed_by,
            formatDateTime(max(s.assessed_at), '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS assessed_at
     FROM {db}.assessments AS s
     WHERE s.assessed_at < {before:DateTime64(3, 'UTC')}
       AND ({account:String} = '' OR s.account_id = {account:String})
       AND ({product:String} = '' OR s.product = {product:String})${range.sql}
     GROUP BY s.account_id, s.product, s.dimension`,
    { before: toDateTime64(`${addDays(asOf, 1)}T00:00:00Z`), account: filter.accountId ?? '', product: filter.product ?? '', ...range.params },
  );
  return rows.map((r) => ({ ...r, score: Number(r.score) }));
}

/** Every assessment of one account-product, newest first. */
export async function assessmentHistory(store: Store, accountId: string, product: string): Promise<StoredAssessment[]> {
  const rows = await store.query<StoredAssessment & { reason: string; score: number | string }>(
    `SELECT s.assessment_id AS assessment_id, s.account_id AS account_id, s.product AS product, s.dimension AS dimension,
            s.score AS score, s.evidence AS evidence, s.reason AS reason, s.assessed_by AS assessed_by,
            formatDateTime(s.assessed_at, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS assessed_at
     FROM {db}.assessments AS s FINAL
     WHERE s.account_id = {account:String} AND s.product = {product:String}
     ORDER BY s.assessed_at DESC, s.assessment_id`,
    { account: accountId, product },
  );
  return rows.map((r) => {
    const { reason, ...rest } = r;
    return { ...rest, score: Number(r.score), ...(reason ? { reason } : {}) };
  });
}
