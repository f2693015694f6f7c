import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScoringPass } from '../../runtime/index.js';
import type { ReadinessReport } from '../../scoring/index.js';
import { EXAMPLE_DAY, READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * An out-of-range instant already in the store (written before validation
 * existed, or by another tool) must not take other account-products' scores
 * with it once the engine merges it into a part with valid rows.
 */

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}

interface List {
  total: number;
  items: ReadinessReport[];
}

const scorecards = async (base: string) => {
  const list = (await call(base, '/v1/readiness?limit=500', { token: READ_TOKEN })).json as List;
  return new Map(list.items.map((r) => [`${r.account_id}/${r.product}`, { band: r.graduation.band, score: r.graduation.score, missing: r.graduation.missing }]));
};

describe('stored instants out of range', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an assessment dated 1900-01-01 in the store, merged with OPTIMIZE FINAL, leaves every other scorecard intact', async () => {
    const before = await scorecards(t.base);
    expect(before.size).toBeGreaterThan(30);
    const assessed = [...before.values()].filter((s) => !s.missing.includes('stakeholder')).length;
    expect(assessed).toBeGreaterThan(10);

    // Written straight into the table, as no API path accepts it any more.
    await t.store.insert('assessments', [
      {
        assessment_id: 'as_out_of_range_1900',
        account_id: 'kramerica',
        product: 'projects',
        dimension: 'stakeholder',
        score: 9,
        evidence: 'dated before the Date range',
        reason: '',
        assessed_by: 'legacy import',
        assessed_at: '1900-01-01 00:00:00.000',
        recorded_at: '2026-01-01 00:00:00.000',
      },
    ]);
    await t.store.command('OPTIMIZE TABLE {db}.assessments FINAL');
    const parts = await t.store.query<{ n: string }>("SELECT count() AS n FROM system.parts WHERE database = {db:String} AND table = 'assessments' AND active", {
      db: t.store.database,
    });
    expect(Number(parts[0]!.n)).toBe(1);

    await runScoringPass(t.service.scoring, EXAMPLE_DAY);
    const after = await scorecards(t.base);
    expect(after.size).toBe(before.size);
    for (const [key, card] of before) {
      if (key === 'kramerica/projects') continue;
      expect(after.get(key), key).toEqual(card);
    }
    // The 1900 assessment counts as what it is: older than any other of that account-product.
    expect(after.get('kramerica/projects')!.band).not.toBe('incomplete');
  });

  const ASSESSMENTS = '/v1/accounts/kramerica/products/projects/assessments';
  const GOOD = { dimension: 'stakeholder', score: 9, evidence: 'executive sponsor joined the QBR', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T10:00:00Z` };
  const storedCount = async () => Number((await t.store.query<{ n: string }>('SELECT count() AS n FROM {db}.assessments'))[0]!.n);

  it.each([
    ['a day before 2000-01-01', { assessed_at: '1900-01-01' }, 'assessed_at'],
    ['an instant before 2000-01-01', { assessed_at: '1900-01-01T00:00:00Z' }, 'assessed_at'],
    ['year zero', { assessed_at: '0000-01-01T00:00:00Z' }, 'assessed_at'],
    ['a day that does not exist', { assessed_at: '2026-02-30T10:00:00Z' }, 'assessed_at'],
    ['an hour that does not exist', { assessed_at: `${EXAMPLE_DAY}T25:00:00Z` }, 'assessed_at'],
    ['a time without a zone', { assessed_at: `${EXAMPLE_DAY}T10:00:00` }, 'assessed_at'],
    ['an instant past the future skew', { assessed_at: '2999-01-01T00:00:00Z' }, 'assessed_at'],
    ['text that is no date', { assessed_at: 'yesterday' }, 'assessed_at'],
    ['a lone surrogate in evidence', { evidence: 'sponsor \ud800 joined' }, 'evidence'],
    ['a lone surrogate in assessed_by', { assessed_by: 'Ana \udc00' }, 'assessed_by'],
    ['a control character in assessed_by', { assessed_by: 'Ana\u0000Souza' }, 'assessed_by'],
    ['a lone surrogate in reason', { dimension: 'usage', reason: 'override \ud83d' }, 'reason'],
  ])('refuses an assessment with %s (400 naming the field, nothing stored)', async (_name, change, field) => {
    const before = await storedCount();
    const res = await call(t.base, ASSESSMENTS, { token: WRITE_TOKEN, body: { ...GOOD, ...change } });
    expect(res.status, res.text).toBe(400);
    const error = (res.json as ErrorBody).error;
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.details?.map((d) => d.field)).toContain(field);
    expect(await storedCount()).toBe(before);
  });

  it.each([
    ['a control character in the account id', '/v1/accounts/kram%01erica/products/projects/assessments'],
    ['an account id over 256 characters', `/v1/accounts/${'k'.repeat(257)}/products/projects/assessments`],
    ['a lone surrogate in the product id', '/v1/accounts/kramerica/products/pro%ED%A0%80jects/assessments'],
  ])('refuses an assessment with %s in the path (400, nothing stored)', async (_name, path) => {
    const before = await storedCount();
    const res = await call(t.base, path, { token: WRITE_TOKEN, body: GOOD });
    expect(res.status, res.text).toBe(400);
    expect((res.json as ErrorBody).error.code).toBe('INPUT_INVALID');
    expect(await storedCount()).toBe(before);
  });

  it.each([
    ['/v1/readiness?as_of=1900-01-01', 'query.as_of'],
    ['/v1/readiness?as_of=2026-02-30', 'query.as_of'],
    ['/v1/accounts/kramerica/products/projects/readiness?from=0000-01-01', 'query.from'],
    ['/v1/accounts/kramerica/products/projects/readiness?to=2999-01-01', 'query.to'],
    ['/v1/product-types/summary?as_of=2200-01-01', 'query.as_of'],
    ['/v1/readiness?account=ac%00me', 'query.account'],
  ])('refuses the query %s (400 naming the parameter)', async (path, field) => {
    const res = await call(t.base, path, { token: READ_TOKEN });
    expect(res.status, res.text).toBe(400);
    expect((res.json as ErrorBody).error.details?.map((d) => d.field)).toContain(field);
  });

  it('stores a valid assessment after all those refusals', async () => {
    const before = await storedCount();
    const res = await call(t.base, ASSESSMENTS, { token: WRITE_TOKEN, body: GOOD });
    expect(res.status, res.text).toBe(201);
    expect(await storedCount()).toBe(before + 1);
  });

  it('an Idempotency-Key makes a retry store nothing twice; the same key with another body is 422', async () => {
    const body = { dimension: 'technical', score: 7, evidence: 'integration reviewed', assessed_by: 'Ana Souza' };
    const send = (key: string, payload: object) =>
      fetch(`${t.base}${ASSESSMENTS}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(payload),
      });
    const before = await storedCount();
    // No assessed_at: without the key, a retry would store a second assessment at a later time.
    const first = await send('retry-key-0001', body);
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { assessment: { assessment_id: string } };
    expect(await storedCount()).toBe(before + 1);

    // The answer was lost; the client retries, twice at once.
    const retries = await Promise.all([send('retry-key-0001', body), send('retry-key-0001', body)]);
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(((await retry.json()) as { assessment: { assessment_id: string } }).assessment.assessment_id).toBe(firstBody.assessment.assessment_id);
    }
    expect(await storedCount()).toBe(before + 1);

    const reused = await send('retry-key-0001', { ...body, score: 3 });
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as ErrorBody).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const badKey = await send('bad key with spaces', body);
    expect(badKey.status).toBe(400);
    expect(await storedCount()).toBe(before + 1);

    // Two new requests with distinct keys arriving together are two assessments.
    const together = await Promise.all([send('retry-key-0002', body), send('retry-key-0003', { ...body, score: 8 })]);
    expect(together.map((r) => r.status)).toEqual([201, 201]);
    expect(await storedCount()).toBe(before + 3);
  });
});

