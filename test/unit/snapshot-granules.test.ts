import { describe, expect, it } from 'vitest';
import { MIGRATIONS, insertSnapshots, migrate, storeFromClient, type SnapshotRecord, type Store } from '../../transforms/index.js';
import { createTestStore, randomName } from '../helpers/store.js';

/**
 * Migration 10 rebuilds `readiness_snapshots` with small granules: every stored snapshot, each
 * column (the computed ones included) and the latest index come through unchanged, and snapshots
 * stored afterwards still reach the index.
 */

const snapshot = (accountId: string, product: string, asOf: string, weekly: number, extra: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  account_id: accountId,
  product,
  as_of: asOf,
  product_type: 'collaboration',
  band: weekly > 10 ? 'ready' : 'emerging',
  ready: weekly > 10,
  graduation_score: weekly > 10 ? 0.8 : null,
  usage_score: weekly / 20,
  usage_complete: true,
  ratio_daily: 0.1,
  ratio_weekly: 0.4,
  ratio_monthly: 0.7,
  red_flags: weekly > 10 ? 0 : 1,
  flag_codes: weekly > 10 ? [] : ['usage_drop'],
  relative_slope: -0.25,
  csm: 'dana',
  account_name: `${accountId} Inc`,
  risk: 0.5,
  config_hash: 'cfg1',
  report: {
    account_id: accountId,
    product,
    as_of: asOf,
    active_users: { weekly },
    graduation: { missing: weekly > 10 ? [] : ['weekly_active_users', 'sso'] },
    trend: { relative_slope: -0.25 },
  },
  ...extra,
});

/** Every stored row of both tables, every column (the MATERIALIZED ones named), as the engine returns them. */
async function contents(store: Store) {
  const snapshots = await store.query<Record<string, unknown>>(
    `SELECT *, weekly_active, missing FROM {db}.readiness_snapshots FINAL ORDER BY account_id, product, as_of`,
  );
  const latest = await store.query<Record<string, unknown>>('SELECT * FROM {db}.readiness_latest FINAL ORDER BY account_id, product');
  return { snapshots, latest };
}

async function granuleBytes(store: Store): Promise<string | undefined> {
  const [row] = await store.query<{ sql: string }>(
    'SELECT create_table_query AS sql FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: store.database, t: 'readiness_snapshots' },
  );
  return /index_granularity_bytes = (\d+)/.exec(row!.sql)?.[1];
}

describe('migration 10: snapshots with small granules', () => {
  it('keeps every snapshot, column and latest row, and the index follows later passes', async () => {
    const engine = await createTestStore();
    const store = storeFromClient('chdb', randomName('v9'), engine.client);
    await migrate(store, { migrations: MIGRATIONS.filter((m) => m.version < 10) });
    expect(await granuleBytes(store)).toBeUndefined();

    const day1 = Date.parse('2026-03-02T06:00:00Z');
    await insertSnapshots(store, [snapshot('a1', 'crm', '2026-02-27', 4), snapshot('a1', 'wiki', '2026-02-27', 12)], day1 - 86_400_000 * 3);
    // Two passes of one day across a month boundary: the later one wins (FINAL), before and after.
    await insertSnapshots(store, [snapshot('a1', 'crm', '2026-03-02', 5), snapshot('a2', 'crm', '2026-03-02', 30)], day1);
    await insertSnapshots(store, [snapshot('a1', 'crm', '2026-03-02', 6, { risk: 0.9 })], day1 + 1000);
    const before = await contents(store);
    expect(before.snapshots).toHaveLength(4);
    expect(before.latest.map((r) => [r.account_id, r.product, r.as_of, r.risk])).toEqual([
      ['a1', 'crm', '2026-03-02', 0.9],
      ['a1', 'wiki', '2026-02-27', 0.5],
      ['a2', 'crm', '2026-03-02', 0.5],
    ]);
    expect(before.snapshots.find((r) => r.account_id === 'a1' && r.as_of === '2026-02-27' && r.product === 'crm')).toMatchObject({
      weekly_active: 4,
      missing: ['weekly_active_users', 'sso'],
    });

    const report = await migrate(store);
    expect(report.applied.map((m) => m.version)).toEqual([10]);
    expect(await granuleBytes(store)).toBe('65536');
    expect(await contents(store)).toEqual(before);
    const [left] = await store.query<{ n: string }>(
      "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'readiness_snapshots_v10'",
      { db: store.database },
    );
    expect(Number(left!.n)).toBe(0);

    // The view is back: a later pass reaches the latest index.
    await insertSnapshots(store, [snapshot('a1', 'wiki', '2026-03-09', 15)], day1 + 86_400_000 * 7);
    const after = await contents(store);
    expect(after.latest.find((r) => r.account_id === 'a1' && r.product === 'wiki')).toMatchObject({ as_of: '2026-03-09' });
    expect(after.snapshots).toHaveLength(5);
  });

  it('may run again after an interruption without losing snapshots', async () => {
    const engine = await createTestStore();
    const store = storeFromClient('chdb', randomName('v10'), engine.client);
    await migrate(store, { migrations: MIGRATIONS.filter((m) => m.version < 10) });
    await insertSnapshots(store, [snapshot('a1', 'crm', '2026-03-02', 5), snapshot('a2', 'crm', '2026-03-02', 30)], Date.parse('2026-03-02T06:00:00Z'));
    const before = await contents(store);
    const statements = MIGRATIONS.find((m) => m.version === 10)!.statements;
    // Stopped right after the old table was dropped (its rows in the copy only), then run whole.
    const dropped = statements.findIndex((s) => /^DROP TABLE IF EXISTS \{db\}\.readiness_snapshots SYNC/.test(s));
    expect(dropped).toBeGreaterThan(0);
    for (const s of statements.slice(0, dropped + 1)) await store.command(s);
    for (const s of statements) await store.command(s);
    expect(await contents(store)).toEqual(before);
    expect(await granuleBytes(store)).toBe('65536');
  });
});
