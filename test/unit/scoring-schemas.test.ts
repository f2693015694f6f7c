import { describe, expect, it } from 'vitest';
import { flagTransitionJsonSchema, parseAccountLine, parseAssessment, parseProducts, PROFILE_DEFAULTS } from '../../schemas/index.js';
import { readFileSync } from 'node:fs';

describe('products file', () => {
  it('ships the four example products with their profiles and the seed weights', () => {
    const p = parseProducts(readFileSync('config/products.json', 'utf8'), 'config/products.json');
    expect(Object.fromEntries(Object.entries(p.products).map(([k, v]) => [k, v.profile]))).toEqual({
      crm: 'daily',
      projects: 'daily',
      analytics: 'weekly',
      compliance: 'periodic',
    });
    expect(p.weights).toEqual({ technical: 20, knowledge: 20, usage: 20, value: 30, stakeholder: 10 });
  });
  it('merges threshold overrides over the profile defaults', () => {
    const p = parseProducts('{"products":{"bi":{"profile":"weekly","thresholds":{"monthly_ratio_min":0.6,"business_days_only":false}}}}', 'p.json');
    expect(p.products.bi!.thresholds).toEqual({ ...PROFILE_DEFAULTS.weekly, monthly_ratio_min: 0.6, business_days_only: false });
  });
  it.each([
    ['{not json', /p\.json: not valid JSON/],
    ['{"products":{"crm":{"profile":"hourly"}}}', /p\.json: products\.crm\.profile: profile must be one of daily, weekly, periodic/],
    ['{"products":{"crm":{"profile":"daily","thresholds":{"weekly_ratio_min":"high"}}}}', /p\.json: products\.crm\.thresholds\.weekly_ratio_min/],
    ['{"products":{"crm":{"profile":"daily","thresholds":{"typo_min":1}}}}', /p\.json: products\.crm\.thresholds: .*typo_min/],
    ['{"products":{}}', /at least one product/],
    ['{"products":{"crm":{"profile":"daily"}},"default_product":"erp"}', /default_product: "erp" is not a listed product/],
    [
      '{"products":{"crm":{"profile":"daily"}},"scorecard_weights":{"technical":20,"knowledge":20,"usage":20,"value":20,"stakeholder":10}}',
      /scorecard_weights: scorecard weights must sum to 100/,
    ],
  ])('rejects %s naming the file, the path and the reason', (text, pattern) => {
    expect(() => parseProducts(text, 'p.json')).toThrow(pattern);
  });
});

describe('account records', () => {
  const good = {
    account_id: 'acme',
    product: 'crm',
    licensed_seats: 10,
    onboarding_started_at: '2026-09-01',
    target_graduation_date: '2026-12-01',
    champion_user_ids: ['u1'],
  };
  it('accepts a record and defaults the lists', () => {
    const r = parseAccountLine(JSON.stringify(good));
    expect(r).toMatchObject({ ok: true, value: { key_user_ids: [], core_features: [], critical_workflows: [] } });
  });
  it.each([
    [{ ...good, licensed_seats: 0 }, /licensed_seats: licensed_seats must be at least 1/],
    [{ ...good, onboarding_started_at: '2026-02-30' }, /onboarding_started_at: is not a real calendar day/],
    [{ ...good, target_graduation_date: '2026-08-01' }, /target_graduation_date must not be before onboarding_started_at/],
    [{ ...good, champion_user_ids: 'u1' }, /champion_user_ids/],
    [{ ...good, product: 'erp' }, /product: "erp" is not in the products file/],
  ])('rejects a bad record with the field and the reason (%#)', (record, pattern) => {
    const r = parseAccountLine(JSON.stringify(record), new Set(['crm']));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(pattern);
  });
  it('rejects a line that is not JSON', () => {
    expect(parseAccountLine('{oops')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
  });
});

describe('assessments', () => {
  const good = { account_id: 'acme', product: 'crm', dimension: 'value', score: 8, evidence: 'KPI met', assessed_by: 'Ana', assessed_at: '2026-11-01T10:00:00Z' };
  it('accepts a dimension score', () => {
    expect(parseAssessment(good).ok).toBe(true);
  });
  it.each([
    [{ ...good, dimension: 'usage' }, /reason: a usage override requires a reason/],
    [{ ...good, score: 11 }, /score: score must be between 0 and 10/],
    [{ ...good, dimension: 'vibes' }, /dimension: dimension must be one of/],
    [{ ...good, evidence: '' }, /evidence: evidence must not be empty/],
    [{ ...good, assessed_at: 'yesterday' }, /assessed_at/],
  ])('rejects a bad assessment (%#)', (value, pattern) => {
    const r = parseAssessment(value);
    expect(r.ok ? '' : r.reason).toMatch(pattern);
  });
  it('accepts a usage override with a reason', () => {
    expect(parseAssessment({ ...good, dimension: 'usage', reason: 'shared logins hide real users' }).ok).toBe(true);
  });
});

describe('flag transition JSON Schema', () => {
  it('is generated from the zod schema and lists the fields', () => {
    const schema = flagTransitionJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['transition_id', 'flag_id', 'account_id', 'code', 'kind', 'severity', 'message']));
  });
});
