import { describe, expect, it } from 'vitest';
import { parseAccountRecord } from '../../schemas/accounts.js';
import { assessmentSchemaWithin, parseAssessment } from '../../schemas/assessment.js';

/** Account and assessment records hold only values the store keeps as given. */

const ACCOUNT = { account_id: 'acme', product: 'crm', licensed_seats: 10, onboarding_started_at: '2026-01-05', target_graduation_date: '2026-04-05' };
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
