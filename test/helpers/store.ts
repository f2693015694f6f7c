import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll } from 'vitest';
import { migrate, storeFromClient, type Store } from '../../transforms/index.js';

/**
 * chDB binds one data directory per process, so each test worker gets its own
 * directory and each test its own random database inside it (dropped after the
 * file's tests), like the official client's own tests do.
 */
export const TEST_ROOT = join(process.cwd(), '.cache', 'test');

let shared: { client: ClickHouseClient } | undefined;

function workerEngine() {
  if (!shared) {
    const dir = join(TEST_ROOT, `chdb-worker-${process.env.VITEST_POOL_ID ?? '0'}-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const connection = createChdbConnection({ path: dir });
    const client = createClient({ connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] });
    shared = { client };
  }
  return shared;
}

export function randomName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

const created: string[] = [];
afterAll(async () => {
  if (!shared) return;
  for (const db of created.splice(0)) await shared.client.command({ query: `DROP DATABASE IF EXISTS ${db}` });
});

/** A migrated store on its own random database of this worker's engine. */
export async function createTestStore(): Promise<Store> {
  const { client } = workerEngine();
  const database = randomName('t');
  created.push(database);
  // Closing a test store must not close the worker's shared engine.
  const store: Store = { ...storeFromClient('chdb', database, client), close: async () => undefined };
  await migrate(store);
  return store;
}
