import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagTransitionJsonSchema, type FlagTransition } from '../../schemas/flags.js';
import { compareByRisk, type ReadinessReport } from '../../scoring/index.js';
import { startHttpServer, type HttpServer } from '../../server/index.js';
import { loadConfig } from '../../schemas/config.js';
import { testLogger } from '../helpers/logger.js';
import { EXAMPLE_DAY, READ_TOKEN, WRITE_TOKEN, call, startTestService, type TestService } from '../helpers/service.js';

interface List {
  as_of: string;
  total: number;
  limit: number;
  offset: number;
  items: ReadinessReport[];
}
interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}

// The example data's overdue onboarding still missing its stakeholder review: one
// assessment completes the scorecard, which resolves its onboarding_overdue flag.
const ACCOUNT = 'kramerica';
const PRODUCT = 'projects';
const ASSESSMENT = { dimension: 'stakeholder', score: 9, evidence: 'executive sponsor joined the QBR', assessed_by: 'Ana Souza', assessed_at: `${EXAMPLE_DAY}T10:00:00Z` };

/** Reads SSE events from /v1/flags/stream until `until` returns true. */
async function collectStream(
  base: string,
  token: string,
  until: (events: FlagTransition[]) => boolean,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<FlagTransition[]> {
  const res = await fetch(`${base}/v1/flags/stream`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: FlagTransition[] = [];
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const lines = block.split('\n');
      if (!lines.includes('event: flag_transition')) continue;
      const data = lines.find((l) => l.startsWith('data: '))!.slice(6);
      const id = lines.find((l) => l.startsWith('id: '))!.slice(4);
      const transition = JSON.parse(data) as FlagTransition;
      expect(transition.transition_id).toBe(id);
      events.push(transition);
    }
  }
  await reader.cancel();
  return events;
}

