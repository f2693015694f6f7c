import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseJsonRecord, type ConsumedRecord } from '../../ingest/index.js';
import { accountRecordSchema, parseAccountRecord } from '../../schemas/accounts.js';
import { assessmentSchemaWithin, parseAssessment } from '../../schemas/assessment.js';
import { outcomeRecordSchema, parseOutcome } from '../../schemas/outcome.js';
import { MAX_JSON_DEPTH } from '../../schemas/text.js';

/** Account and assessment records hold only values the store keeps as given. */

const ACCOUNT = { account_id: 'acme', product: 'crm', licensed_seats: 10, onboarding_started_at: '2026-01-05', target_graduation_date: '2026-04-05' };
const OUTCOME = { account_id: 'acme', product: 'crm', outcome: 'renewed', outcome_at: '2026-10-01T00:00:00Z', graduated_at: '2026-06-01' };
const OUTCOME_BOUNDS = { now: () => new Date('2026-11-20T12:00:00Z'), maxFutureSkewMs: 86_400_000 };
const ASSESSMENT = { account_id: 'acme', product: 'crm', dimension: 'value', score: 8, evidence: 'ROI review', assessed_by: 'Ana', assessed_at: '2026-03-01T09:30:00Z' };

describe('account records', () => {
  it('accepts a plain record', () => {
    expect(parseAccountRecord(ACCOUNT).ok).toBe(true);
  });

  it.each([
    ['an onboarding day before 2000-01-01', { onboarding_started_at: '1900-01-01' }, 'onboarding_started_at'],
    ['a day that does not exist', { onboarding_started_at: '2026-02-30' }, 'onboarding_started_at'],
    ['a target past what the store holds', { target_graduation_date: '2200-01-01' }, 'target_graduation_date'],
    ['year zero', { target_graduation_date: '0000-01-01' }, 'target_graduation_date'],
    ['a control character in the account id', { account_id: 'ac\u0001me' }, 'account_id'],
    ['an id over 256 characters', { product: 'p'.repeat(257) }, 'product'],
    ['a lone surrogate in the name', { account_name: 'Acme \ud800' }, 'account_name'],
    ['a lone surrogate in a champion id', { champion_user_ids: ['u1', 'u\udc002'] }, 'champion_user_ids'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    const parsed = parseAccountRecord({ ...ACCOUNT, ...change });
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(field);
  });
});

describe('assessment records', () => {
  it.each([
    ['1900-01-01', 'before 2000-01-01'],
    ['2026-02-30T09:00:00Z', 'not a real calendar day'],
    ['2026-03-01T09:30:00', 'zone'],
  ])('refuses assessed_at %s', (assessed_at, reason) => {
    const parsed = parseAssessment({ ...ASSESSMENT, assessed_at });
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('bounds assessed_at by the configured earliest instant and future skew', () => {
    const schema = assessmentSchemaWithin({ minMs: Date.UTC(2026, 0, 1), maxFutureSkewMs: 3_600_000, now: () => Date.UTC(2026, 2, 1, 12) });
    expect(schema.safeParse({ ...ASSESSMENT, assessed_at: '2026-03-01T12:30:00Z' }).success).toBe(true);
    expect(schema.safeParse({ ...ASSESSMENT, assessed_at: '2026-03-01T14:00:00Z' }).success).toBe(false);
    expect(schema.safeParse({ ...ASSESSMENT, assessed_at: '2025-12-31T23:59:59Z' }).success).toBe(false);
  });
});

describe('outcome records', () => {
  it('accepts a plain record', () => {
    expect(parseOutcome(OUTCOME, OUTCOME_BOUNDS).ok).toBe(true);
  });

  it.each([
    ['an outcome day before 2000-01-01', { outcome_at: '1999-12-31' }, 'outcome_at'],
    ['a day that does not exist', { outcome_at: '2026-02-30' }, 'outcome_at'],
    ['an outcome past the future skew', { outcome_at: '2026-11-25' }, 'outcome_at'],
    ['year zero', { graduated_at: '0000-01-01' }, 'graduated_at'],
    ['a control character in the account id', { account_id: 'ac\u0001me' }, 'account_id'],
    ['NUL in the product', { product: 'cr\u0000m' }, 'product'],
    ['an id over 256 characters', { account_id: 'a'.repeat(257) }, 'account_id'],
    ['a lone surrogate in the account id', { account_id: 'acme\ud800' }, 'account_id'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    const parsed = parseOutcome({ ...OUTCOME, ...change }, OUTCOME_BOUNDS);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(field);
  });
});

describe('account and outcome messages from Kafka', () => {
  const message = (value: string): ConsumedRecord => ({ topic: 't', partition: 0, offset: '0', key: null, value: Buffer.from(value), headers: {}, rawHeaders: [], timestamp: '0' });
  const schemas: [string, z.ZodType<unknown>, object][] = [
    ['account', accountRecordSchema, ACCOUNT],
    ['outcome', outcomeRecordSchema(OUTCOME_BOUNDS), OUTCOME],
  ];

  it.each(schemas)('%s: a lone surrogate sent as a JSON escape is a schema violation', (_name, schema, good) => {
    const text = JSON.stringify(good).replace('"acme"', '"acme\\udc00"');
    expect(parseJsonRecord(message(text), schema, 4096)).toMatchObject({ kind: 'dead_letter', reason: 'schema_violation' });
  });

  it.each(schemas)('%s: an extra field nested deeper than MAX_JSON_DEPTH is too_deep, not a stack overflow', (_name, schema, good) => {
    const deep = '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1);
    const text = JSON.stringify(good).replace(/}$/, `,"extra":${deep}}`);
    expect(parseJsonRecord(message(text), schema, 1 << 20)).toMatchObject({ kind: 'dead_letter', reason: 'too_deep' });
  });

  it.each(schemas)('%s: a message over the limit is oversized before it is parsed', (_name, schema, good) => {
    expect(parseJsonRecord(message(JSON.stringify(good) + ' '.repeat(4096)), schema, 4096)).toMatchObject({ kind: 'dead_letter', reason: 'oversized' });
  });
});
