import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../schemas/event.js';
import { MIGRATIONS, eventCount, insertEvents, migrate, storeFromClient, type Store } from '../../transforms/index.js';
import { createTestStore, randomName } from '../helpers/store.js';

/**
 * An event is identified by its event_id within an account and product: a copy sent
 * again (another timestamp, or an at-least-once redelivery) is stored and counted once.
 */

const event = (id: string, at: string, extra: Partial<UsageEvent> = {}): UsageEvent => ({
  eventId: id,
  accountId: 'acme',
  userId: 'u1',
  event: 'open',
  timestamp: Date.parse(at),
  product: 'crm',
  feature: 'pipeline',
  workflow: 'import',
  status: 'success',
  properties: {},
  ...extra,
});

/**
 * The embedded engine's client, except that an insert with a request body (`exec` with `values`,
 * what a server's insert path sends) reaches the engine byte for byte, as over HTTP: chDB's own
 * `exec` decodes the body as UTF-8 text, which RowBinary is not. The body is written to a file and
 * the same statement reads it from there (its columns' types are the table's).
 */
function requestBodiesAsBytes(client: ClickHouseClient): ClickHouseClient {
  const exec: ClickHouseClient['exec'] = async (params) => {
    const values = (params as { values?: AsyncIterable<Buffer> }).values;
    const insert = /^INSERT INTO (\S+) \(([^)]*)\) (SETTINGS .*) FORMAT (\w+)$/s.exec(params.query);
    if (values === undefined || !insert) return client.exec(params);
    const chunks: Buffer[] = [];
    for await (const chunk of values) chunks.push(chunk);
    const dir = mkdtempSync(join(tmpdir(), 'ur-request-'));
    try {
      const file = join(dir, 'body');
      writeFileSync(file, Buffer.concat(chunks));
      const [, table, columns, settings, format] = insert;
      return await client.exec({ query: `INSERT INTO ${table} (${columns}) SELECT * FROM file({file:String}, ${format}) ${settings}`, query_params: { file } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return new Proxy(client, { get: (target, key, receiver) => (key === 'exec' ? exec : Reflect.get(target, key, receiver) as unknown) });
}

/** Every daily aggregate per day, plus the raw rows, for one account. */
async function counts(store: Store) {
  const n = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'day' || k === 'product' ? v : Number(v)])));
  return {
    activity: n(
      await store.query(
        "SELECT product, toString(day) AS day, uniqExactMerge(users) AS users, uniqExactMerge(events) AS events FROM {db}.daily_activity WHERE account_id = 'acme' GROUP BY product, day ORDER BY product, day",
      ),
    ),
    userActivity: n(
      await store.query("SELECT toString(day) AS day, uniqExactMerge(events) AS events FROM {db}.daily_user_activity WHERE account_id = 'acme' GROUP BY day ORDER BY day"),
    ),
    features: n(
      await store.query("SELECT toString(day) AS day, uniqExactMerge(events) AS events FROM {db}.daily_feature_usage WHERE account_id = 'acme' GROUP BY day ORDER BY day"),
    ),
    runs: n(
      await store.query(
        "SELECT toString(day) AS day, uniqExactMerge(runs) AS runs, uniqExactIfMerge(successes) AS successes FROM {db}.daily_workflow_runs WHERE account_id = 'acme' GROUP BY day ORDER BY day",
      ),
    ),
    // Stored events: a same-day redelivery is inserted again and collapses on merge (FINAL).
    rows: Number((await store.query<{ n: string }>("SELECT count() AS n FROM {db}.events FINAL WHERE account_id = 'acme'"))[0]!.n),
    stored: await eventCount(store),
  };
}

