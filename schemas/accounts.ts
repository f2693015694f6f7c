import { z } from 'zod';
import { boundedDaySchema, DEFAULT_MIN_INSTANT_MS } from './day.js';
import { describeIssues } from './issues.js';
import { idSchema, wellFormedString } from './text.js';

/** One account record per (account, product): seats, dates and the people and features that matter. */

const id = (what: string) => idSchema(what);
/**
 * Onboarding and target dates: from 2000-01-01 to 50 years ahead. A target date is
 * naturally in the future; the horizon keeps every date inside what the store's Date holds.
 */
const accountDay = boundedDaySchema({ minMs: DEFAULT_MIN_INSTANT_MS, maxFutureSkewMs: 50 * 365 * 86_400_000 });
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
    onboarding_started_at: accountDay,
    target_graduation_date: accountDay,
    champion_user_ids: idList('champion_user_ids').default([]),
    key_user_ids: idList('key_user_ids').default([]),
    core_features: idList('core_features').default([]),
    critical_workflows: idList('critical_workflows').default([]),
    account_name: wellFormedString('account_name').max(1024, 'account_name must be at most 1024 characters').optional(),
    csm: wellFormedString('csm').max(256, 'csm must be at most 256 characters').optional(),
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
