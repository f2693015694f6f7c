import type { AccountRecord } from '../../schemas/accounts.js';
import type { LatestAssessment } from '../../scoring/inputs.js';

/** The day the pure-scoring unit tests score for. */
export const AS_OF = '2026-11-20';

/** Account `acme` on product `crm`, onboarding since 2026-09-01, with what a test needs changed. */
export function accountRecord(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    account_id: 'acme',
    product: 'crm',
    licensed_seats: 100,
    onboarding_started_at: '2026-09-01',
    target_graduation_date: '2026-12-31',
    champion_user_ids: [],
    key_user_ids: [],
    core_features: [],
    critical_workflows: [],
    ...overrides,
  };
}

/** The CSM's assessment of one dimension of `acme`/`crm`. */
export const assessed = (dimension: LatestAssessment['dimension'], score: number, assessedAt = `${AS_OF}T09:00:00Z`): LatestAssessment =>
  ({ account_id: 'acme', product: 'crm', dimension, score, evidence: 'e', assessed_by: 'Ana', assessed_at: assessedAt }) as LatestAssessment;