describe('event identity', () => {
  it('a re-send with another timestamp is stored and counted once, on the first copy’s day', async () => {
    const store = await createTestStore();
    await insertEvents(store, [event('e1', '2026-03-01T10:00:00Z')], 'test');
    await insertEvents(store, [event('e1', '2026-03-02T10:00:00Z'), event('e2', '2026-03-02T11:00:00Z')], 'test');
    const c = await counts(store);
    expect(c.activity).toEqual([
      { product: 'crm', day: '2026-03-01', users: 1, events: 1 },
      { product: 'crm', day: '2026-03-02', users: 1, events: 1 },
    ]);
    expect(c.userActivity).toEqual([
      { day: '2026-03-01', events: 1 },
      { day: '2026-03-02', events: 1 },
    ]);
    expect(c.runs).toEqual([
      { day: '2026-03-01', runs: 1, successes: 1 },
      { day: '2026-03-02', runs: 1, successes: 1 },
    ]);
    expect(c.rows).toBe(2);
    expect(c.stored).toBe(2);
  });

  it('two inserts at once (the Kafka consumer has two in flight) still store a re-send once, on the first batch’s day', async () => {
    const store = await createTestStore();
    // Each batch carries the other's events on another day: whichever insert goes second must see the first.
    const first = Array.from({ length: 50 }, (_, i) => event(`c${i}`, '2026-03-01T10:00:00Z'));
    const second = [...first.map((e) => ({ ...e, timestamp: Date.parse('2026-03-02T10:00:00Z') })), event('d1', '2026-03-02T11:00:00Z')];
    await Promise.all([insertEvents(store, first, 'test'), insertEvents(store, second, 'test')]);
    const c = await counts(store);
    expect(c.activity).toEqual([
      { product: 'crm', day: '2026-03-01', users: 1, events: 50 },
      { product: 'crm', day: '2026-03-02', users: 1, events: 1 },
    ]);
    expect(c.stored).toBe(51);
  });

  it('the same id in another product or account is another event', async () => {
    const store = await createTestStore();
    await insertEvents(store, [event('e1', '2026-03-01T10:00:00Z'), event('e1', '2026-03-01T10:00:00Z', { product: 'wiki' })], 'test');
    await insertEvents(store, [event('e1', '2026-03-01T10:00:00Z', { accountId: 'other' })], 'test');
    expect((await counts(store)).activity).toEqual([
      { product: 'crm', day: '2026-03-01', users: 1, events: 1 },
      { product: 'wiki', day: '2026-03-01', users: 1, events: 1 },
    ]);
    expect(await eventCount(store)).toBe(3);
  });

  it('copies within one batch and a redelivered batch add nothing', async () => {
    const store = await createTestStore();
    const batch = [
      event('e1', '2026-03-01T10:00:00Z'),
      event('e1', '2026-03-03T10:00:00Z'),
      event('e2', '2026-03-01T12:00:00Z', { userId: 'u2', status: 'failure' }),
    ];
    await insertEvents(store, batch, 'test');
    const once = await counts(store);
    // At-least-once delivery: the whole batch again, and again mixed with a new event.
    await insertEvents(store, batch, 'test');
    await insertEvents(store, [...batch, event('e3', '2026-03-01T13:00:00Z')], 'test');
    const again = await counts(store);
    expect(once.activity).toEqual([{ product: 'crm', day: '2026-03-01', users: 2, events: 2 }]);
    expect(once.runs).toEqual([{ day: '2026-03-01', runs: 2, successes: 1 }]);
    expect(again.activity).toEqual([{ product: 'crm', day: '2026-03-01', users: 2, events: 3 }]);
    expect(again.features).toEqual([{ day: '2026-03-01', events: 3 }]);
    expect(again.rows).toBe(3);
  });

  it('a redelivery completes daily aggregates a crash left behind the raw insert', async () => {
    const store = await createTestStore();
    const batch = [event('e1', '2026-03-01T10:00:00Z'), event('e2', '2026-03-01T12:00:00Z', { userId: 'u2' })];
    await insertEvents(store, batch, 'test');
    const whole = await counts(store);
    // What a kill -9 between the raw insert and the materialized views leaves: raw rows, no aggregates.
    for (const table of ['daily_activity', 'daily_user_activity', 'daily_feature_usage', 'daily_workflow_runs']) {
      await store.command(`TRUNCATE TABLE {db}.${table}`);
    }
    expect((await counts(store)).activity).toEqual([]);
    await insertEvents(store, batch, 'test');
    expect(await counts(store)).toEqual(whole);
  });

  it('a server store (the batch streamed as the request, staged only to drop stored copies) stores what the embedded store does', async () => {
    const embedded = await createTestStore();
    const engine = await createTestStore();
    // The server's insert path, run by the same engine.
    const server = storeFromClient('server', engine.database, requestBodiesAsBytes(engine.client));
    const odd = { note: 'quote " backslash \\ newline \n tab \t é 😀 \u2028', nested: { list: [1, 'two', null] } };
    const first = [
      event('e1', '2026-03-01T10:00:00Z', { properties: odd }),
      event('e1', '2026-03-03T10:00:00Z'),
      event('e2', '2026-03-01T12:00:00Z', { userId: 'u2', status: 'failure' }),
      // More than 100 monthly partitions in one batch.
      ...Array.from({ length: 120 }, (_, i) => event(`m${i}`, new Date(Date.UTC(2010, i, 15)).toISOString())),
    ];
    const redelivered = [...first, event('e3', '2026-03-01T13:00:00Z'), event('e2', '2026-03-05T12:00:00Z')];
    for (const store of [embedded, server]) {
      await insertEvents(store, first, 'test');
      await insertEvents(store, redelivered, 'test');
    }
    const rows = (store: Store) => store.query('SELECT * EXCEPT ingested_at FROM {db}.events FINAL ORDER BY event_id');
    const stored = await rows(server);
    expect(stored).toHaveLength(123);
    expect(stored).toEqual(await rows(embedded));
    expect(stored.find((r) => (r as { event_id: string }).event_id === 'e1')).toMatchObject({ properties: JSON.stringify(odd) });
    expect(await counts(server)).toEqual(await counts(embedded));
    const staged = await server.query("SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, 'staged_')", { db: server.database });
    expect(staged).toEqual([]);
  });

  it('migration 4 collapses copies an older store counted twice and keeps counting new events once', async () => {
    const engine = await createTestStore();
    const store = storeFromClient('chdb', randomName('v3'), engine.client);
    try {
      await migrate(store, { migrations: MIGRATIONS.filter((m) => m.version < 4) });
      // What version 3 stored for a re-send on another day: two rows, counted on both days.
      const row = (id: string, ts: string, ingested: string) => ({
        event_id: id,
        account_id: 'acme',
        product: 'crm',
        user_id: 'u1',
        event: 'open',
        timestamp: ts,
        feature: 'pipeline',
        workflow: 'import',
        status: 'success',
        properties: '{}',
        source: 'test',
        ingested_at: ingested,
      });
      await store.insert('events', [row('e1', '2026-03-01 10:00:00.000', '2026-03-01 10:00:01.000')]);
      await store.insert('events', [row('e1', '2026-03-02 10:00:00.000', '2026-03-02 10:00:01.000'), row('e2', '2026-03-02 11:00:00.000', '2026-03-02 11:00:01.000')]);
      expect((await counts(store)).activity.map((r) => r.events)).toEqual([1, 2]);

      const report = await migrate(store);
      expect(report.applied.map((m) => m.version)).toContain(4);
      const migrated = await counts(store);
      expect(migrated.activity).toEqual([
        { product: 'crm', day: '2026-03-01', users: 1, events: 1 },
        { product: 'crm', day: '2026-03-02', users: 1, events: 1 },
      ]);
      expect(migrated.runs.map((r) => r.runs)).toEqual([1, 1]);
      expect(migrated.rows).toBe(2);
      const [key] = await store.query<{ sorting_key: string }>('SELECT sorting_key FROM system.tables WHERE database = {d:String} AND name = {t:String}', {
        d: store.database,
        t: 'events',
      });
      expect(key?.sorting_key).toBe('account_id, product, event_id');

      // The views are back: a new event is counted, a re-send of an old one is not.
      await insertEvents(store, [event('e3', '2026-03-02T12:00:00Z'), event('e2', '2026-03-05T12:00:00Z')], 'test');
      expect((await counts(store)).activity).toEqual([
        { product: 'crm', day: '2026-03-01', users: 1, events: 1 },
        { product: 'crm', day: '2026-03-02', users: 1, events: 2 },
      ]);
      // Running the migrations again changes nothing.
      expect((await migrate(store)).applied).toEqual([]);
    } finally {
      await store.command('DROP DATABASE IF EXISTS {db}');
    }
  });
});
