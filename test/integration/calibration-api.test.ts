import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExample } from '../../examples/generate.js';
import { loadConfig } from '../../schemas/config.js';
import { calibrate } from '../../runtime/index.js';
import type { CalibrationResult } from '../../scoring/index.js';
import { readOutcomes } from '../../transforms/index.js';
import { EXAMPLE_DAY, READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}

describe('calibration over HTTP (real server, real chDB store, example data)', () => {
  let t: TestService;
  beforeAll(async () => {
    // Example graduations fall 1–4 days before the end: score that far back.
    t = await startTestService({ DEMO_BACKFILL_DAYS: '5' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /v1/calibration answers the same figures as calibrate over the store', async () => {
    const example = generateExample(EXAMPLE_DAY);
    const res = await call(t.base, '/v1/calibration', { token: READ_TOKEN });
    expect(res.status).toBe(200);
    const body = res.json as CalibrationResult;
    expect(body.coverage).toEqual({ outcomes: example.outcomes.length, calibrated: example.outcomes.length, no_graduation_day: 0, no_snapshot: 0 });
    const direct = await calibrate({ store: t.store, products: t.service.scoring.products, graduationAgeDays: loadConfig({}).calibration.graduationAgeDays });
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
    expect((await call(t.base, '/v1/calibration')).status).toBe(401);
  });

  it('POST …/outcome stores an outcome (201), needs the write scope, and refuses bad input with 400 storing nothing', async () => {
    const path = (account: string, product = 'crm') => `/v1/accounts/${account}/products/${product}/outcome`;
    const good = { outcome: 'expanded', outcome_at: `${EXAMPLE_DAY}T09:00:00Z`, graduated_at: '2026-10-01' };
    expect((await call(t.base, path('newco'), { token: READ_TOKEN, body: good })).status).toBe(403);
    expect((await call(t.base, path('newco'), { body: good })).status).toBe(401);

    const created = await call(t.base, path('newco'), { token: WRITE_TOKEN, body: good });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ account_id: 'newco', product: 'crm', outcome: 'expanded', graduated_at: '2026-10-01', source: 'api' });
    expect(await readOutcomes(t.store, { accountId: 'newco' })).toHaveLength(1);

    const bad: Array<[string, { path?: string; body?: unknown; rawBody?: string }, RegExp]> = [
      ['malformed JSON', { rawBody: '{"outcome": "renewed"' }, /JSON/i],
      ['lone surrogate in the body', { rawBody: '{"outcome":"renewed\\ud800","outcome_at":"2026-11-01"}' }, /outcome/],
      ['control character in the account id', { path: path('bad%01id'), body: good }, /account(_id)?: .*control characters/],
      ['impossible date', { body: { ...good, outcome_at: '2026-02-30T00:00:00Z' } }, /outcome_at: .*not a real calendar day/],
      ['date before 2000', { body: { ...good, outcome_at: '1999-12-31', graduated_at: undefined } }, /outcome_at: .*before 2000-01-01/],
      ['date in the future', { body: { ...good, outcome_at: '2027-01-01T00:00:00Z' } }, /outcome_at: .*future/],
      ['unknown outcome', { body: { ...good, outcome: 'paused' } }, /outcome/],
      ['unknown field', { body: { ...good, note: 'x' } }, /note|unrecognized/i],
    ];
    for (const [what, input, message] of bad) {
      const res = await call(t.base, input.path ?? path('refused'), { token: WRITE_TOKEN, ...(input.rawBody ? { rawBody: input.rawBody } : { body: input.body }) });
      expect(res.status, what).toBe(400);
      const error = (res.json as ErrorBody).error;
      expect(error.code, what).toBe('INPUT_INVALID');
      expect(`${error.message} ${JSON.stringify(error.details ?? [])}`, what).toMatch(message);
    }
    // U+D800 percent-encoded as UTF-8 bytes is not valid UTF-8: the router refuses the URL before the route.
    expect((await call(t.base, path('lone%ED%A0%80'), { token: WRITE_TOKEN, body: good })).status).toBe(400);
    expect(await readOutcomes(t.store, { accountId: 'refused' })).toEqual([]);
    expect(await readOutcomes(t.store, { accountId: 'bad\u0001id' })).toEqual([]);
  });
});
