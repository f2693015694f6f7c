import { z } from 'zod';
import { daySchema } from './day.js';
import { describeIssues } from './issues.js';

/** One account record per (account, product): seats, dates and the people and features that matter. */

const MAX_ID = 256;
const id = (what: string) => z.string({ error: `${what} must be a string` }).trim().min(1, `${what} must not be empty`).max(MAX_ID);
const idList = (what: string) =>
  z
    .array(id(what), { error: `${what} must be an array of strings` })
    .max(10_000)
    .transform((a) => [...new Set(a)]);

export const accountRecordSchema = z
  .object({
    account_id: id('account_id'),
    product: id('product'),
    licensed_seats: z.number({ error: 'licensed_seats must be a number' }).int('licensed_seats must be an integer').min(1, 'licensed_seats must be at least 1'),
    onboarding_started_at: daySchema,
    target_graduation_date: daySchema,
    champion_user_ids: idList('champion_user_ids').default([]),
    key_user_ids: idList('key_user_ids').default([]),
    core_features: idList('core_features').default([]),
    critical_workflows: idList('critical_workflows').default([]),
    account_name: z.string().max(1024).optional(),
    csm: z.string().max(256).optional(),
  })
  .refine((a) => a.target_graduation_date >= a.onboarding_started_at, {
    message: 'target_graduation_date must not be before onboarding_started_at',
    path: ['target_graduation_date'],
  });

export type AccountRecordInput = z.input<typeof accountRecordSchema>;
export type AccountRecord = z.output<typeof accountRecordSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates one decoded account record; products, when given, must list its product. */
export function parseAccountRecord(value: unknown, knownProducts?: ReadonlySet<string>): ParseResult<AccountRecord> {
  const parsed = accountRecordSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  if (knownProducts && !knownProducts.has(parsed.data.product)) {
    return { ok: false, reason: `product: "${parsed.data.product}" is not in the products file (${[...knownProducts].join(', ')})` };
  }
  return { ok: true, value: parsed.data };
}

/** Decodes and validates one NDJSON line. */
export function parseAccountLine(text: string, knownProducts?: ReadonlySet<string>): ParseResult<AccountRecord> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  return parseAccountRecord(value, knownProducts);
}
