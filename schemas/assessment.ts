import { z } from 'zod';
import { instantSchema } from './day.js';
import { describeIssues } from './issues.js';
import { DIMENSIONS } from './products.js';
import type { ParseResult } from './accounts.js';

/**
 * A CSM's score of one scorecard dimension. All assessments are kept; the
 * latest per dimension counts. A `usage` assessment overrides the telemetry
 * score and must say why.
 */
export const assessmentSchema = z
  .object({
    account_id: z.string().trim().min(1, 'account_id must not be empty').max(256),
    product: z.string().trim().min(1, 'product must not be empty').max(256),
    dimension: z.enum(DIMENSIONS, { error: `dimension must be one of ${DIMENSIONS.join(', ')}` }),
    score: z.number({ error: 'score must be a number' }).min(0, 'score must be between 0 and 10').max(10, 'score must be between 0 and 10'),
    evidence: z.string().trim().min(1, 'evidence must not be empty').max(10_000),
    assessed_by: z.string().trim().min(1, 'assessed_by must not be empty').max(256),
    assessed_at: instantSchema,
    reason: z.string().trim().max(10_000).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.dimension === 'usage' && !a.reason) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a usage override requires a reason' });
    }
  });

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
