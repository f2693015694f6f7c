import { describe, expect, it } from 'vitest';
import { migrate, storeFromClient, type Migration, type Store } from '../../transforms/index.js';
import { createTestStore, randomName } from '../helpers/store.js';

/**
 * Two processes starting together on one ClickHouse both see a migration as pending. Each test
 * here runs two migrate() calls at once on one database of the embedded engine (one engine per
 * process, so the two "processes" are two stores in this one), with a migration that is not
 * idempotent: without the lock both would run it.
 */
function twoStoresOnNewDatabase(engine: Store): [Store, Store] {
  const database = randomName('lock');
  return [storeFromClient('chdb', database, engine.client), storeFromClient('chdb', database, engine.client)];
}

const counted: Migration[] = [
  { version: 1, name: 'runs table', statements: ['CREATE TABLE IF NOT EXISTS {db}.runs (n UInt8) ENGINE = MergeTree ORDER BY n'] },
  // Slow on purpose, so both callers are inside the migration window together.
  { version: 2, name: 'count a run', statements: ['INSERT INTO {db}.runs SELECT 1 FROM numbers(1) WHERE sleepEachRow(0.3) = 0'] },
];

async function runs(store: Store): Promise<number> {
  const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM {db}.runs');
  return Number(row!.n);
}

async function lockExists(store: Store): Promise<boolean> {
  const rows = await store.query('SELECT 1 FROM system.tables WHERE database = {d:String} AND name = {t:String}', {
    d: store.database,
    t: 'schema_migrations_lock',
  });
  return rows.length > 0;
}

describe('migration lock', () => {
  it('two concurrent migrations on one database apply each version once', async () => {
    const [a, b] = twoStoresOnNewDatabase(await createTestStore());
    try {
      const [ra, rb] = await Promise.all([migrate(a, { migrations: counted }), migrate(b, { migrations: counted })]);
      expect(await runs(a)).toBe(1);
      // One of them applied both versions; the other, after waiting, found nothing to do.
      expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, 2]);
      expect(await lockExists(a)).toBe(false);
    } finally {
      await a.command('DROP DATABASE IF EXISTS {db} SYNC');
    }
  });

  it('a held lock makes a start wait, then fail naming the holder; a stale one is broken', async () => {
    const [a] = twoStoresOnNewDatabase(await createTestStore());
    try {
      await a.command('CREATE DATABASE IF NOT EXISTS {db}');
      await a.command("CREATE TABLE {db}.schema_migrations_lock (holder String) ENGINE = Null COMMENT 'host-1234-dead'");
      const started = Date.now();
      await expect(migrate(a, { migrations: counted, lockWaitMs: 600 })).rejects.toThrow(
        /another process \(host-1234-dead\) has held the migration lock .* DROP TABLE lock_\w+\.schema_migrations_lock/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(await lockExists(a)).toBe(true);

      // A lock older than the stale limit (here: any age) was left by a dead process.
      const report = await migrate(a, { migrations: counted, lockStaleMs: -1 });
      expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
      expect(await lockExists(a)).toBe(false);
    } finally {
      await a.command('DROP DATABASE IF EXISTS {db} SYNC');
    }
  });

  it('a failed migration releases the lock', async () => {
    const [a] = twoStoresOnNewDatabase(await createTestStore());
    try {
      const broken: Migration[] = [{ version: 1, name: 'broken', statements: ['CREATE TABLE {db}.x (n UInt8) ENGINE = NoSuchEngine'] }];
      await expect(migrate(a, { migrations: broken })).rejects.toThrow(/migration 1 \(broken\) failed/);
      expect(await lockExists(a)).toBe(false);
    } finally {
      await a.command('DROP DATABASE IF EXISTS {db} SYNC');
    }
  });

  it('a cluster the server does not know stops before any DDL', async () => {
    const engine = await createTestStore();
    const store = storeFromClient('chdb', randomName('cl'), engine.client, { cluster: 'prod' });
    await expect(migrate(store)).rejects.toThrow(/CLICKHOUSE_CLUSTER prod: no such cluster in system.clusters/);
    expect(await engine.query('SELECT 1 FROM system.databases WHERE name = {d:String}', { d: store.database })).toEqual([]);
  });
});
