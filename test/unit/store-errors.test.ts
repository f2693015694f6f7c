import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ERROR_CODES, StoreError, StoreQueryError } from '../../schemas/errors.js';
import { dropStagingTables, storeFromClient } from '../../transforms/store.js';
import { createTestStore } from '../helpers/store.js';

/** A temporary directory of the test's own: an embedded store makes its spool directory there at its first insert. */
function ownTempDir(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'spool-test-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  onTestFinished(() => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(tmp, { recursive: true, force: true });
  });
  return tmp;
}

/** Statement and data errors are not outages: they are classified apart, and not retried. */
describe('store error classification', () => {
  it('a statement the engine refuses is STORE_QUERY_FAILED, not retried', async () => {
    const store = await createTestStore();
    const syntax = await store.query('SELEC 1').catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(StoreQueryError);
    expect(syntax).toMatchObject({ code: ERROR_CODES.STORE_QUERY_FAILED, canRetry: false });
    const data = await store.query('SELECT toDate({v:String}) AS d', { v: 'not a day' }).catch((e: unknown) => e);
    expect(data).toMatchObject({ code: ERROR_CODES.STORE_QUERY_FAILED, canRetry: false });
    const column = await store.insert('assessments', [{ no_such_column: 1 }]).catch((e: unknown) => e);
    expect(column).toMatchObject({ code: ERROR_CODES.STORE_QUERY_FAILED, canRetry: false });
  });

  it('an embedded insert the engine refuses, or whose columns cannot be read, leaves no spool file behind', async () => {
    const tmp = ownTempDir();
    const store = await createTestStore();
    const unknownColumn = await store.insert('assessments', [{ no_such_column: 1 }]).catch((e: unknown) => e);
    expect(unknownColumn).toMatchObject({ code: ERROR_CODES.STORE_QUERY_FAILED });
    const badValue = await store.insertBody('assessments', ['assessed_at'], Buffer.from('{"assessed_at":"not a time"}\n'), 'JSONEachRow').catch((e: unknown) => e);
    expect(badValue).toMatchObject({ code: ERROR_CODES.STORE_QUERY_FAILED });
    const spoolDirs = readdirSync(tmp);
    expect(spoolDirs).toHaveLength(1);
    expect(readdirSync(join(tmp, spoolDirs[0]!))).toEqual([]);
  });

  it('an embedded insert after its spool directory was removed fails as retryable, and its retry is written', async () => {
    const tmp = ownTempDir();
    const store = await createTestStore();
    const row = (id: string) => ({ account_id: id, product: 'crm', account_name: id });
    await store.insert('accounts', [row('a1')]);
    // What a temporary-file cleaner does to a directory idle for days.
    for (const dir of readdirSync(tmp)) rmSync(join(tmp, dir), { recursive: true });
    const gone = await store.insert('accounts', [row('a2')]).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(StoreError);
    expect(gone).toMatchObject({ code: ERROR_CODES.STORE_UNAVAILABLE, canRetry: true });
    await store.insert('accounts', [row('a2')]);
    const stored = await store.query<{ account_id: string }>('SELECT account_id FROM {db}.accounts ORDER BY account_id');
    expect(stored.map((r) => r.account_id)).toEqual(['a1', 'a2']);
  });

  it('a store that cannot be reached is STORE_UNAVAILABLE and may be retried', async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    const client = createClient({ url: 'http://127.0.0.1:9', request_timeout: 2000 });
    onTestFinished(() => client.close());
    const store = storeFromClient('server', 'nowhere', client);
    const error = await store.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: ERROR_CODES.STORE_UNAVAILABLE, canRetry: true });
    expect(await store.ping()).toBe(false);
  });

  it('statements still queued when the embedded store is closed fail as STORE_UNAVAILABLE, saying the store is closed', async () => {
    // The embedded engine's queue, in small: a statement waits for its turn and gives up when its abort signal fires.
    let queued = 0;
    const engine = {
      query: ({ abort_signal }: { abort_signal?: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          queued++;
          abort_signal?.addEventListener('abort', () => reject(new TypeError('Usage: connection, sql, format, [params]')));
        }),
      close: async () => undefined,
    };
    const store = storeFromClient('chdb', 'queued', engine as unknown as ClickHouseClient);
    const waiting = [store.query('SELECT 1').catch((e: unknown) => e), store.query('SELECT 2').catch((e: unknown) => e)];
    expect(queued).toBe(2);
    await store.close();
    for (const error of await Promise.all(waiting)) {
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: ERROR_CODES.STORE_UNAVAILABLE, message: 'query failed: the store is closed (the process is stopping)' });
    }
  });

  it('staging tables left by a process killed during an insert are dropped, nothing else', async () => {
    const store = await createTestStore();
    await store.command('CREATE TABLE {db}.staged_events_0a1b2c (x UInt8) ENGINE = Memory');
    await dropStagingTables(store.client, store.database);
    const tables = await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = {db:String} AND (startsWith(name, 'staged_') OR name = 'events')", { db: store.database });
    expect(tables.map((t) => t.name)).toEqual(['events']);
  });
});
