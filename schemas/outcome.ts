import { z } from 'zod';
import type { ParseResult } from './accounts.js';
import { instantMs, instantSchema } from './day.js';
import { describeIssues } from './issues.js';

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

/** Earliest accepted outcome or graduation date. */
export const OUTCOME_MIN_DAY = '2000-01-01';

export interface OutcomeBounds {
  /** The clock dates are checked against. */
  now: () => Date;
  /** How far ahead of now a date may be (ms), as for events. */
  maxFutureSkewMs: number;
}

// Control characters other than tab make ids unreadable in logs and tables.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

// With the u flag a paired surrogate is one code point outside this range, so only lone ones match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const id = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(256, `${what} must be at most 256 characters`)
    .refine((s) => !LONE_SURROGATE.test(s), `${what} must be well-formed Unicode (no lone surrogates)`)
    .refine((s) => !CONTROL.test(s), `${what} must not contain control characters`);

/** The calendar date part is real: 2026-02-30 is refused rather than read as March 2nd. */
const realCalendarDate = (s: string) => {
  const day = s.slice(0, 10);
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === day;
};

function boundedInstant(what: string, bounds: OutcomeBounds) {
  return instantSchema
    .refine(realCalendarDate, `${what} is not a real calendar date`)
    .refine((s) => instantMs(s) >= Date.parse(`${OUTCOME_MIN_DAY}T00:00:00Z`), `${what} must not be before ${OUTCOME_MIN_DAY}`)
    .refine((s) => instantMs(s) <= bounds.now().getTime() + bounds.maxFutureSkewMs, `${what} must not be in the future`);
}

/** The outcome record schema; dates are checked against the clock and skew of `bounds`. */
export function outcomeRecordSchema(bounds: OutcomeBounds) {
  return z
    .object({
      account_id: id('account_id'),
      product: id('product'),
      outcome: z.enum(OUTCOMES, { error: `outcome must be one of ${OUTCOMES.join(', ')}` }),
      outcome_at: boundedInstant('outcome_at', bounds),
      graduated_at: boundedInstant('graduated_at', bounds).optional(),
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
