import { cacheState, type Store } from '../transforms/index.js';
import { accountReport, cachedAccountReport } from './reads.js';

/**
 * Account views read ahead. A page of the portfolio is what a reader looks at
 * before opening some of its rows, and the first read of a view costs the
 * embedded engine a batch of queries that requests then wait behind. So the
 * views of the rows of each page served are read in the background, a batch
 * at a time and only while the engine has nothing else to run, into the read
 * cache: opening one of them is then answered from memory.
 *
 * What is read ahead is `accountReport`'s own read, kept by the read cache as
 * a request's would be, so it is exactly what a request would read; a write
 * empties the cache and drops the views still waiting. At most `limit` views
 * are read ahead between two writes, which bounds the engine time and memory
 * this takes. A server store is not cached, so nothing is read ahead there.
 */

/** Views read by one batch (one statement of transforms/account-view.ts). */
const BATCH = 50;
/** How often a waiting read-ahead looks whether the engine has become idle. */
const IDLE_POLL_MS = 5;

interface ViewKey {
  accountId: string;
  product: string;
}

interface ReadAhead {
  /** The read cache's generation the keys below belong to. */
  generation: number;
  /** Keys taken since the last write (waiting or read): each is read ahead once. */
  taken: Set<string>;
  waiting: ViewKey[];
  running: boolean;
}

const byClient = new WeakMap<object, Map<string, ReadAhead>>();

function readAheadOf(store: Store, generation: number): ReadAhead {
  let databases = byClient.get(store.client);
  if (!databases) byClient.set(store.client, (databases = new Map()));
  let ahead = databases.get(store.database);
  if (!ahead) databases.set(store.database, (ahead = { generation, taken: new Set(), waiting: [], running: false }));
  if (ahead.generation !== generation) {
    ahead.generation = generation;
    ahead.taken.clear();
    ahead.waiting = [];
  }
  return ahead;
}

/** Resolves once no statement is running or waiting on the store and no write is under way. */
async function engineIdle(store: Store): Promise<void> {
  for (;;) {
    await new Promise<void>((resolve) => setTimeout(resolve, IDLE_POLL_MS).unref());
    if (store.inFlight() === 0 && cacheState(store)?.writing === false) return;
  }
}

async function drain(store: Store, ahead: ReadAhead): Promise<void> {
  ahead.running = true;
  try {
    while (ahead.waiting.length > 0) {
      await engineIdle(store);
      // A write since these keys were taken has dropped them (readAheadOf starts over).
      if (cacheState(store)?.generation !== ahead.generation) return;
      const batch = ahead.waiting.splice(0, BATCH).filter((key) => cachedAccountReport(store, key) === undefined);
      await Promise.all(batch.map((key) => accountReport(store, key)));
    }
  } catch {
    // The store failed or is closing: the requests that need it report that; reading ahead stops.
    ahead.waiting = [];
  } finally {
    ahead.running = false;
  }
}

/**
 * Reads ahead the latest views of `rows` (the rows of a page just served), in
 * the background, unless `limit` views were already taken since the last write.
 */
export function readAheadViews(store: Store, rows: readonly { account_id: string; product: string }[], limit: number): void {
  const state = cacheState(store);
  if (limit <= 0 || !state || state.writing) return;
  const ahead = readAheadOf(store, state.generation);
  for (const row of rows) {
    if (ahead.taken.size >= limit) break;
    const key = `${row.account_id}\u0000${row.product}`;
    if (ahead.taken.has(key)) continue;
    ahead.taken.add(key);
    ahead.waiting.push({ accountId: row.account_id, product: row.product });
  }
  if (!ahead.running && ahead.waiting.length > 0) void drain(store, ahead);
}
