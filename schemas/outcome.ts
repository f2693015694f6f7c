import { z } from 'zod';
import type { ParseResult } from './accounts.js';
import { boundedInstantSchema, DEFAULT_MIN_INSTANT_MS, instantMs } from './day.js';
import { describeIssues } from './issues.js';
import { idSchema } from './text.js';

/**
 * What happened to an account-product after onboarding: renewed, expanded,
 * churned or downgraded, when, and (optionally) the day the CSM team
 * graduated it. One record per (account, product); a later record replaces it.
 * Calibration compares these outcomes with readiness at graduation.
 */

export const OUTCOMES = ['renewed', 'expanded', 'churned', 'downgraded'] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];
/** Outcomes that count as retained. */
export const RETAINED_OUTCOMES: readonly OutcomeKind[] = ['renewed', 'expanded'];

export interface OutcomeBounds {
  /** The clock dates are checked against. */
  now: () => Date;
  /** How far ahead of now a date may be (ms), as for events. */
  maxFutureSkewMs: number;
}

/** The outcome record schema; dates are checked against the clock and skew of `bounds`. */
export function outcomeRecordSchema(bounds: OutcomeBounds) {
  // Real calendar dates, not before 2000-01-01, not past the future skew: the shared instant rules.
  const instant = boundedInstantSchema({ minMs: DEFAULT_MIN_INSTANT_MS, maxFutureSkewMs: bounds.maxFutureSkewMs, now: () => bounds.now().getTime() });
  return z
    .object({
      account_id: idSchema('account_id'),
      product: idSchema('product'),
      outcome: z.enum(OUTCOMES, { error: `outcome must be one of ${OUTCOMES.join(', ')}` }),
      outcome_at: instant,
      graduated_at: instant.optional(),
    })
    .strict()
    .refine((o) => o.graduated_at === undefined || instantMs(o.graduated_at) <= instantMs(o.outcome_at), {
      message: 'graduated_at must not be after outcome_at',
      path: ['graduated_at'],
    });
}

export type OutcomeRecordInput = z.input<ReturnType<typeof outcomeRecordSchema>>;
export type OutcomeRecord = z.output<ReturnType<typeof outcomeRecordSchema>>;

export function parseOutcome(value: unknown, bounds: OutcomeBounds): ParseResult<OutcomeRecord> {
  const parsed = outcomeRecordSchema(bounds).safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}
