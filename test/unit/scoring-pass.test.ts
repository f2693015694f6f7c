import { describe, expect, it } from 'vitest';
import type { FlagTransition } from '../../schemas/flags.js';
import { parseProducts } from '../../schemas/products.js';
import type { UsageEvent } from '../../schemas/event.js';
import { insertAccounts, insertEvents } from '../../transforms/index.js';
import { accountReport, latestReports, listFlags, loadAssessmentsNdjson, productTypeSummary, recordAssessment, runCollectingPass, runScoringPass } from '../../runtime/index.js';
import type { FlagSink } from '../../scoring/index.js';
import { createTestStore } from '../helpers/store.js';
import { readFileSync } from 'node:fs';

const products = parseProducts(readFileSync('config/products.json', 'utf8'), 'config/products.json');

/** A sink that keeps what it was given, to check what a pass publishes. */
function collectingSink(): FlagSink & { batches: FlagTransition[][] } {
  const batches: FlagTransition[][] = [];
  return { batches, publish: async (t) => void batches.push([...t]) };
}

let n = 0;
const event = (user: string, day: string, extra: Partial<UsageEvent> = {}): UsageEvent => ({
  eventId: `e${++n}`,
  accountId: 'acme',
  userId: user,
  event: 'open',
  timestamp: Date.parse(`${day}T10:00:00Z`),
  product: 'crm',
  feature: '',
  workflow: '',
  status: '',
  properties: {},
  ...extra,
});

