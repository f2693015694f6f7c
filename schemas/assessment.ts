import { z } from 'zod';
import { boundedInstantSchema, DEFAULT_MIN_INSTANT_MS, type InstantBounds } from './day.js';
import { describeIssues } from './issues.js';
import { DIMENSIONS } from './products.js';
import { idSchema, wellFormedString } from './text.js';
import type { ParseResult } from './accounts.js';

/**
 * A CSM's score of one scorecard dimension. All assessments are kept; the
 * latest per dimension counts. A `usage` assessment overrides the telemetry
 * score and must say why. `assessed_at` lies within `bounds` (the service
 * passes its configured earliest instant, future skew and clock).
 */
export function assessmentSchemaWithin(bounds: InstantBounds) {
  return z
    .object({
      account_id: idSchema('account_id'),
      product: idSchema('product'),
      dimension: z.enum(DIMENSIONS, { error: `dimension must be one of ${DIMENSIONS.join(', ')}` }),
      score: z.number({ error: 'score must be a number' }).min(0, 'score must be between 0 and 10').max(10, 'score must be between 0 and 10'),
      evidence: wellFormedString('evidence').trim().min(1, 'evidence must not be empty').max(10_000, 'evidence must be at most 10000 characters'),
      assessed_by: idSchema('assessed_by'),
      assessed_at: boundedInstantSchema(bounds),
      reason: wellFormedString('reason').trim().max(10_000, 'reason must be at most 10000 characters').optional(),
    })
    .strict()
    .superRefine((a, ctx) => {
      if (a.dimension === 'usage' && !a.reason) {
        ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a usage override requires a reason' });
      }
    });
}

/** Assessments from files: not before 2000-01-01 (the future is checked against the clock when they are recorded). */
export const assessmentSchema = assessmentSchemaWithin({ minMs: DEFAULT_MIN_INSTANT_MS });

export type AssessmentInput = z.input<typeof assessmentSchema>;
export type Assessment = z.output<typeof assessmentSchema>;

export function parseAssessment(value: unknown): ParseResult<Assessment> {
  const parsed = assessmentSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}

export function parseAssessmentLine(text: string): ParseResult<Assessment> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  return parseAssessment(value);
}
