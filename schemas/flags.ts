import { z } from 'zod';

/** Red-flag codes, severities and the transition message published for alerting. */

export const FLAG_CODES = [
  'low_engagement',
  'declining_usage',
  'usage_below_threshold',
  'core_features_unused',
  'champion_inactive',
  'key_users_inactive',
  'workflow_failures',
  'onboarding_overdue',
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

export const SEVERITIES = ['red', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const TRANSITION_KINDS = ['opened', 'updated', 'resolved'] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

export const flagTransitionSchema = z
  .object({
    /** Unique per transition; consumers de-duplicate on it. */
    transition_id: z.string().min(1),
    /** Stable per (account, product, code) across its whole life. */
    flag_id: z.string().min(1),
    account_id: z.string().min(1),
    product: z.string().min(1),
    code: z.enum(FLAG_CODES),
    kind: z.enum(TRANSITION_KINDS),
    severity: z.enum(SEVERITIES),
    message: z.string(),
    /** The number behind the flag (ratio, slope, days…), for thresholds on the consumer side. */
    value: z.number(),
    /** Items the flag is about (unused features, inactive users), sorted. */
    subjects: z.array(z.string()),
    /** 1 for the first transition of a flag id, then +1 per transition. */
    sequence: z.number().int().min(1),
    /** The scored day (UTC). */
    as_of: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** When the scoring pass recorded it (ISO-8601 UTC). */
    occurred_at: z.string(),
  })
  .strict();

export type FlagTransition = z.output<typeof flagTransitionSchema>;

/** JSON Schema of a published flag transition message. */
export function flagTransitionJsonSchema(): Record<string, unknown> {
  return {
    title: 'usage-readiness flag transition',
    description: 'One message per flag transition (opened, updated, resolved), keyed by account_id.',
    ...z.toJSONSchema(flagTransitionSchema, { target: 'draft-2020-12' }),
  };
}

/** Optional filter by flag code and severity, shared by SSE streams and webhooks. */
export interface TransitionFilter {
  codes?: readonly string[] | undefined;
  severities?: readonly string[] | undefined;
}

export function matchesFilter(transition: FlagTransition, filter: TransitionFilter): boolean {
  if (filter.codes && filter.codes.length > 0 && !filter.codes.includes(transition.code)) return false;
  if (filter.severities && filter.severities.length > 0 && !filter.severities.includes(transition.severity)) return false;
  return true;
}