describe('HTTP API (real server, real chDB store, example data)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ HTTP_BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('requires a bearer token on /v1 (401), the right scope (403), and leaves health and metrics open', async () => {
    const none = await call(t.base, '/v1/readiness');
    expect(none.status).toBe(401);
    expect((none.json as ErrorBody).error.code).toBe('UNAUTHORIZED');
    const wrong = await call(t.base, '/v1/flags', { token: 'not-a-configured-token' });
    expect(wrong.status).toBe(401);
    const readOnly = await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/assessments`, { token: READ_TOKEN, body: ASSESSMENT });
    expect(readOnly.status).toBe(403);
    expect((readOnly.json as ErrorBody).error.code).toBe('FORBIDDEN');
    for (const path of ['/v1/readiness', '/v1/flags', '/v1/product-types/summary', `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/readiness`]) {
      expect((await call(t.base, path)).status, path).toBe(401);
      expect((await call(t.base, path, { token: READ_TOKEN })).status, path).toBe(200);
    }
    expect((await call(t.base, '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await call(t.base, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', checks: { store: { ok: true } } });
    expect((await call(t.base, '/metrics')).status).toBe(200);
  });

  it('closes health and metrics when configured to', async () => {
    const config = loadConfig({ PORT: '0', HEALTH_PUBLIC: 'false', METRICS_PUBLIC: 'false', API_TOKENS: `${READ_TOKEN}:read` }).server;
    const closed: HttpServer = await startHttpServer({
      config,
      tokens: config.tokens!,
      scoring: t.service.scoring,
      hub: t.service.hub,
      metrics: t.service.metrics,
      logger: testLogger,
      version: 'test',
    });
    try {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        expect((await call(closed.url, path)).status, path).toBe(401);
        expect((await call(closed.url, path, { token: READ_TOKEN })).status, path).toBe(200);
      }
    } finally {
      await closed.close();
    }
  });

  it('lists readiness sorted by risk, filtered and paginated', async () => {
    const all = (await call(t.base, '/v1/readiness?limit=500', { token: READ_TOKEN })).json as List;
    expect(all.total).toBe(36);
    expect(all.as_of).toBe(EXAMPLE_DAY);
    expect(all.items.map((r) => `${r.account_id}/${r.product}`)).toEqual([...all.items].sort(compareByRisk).map((r) => `${r.account_id}/${r.product}`));

    const page1 = (await call(t.base, '/v1/readiness?limit=5&offset=0', { token: READ_TOKEN })).json as List;
    const page2 = (await call(t.base, '/v1/readiness?limit=5&offset=5', { token: READ_TOKEN })).json as List;
    expect(page1).toMatchObject({ total: 36, limit: 5, offset: 0 });
    expect([...page1.items, ...page2.items].map((r) => r.account_id)).toEqual(all.items.slice(0, 10).map((r) => r.account_id));

    const periodic = (await call(t.base, '/v1/readiness?product_type=periodic&limit=500', { token: READ_TOKEN })).json as List;
    expect(periodic.total).toBeGreaterThan(0);
    expect(periodic.total).toBeLessThan(36);
    expect(periodic.items.every((r) => r.product_type === 'periodic')).toBe(true);

    const close = (await call(t.base, '/v1/readiness?band=close&limit=500', { token: READ_TOKEN })).json as List;
    expect(close.total).toBe(all.items.filter((r) => r.graduation.band === 'close').length);
    expect(close.items.every((r) => r.graduation.band === 'close')).toBe(true);

    const overdue = (await call(t.base, '/v1/readiness?flag=onboarding_overdue&limit=500', { token: READ_TOKEN })).json as List;
    expect(overdue.total).toBeGreaterThan(0);
    expect(overdue.items.every((r) => r.flags.some((f) => f.code === 'onboarding_overdue'))).toBe(true);

    const ready = (await call(t.base, '/v1/readiness?ready=true&limit=500', { token: READ_TOKEN })).json as List;
    const notReady = (await call(t.base, '/v1/readiness?ready=false&limit=500', { token: READ_TOKEN })).json as List;
    expect(ready.items.every((r) => r.graduation.ready)).toBe(true);
    expect(ready.total + notReady.total).toBe(36);

    const bad = await call(t.base, '/v1/readiness?band=green&limit=0&colour=red', { token: READ_TOKEN });
    expect(bad.status).toBe(400);
    const fields = (bad.json as ErrorBody).error.details!.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['query.band', 'query.limit']));
  });

  it('returns one account-product with history and the explanation of its last change', async () => {
    const res = await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/readiness`, { token: READ_TOKEN });
    expect(res.status).toBe(200);
    const view = res.json as { report: ReadinessReport; history: Array<{ as_of: string }>; explanation: { from: string; to: string; summary: string }; transitions: FlagTransition[] };
    expect(view.report).toMatchObject({ account_id: ACCOUNT, product: PRODUCT, as_of: EXAMPLE_DAY });
    // DEMO_BACKFILL_DAYS=3: the end day and the three before it.
    expect(view.history.map((h) => h.as_of)).toHaveLength(4);
    expect(view.explanation).toMatchObject({ to: EXAMPLE_DAY });
    expect(typeof view.explanation.summary).toBe('string');

    const ranged = (await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/readiness?from=${EXAMPLE_DAY}&to=${EXAMPLE_DAY}`, { token: READ_TOKEN })).json as { history: unknown[] };
    expect(ranged.history).toHaveLength(1);

    const missing = await call(t.base, `/v1/accounts/nobody/products/${PRODUCT}/readiness`, { token: READ_TOKEN });
    expect(missing.status).toBe(404);
    expect((missing.json as ErrorBody).error.code).toBe('NOT_FOUND');
    const badDay = await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/readiness?from=2026-02-30`, { token: READ_TOKEN });
    expect(badDay.status).toBe(400);
    expect((badDay.json as ErrorBody).error.details![0]!.field).toBe('query.from');
  });

  it('rejects bad assessments with field-level messages and stable codes', async () => {
    const path = `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/assessments`;
    const bad = await call(t.base, path, { token: WRITE_TOKEN, body: { dimension: 'charisma', score: 11, evidence: '', extra: 1 } });
    expect(bad.status).toBe(400);
    const body = bad.json as ErrorBody;
    expect(body.error.code).toBe('INPUT_INVALID');
    const byField = Object.fromEntries(body.error.details!.map((d) => [d.field, d.message]));
    expect(Object.keys(byField)).toEqual(expect.arrayContaining(['dimension', 'score', 'evidence', 'assessed_by']));
    expect(byField.score).toMatch(/between 0 and 10/);

    const override = await call(t.base, path, { token: WRITE_TOKEN, body: { dimension: 'usage', score: 9, evidence: 'we know better', assessed_by: 'Ana' } });
    expect(override.status).toBe(400);
    expect((override.json as ErrorBody).error.details).toEqual([{ field: 'reason', message: expect.stringMatching(/reason/) }]);

    const notJson = await call(t.base, path, { token: WRITE_TOKEN, rawBody: '{"dimension":' });
    expect(notJson.status).toBe(400);
    expect((notJson.json as ErrorBody).error.code).toBe('INPUT_INVALID');

    const huge = await call(t.base, path, { token: WRITE_TOKEN, body: { ...ASSESSMENT, evidence: 'x'.repeat(5000) } });
    expect(huge.status).toBe(413);
    expect((huge.json as ErrorBody).error.code).toBe('PAYLOAD_TOO_LARGE');

    const unknown = await call(t.base, `/v1/accounts/nobody/products/${PRODUCT}/assessments`, { token: WRITE_TOKEN, body: ASSESSMENT });
    expect(unknown.status).toBe(404);
  });

  it('records an assessment (201), re-scores, and streams the resulting flag transition over SSE', async () => {
    const before = ((await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/readiness`, { token: READ_TOKEN })).json as { report: ReadinessReport }).report;
    expect(before.graduation.band).toBe('incomplete');
    expect(before.graduation.missing).toContain('stakeholder');
    expect(before.flags.map((f) => f.code)).toContain('onboarding_overdue');

    const abort = new AbortController();
    const streamed = collectStream(t.base, READ_TOKEN, (events) => events.some((e) => e.account_id === ACCOUNT), abort.signal);
    // Let the stream subscribe before the transition happens.
    await new Promise((r) => setTimeout(r, 200));

    const res = await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/assessments`, { token: WRITE_TOKEN, body: ASSESSMENT });
    expect(res.status).toBe(201);
    const result = res.json as { previous: { score: number | null; band: string }; report: ReadinessReport; transitions: FlagTransition[]; assessment: { score: number } };
    expect(result.previous).toEqual({ score: null, band: 'incomplete' });
    expect(result.assessment.score).toBe(9);
    expect(result.report.graduation.score).not.toBeNull();
    expect(result.report.graduation.band).not.toBe('incomplete');
    expect(result.transitions).toContainEqual(expect.objectContaining({ account_id: ACCOUNT, code: 'onboarding_overdue', kind: 'resolved' }));

    const timer = setTimeout(() => abort.abort(), 10_000);
    const events = await streamed;
    clearTimeout(timer);
    const mine = events.filter((e) => e.account_id === ACCOUNT);
    expect(mine.map((e) => e.transition_id)).toEqual(result.transitions.map((e) => e.transition_id));

    const after = ((await call(t.base, `/v1/accounts/${ACCOUNT}/products/${PRODUCT}/readiness`, { token: READ_TOKEN })).json as { report: ReadinessReport }).report;
    expect(after.graduation.score).toBe(result.report.graduation.score);
    expect(after.graduation.dimensions.stakeholder.score).toBe(9);

    const resolved = (await call(t.base, `/v1/flags?state=resolved&account=${ACCOUNT}`, { token: READ_TOKEN })).json as { items: Array<{ code: string; state: string }> };
    expect(resolved.items).toContainEqual(expect.objectContaining({ code: 'onboarding_overdue', state: 'resolved' }));
    const open = (await call(t.base, '/v1/flags?state=open&limit=1000', { token: READ_TOKEN })).json as { total: number; items: Array<{ state: string; account_id: string; code: string }> };
    expect(open.total).toBeGreaterThan(0);
    expect(open.items.every((f) => f.state === 'open')).toBe(true);
    expect(open.items.some((f) => f.account_id === ACCOUNT && f.code === 'onboarding_overdue')).toBe(false);
    expect((await call(t.base, '/v1/flags?state=closed', { token: READ_TOKEN })).status).toBe(400);
  });

  it('replays the transitions recorded since Last-Event-ID to a reconnecting SSE client', async () => {
    const view = (await call(t.base, '/v1/accounts/wayne/products/analytics/readiness?from=2000-01-01', { token: READ_TOKEN })).json as {
      transitions: FlagTransition[];
    };
    expect(view.transitions.length).toBeGreaterThan(1);
    const [first, ...later] = view.transitions;
    // Recorded at or after the first one (a pass records its transitions at one time).
    const expected = later.filter((x) => x.occurred_at >= first!.occurred_at).map((x) => x.transition_id);
    expect(expected.length).toBeGreaterThan(0);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 10_000);
    const events = await collectStream(
      t.base,
      READ_TOKEN,
      (seen) => expected.every((id) => seen.some((e) => e.transition_id === id)),
      abort.signal,
      { 'last-event-id': first!.transition_id },
    );
    clearTimeout(timer);
    const ids = events.map((e) => e.transition_id);
    expect(ids).toEqual(expect.arrayContaining(expected));
    expect(ids).not.toContain(first!.transition_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('summarises by product type', async () => {
    const res = await call(t.base, '/v1/product-types/summary', { token: READ_TOKEN });
    const summary = res.json as { as_of: string; items: Array<{ product_type: string; accounts: number; bands: Record<string, number>; median_ratios: Record<string, number | null> }> };
    expect(summary.items.map((i) => i.product_type).sort()).toEqual(['daily', 'periodic', 'weekly']);
    expect(summary.items.reduce((n, i) => n + i.accounts, 0)).toBe(36);
    for (const item of summary.items) expect(Object.values(item.bands).reduce((a, b) => a + b, 0)).toBe(item.accounts);
  });

  it('exposes Prometheus metrics: open flags by code, transitions, scoring, HTTP', async () => {
    const res = await call(t.base, '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^usage_readiness_open_flags\{code="low_engagement",severity="red"\} \d+$/m);
    expect(res.text).toMatch(/^usage_readiness_flag_transitions_total\{kind="resolved"\} [1-9]/m);
    for (const name of ['ingested_events_total', 'insert_batch_rows', 'insert_duration_seconds', 'rejected_events_total', 'consumer_lag', 'scoring_duration_seconds', 'webhook_attempts_total']) {
      expect(res.text).toContain(`# TYPE usage_readiness_${name}`);
    }
    expect(res.text).toMatch(/usage_readiness_http_request_duration_seconds_count\{method="GET",route="\/v1\/readiness",status="200"\} [1-9]/);
  });

  it('serves an OpenAPI document generated from the request schemas', async () => {
    const doc = (await call(t.base, '/openapi.json')).json as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: { properties: Record<string, { maximum?: number }>; required: string[] } }> } }>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/readiness',
        '/v1/accounts/{account}/products/{product}/readiness',
        '/v1/accounts/{account}/products/{product}/assessments',
        '/v1/flags',
        '/v1/flags/stream',
        '/v1/product-types/summary',
        '/healthz',
        '/readyz',
        '/metrics',
      ]),
    );
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.FlagTransitionMessage).toBeDefined();
    expect(doc.paths['/v1/readiness']!.get!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/readiness']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['product_type', 'band', 'flag', 'ready', 'limit', 'offset']));
    const body = doc.paths['/v1/accounts/{account}/products/{product}/assessments']!.post!.requestBody!.content['application/json']!.schema;
    expect(body.properties.score!.maximum).toBe(10);
    expect(body.required).toEqual(expect.arrayContaining(['dimension', 'score', 'evidence', 'assessed_by']));
  });

  it('documents the current flag message JSON Schema in docs/api.md', () => {
    const doc = readFileSync('docs/api.md', 'utf8');
    const block = /<!-- flag-transition-schema:start -->\n```json\n([\s\S]*?)\n```\n<!-- flag-transition-schema:end -->/.exec(doc);
    expect(block, 'schema block in docs/api.md').not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual(flagTransitionJsonSchema());
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await call(t.base, '/v2/nothing', { token: READ_TOKEN });
    expect(res.status).toBe(404);
    expect((res.json as ErrorBody).error.code).toBe('NOT_FOUND');
  });
});
