import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';

/**
 * Idempotency keys of API requests (kept a day). A key is first recorded as
 * `started` with the request as resolved (defaults filled in), then as `done`
 * with the answer. A retry of a `done` request gets that answer; a retry of a
 * `started` one (the first attempt died midway) acts again on the same
 * resolved request, which stores the same rows.
 */

export interface IdempotencyRecord {
  request_sha256: string;
  state: 'started' | 'done';
  /** The resolved request, JSON. */
  request: string;
  status: number;
  /** The answer's body, JSON (`done` only). */
  response: string;
}

export async function readIdempotencyKey(store: Store, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
  const [row] = await store.query<Omit<IdempotencyRecord, 'status'> & { status: number | string }>(
    `SELECT k.request_sha256 AS request_sha256, k.state AS state, k.request AS request, k.status AS status, k.response AS response
     FROM {db}.idempotency_keys AS k FINAL
     WHERE k.scope = {scope:String} AND k.key = {key:String}
     LIMIT 1`,
    { scope, key },
  );
  return row ? { ...row, status: Number(row.status) } : undefined;
}

export async function recordIdempotencyKey(store: Store, scope: string, key: string, record: IdempotencyRecord): Promise<void> {
  await store.insert('idempotency_keys', [{ scope, key, ...record, updated_at: toDateTime64() }]);
}