describe('scoring pass over the store', () => {
  it('scores from the aggregates, stores a snapshot, and a re-run publishes nothing', async () => {
    const store = await createTestStore();
    await insertAccounts(
      store,
      [
        {
          account_id: 'acme',
          product: 'crm',
          licensed_seats: 4,
          onboarding_started_at: '2026-10-01',
          target_graduation_date: '2026-12-31',
          champion_user_ids: ['u1'],
          key_user_ids: [],
          core_features: ['pipeline'],
          critical_workflows: [],
        },
      ],
      'test',
    );
    // Week ending Fri 2026-11-20: u1 and u2 active Mon–Fri, u3 on Saturday only; u1 uses pipeline.
    const events: UsageEvent[] = [];
    for (const day of ['16', '17', '18', '19', '20']) {
      events.push(event('u1', `2026-11-${day}`, { feature: 'pipeline' }), event('u2', `2026-11-${day}`));
    }
    events.push(event('u3', '2026-11-14'));
    // Duplicate delivery of the same event must not change anything.
    events.push({ ...events[0]! });
    await insertEvents(store, events, 'test');

    const sink = collectingSink();
    const ctx = { store, products, sink };
    const first = await runCollectingPass(ctx, '2026-11-20');
    expect(first.scored).toBe(1);
    const r = first.reports[0]!;
    expect(r.active_users).toEqual({ daily_avg: 2, weekly: 3, monthly: 3 });
    expect(r.ratios).toEqual({ daily: 0.5, weekly: 0.75, monthly: 0.75 });
    expect(r.trend.weekly_active).toEqual([0, 0, 0, 0, 0, 3]);
    expect(r.core_features).toMatchObject({ activated: 1, regular: 0, total: 1 });
    expect(r.flags.map((f) => f.code)).toEqual(['usage_below_threshold']);
    expect(r.graduation).toMatchObject({ band: 'incomplete', score: null, missing: ['technical', 'knowledge', 'value', 'stakeholder'] });
    expect(sink.batches.flat().map((t) => `${t.code}:${t.kind}`)).toEqual(['usage_below_threshold:opened']);

    const again = await runCollectingPass(ctx, '2026-11-20');
    expect(again.published).toEqual([]);
    expect(again.transitions).toBe(0);

    // Scoring an earlier day after a later one rewrites its snapshot but does not fork the flag history.
    const earlier = await runCollectingPass(ctx, '2026-11-19');
    expect(earlier.reports[0]!.flags.map((f) => f.code)).toEqual(['usage_below_threshold']);
    expect(earlier.published).toEqual([]);
    expect(earlier.history_ahead).toBe(1);
    expect(sink.batches).toHaveLength(1);
    expect(await latestReports(store)).toHaveLength(1);
    expect((await listFlags(store, { state: 'open', limit: 10, offset: 0 })).items.map((f) => f.code)).toEqual(['usage_below_threshold']);

    // An assessment re-scores at once.
    for (const dimension of ['technical', 'knowledge', 'value', 'stakeholder'] as const) {
      const res = await recordAssessment(ctx, { account_id: 'acme', product: 'crm', dimension, score: 9, evidence: 'ok', assessed_by: 'Ana', assessed_at: '2026-11-20T12:00:00Z' });
      expect(res.report?.as_of).toBe('2026-11-20');
    }
    const [latest] = await latestReports(store);
    expect(latest!.graduation.missing).toEqual([]);
    expect(latest!.graduation.score).not.toBeNull();

    // An assessment dated in the future is refused: it would score a day that has not happened.
    const future = { account_id: 'acme', product: 'crm', dimension: 'value', score: 2, evidence: 'typo', assessed_by: 'Ana', assessed_at: '2030-01-01T00:00:00Z' } as const;
    await expect(recordAssessment({ ...ctx, now: () => new Date('2026-11-20T13:00:00Z') }, future)).rejects.toThrow(
      /account acme, product crm, dimension value: assessed_at 2030-01-01T00:00:00Z is in the future/,
    );
    expect((await latestReports(store)).map((x) => [x.as_of, x.graduation.score])).toEqual([['2026-11-20', latest!.graduation.score]]);
    const bulk = await loadAssessmentsNdjson({ ...ctx, now: () => new Date('2026-11-20T13:00:00Z') }, `${JSON.stringify(future)}\n`, 'file.ndjson');
    expect(bulk.rejected).toEqual([{ line: 1, reason: expect.stringMatching(/assessed_at 2030-01-01T00:00:00Z is in the future/) as unknown as string }]);
    // How far ahead is MAX_FUTURE_SKEW_MS, as for events and the API: two days ahead is refused by default, accepted with three.
    const ahead = { ...future, assessed_at: '2026-11-22T13:00:00Z' };
    const at = () => new Date('2026-11-20T13:00:00Z');
    expect((await loadAssessmentsNdjson({ ...ctx, now: at }, `${JSON.stringify(ahead)}\n`, 'file.ndjson')).rejected).toHaveLength(1);
    expect((await loadAssessmentsNdjson({ ...ctx, now: at, maxFutureSkewMs: 3 * 86_400_000 }, `${JSON.stringify(ahead)}\n`, 'file.ndjson')).rejected).toEqual([]);

    const view = await accountReport(store, { accountId: 'acme', product: 'crm' });
    expect(view?.history.map((h) => h.as_of)).toEqual(['2026-11-19', '2026-11-20']);
    expect((await productTypeSummary(store, products)).items[0]).toMatchObject({ product_type: 'daily', accounts: 1 });
  });

  it('explains a change as configuration when only the config hash moved', async () => {
    const store = await createTestStore();
    await insertAccounts(
      store,
      [{ account_id: 'acme', product: 'crm', licensed_seats: 2, onboarding_started_at: '2026-10-01', target_graduation_date: '2026-12-31', champion_user_ids: [], key_user_ids: [], core_features: [], critical_workflows: [] }],
      'test',
    );
    await insertEvents(store, [event('u1', '2026-11-19'), event('u1', '2026-11-20')], 'test');
    await runScoringPass({ store, products }, '2026-11-19');
    const stricter = parseProducts('{"products":{"crm":{"profile":"daily","thresholds":{"low_engagement_ratio":0.9}}}}', 'strict.json');
    await runScoringPass({ store, products: stricter }, '2026-11-20');
    const view = await accountReport(store, { accountId: 'acme', product: 'crm' });
    expect(view!.explanation.config_changed).toBe(true);
    expect(view!.explanation.flags_opened).toContain('low_engagement');
    expect(['configuration', 'data_and_configuration']).toContain(view!.explanation.cause);
  });
});
