import { LRUCache } from 'lru-cache';
import type { Store } from './store.js';

/**
 * An exact in-process cache of readiness reads, for the embedded store only.
 *
 * The embedded engine runs one query at a time per process, so repeated
 * portfolio pages and account views would queue behind each other. One
 * process owns an embedded data directory, so every write to the tables these
 * reads depend on (snapshots, flag transitions, flag state) goes through the
 * writers in this folder, which call `writing()`: that empties the cache, and
 * a read that overlapped a write is returned but not kept. A server store is
 * never cached (other processes write to it).
 */

/** Bound on cached results, in characters of their JSON (a 50-report page is about 150k). */
const MAX_CACHED_CHARS = 64 * 1024 * 1024;

interface StoreCache {
  /** Bumped when a write starts and when it ends. */
  generation: number;
  writes: number;
  results: LRUCache<string, { value: unknown }>;
  /** Values kept whole until the next write, outside the LRU bound (the portfolio index). */
  held: Map<string, { value: unknown }>;
  /** Loads under way, so concurrent identical reads share one query. */
  loading: Map<string, Promise<unknown>>;
}

/** Characters of a cached value: strings (report texts) as they are, anything else as its JSON. */
const sizeOf = (value: unknown): number => (typeof value === 'string' ? value.length : (JSON.stringify(value) ?? '').length);

const byClient = new WeakMap<object, Map<string, StoreCache>>();

function cacheOf(store: Store): StoreCache | undefined {
  if (store.kind !== 'chdb') return undefined;
  let databases = byClient.get(store.client);
  if (!databases) byClient.set(store.client, (databases = new Map()));
  let cache = databases.get(store.database);
  if (!cache) {
    cache = {
      generation: 0,
      writes: 0,
      results: new LRUCache({ maxSize: MAX_CACHED_CHARS, sizeCalculation: (entry) => Math.max(1, sizeOf(entry.value)) }),
      held: new Map(),
      loading: new Map(),
    };
    databases.set(store.database, cache);
  }
  return cache;
}

/** Runs a write to a cached table: reads neither keep nor share results across it. */
export async function writing<T>(store: Store, write: () => Promise<T>): Promise<T> {
  const cache = cacheOf(store);
  if (!cache) return write();
  const forget = () => {
    cache.generation++;
    cache.results.clear();
    cache.held.clear();
    cache.loading.clear();
  };
  cache.writes++;
  forget();
  try {
    return await write();
  } finally {
    cache.writes--;
    forget();
  }
}

/**
 * Where the cache of `store` stands: `generation` changes with each write, so
 * work done for one generation (a read ahead) can tell it is stale; `writing`
 * while a write runs (reads then keep nothing). Undefined for a store that is
 * not cached (a server).
 */
export function cacheState(store: Store): { generation: number; writing: boolean } | undefined {
  const cache = cacheOf(store);
  return cache && { generation: cache.generation, writing: cache.writes > 0 };
}

/** The value `cachedRead` would return for `key` without loading it: kept since the last write, or undefined. */
export function cachedValue(store: Store, key: string): { value: unknown } | undefined {
  return cacheOf(store)?.results.peek(key);
}

/**
 * The result of `load`, from the cache when an identical read (same `key`)
 * finished since the last write. Callers must not mutate the value.
 */
export async function cachedRead<T>(store: Store, key: string, load: () => Promise<T>): Promise<T> {
  const cache = cacheOf(store);
  return cache ? read(cache, cache.results, key, load) : load();
}

/**
 * Like `cachedRead`, for a value every request needs (the portfolio index):
 * kept whole until the next write instead of competing for the LRU's room.
 */
export async function heldRead<T>(store: Store, key: string, load: () => Promise<T>): Promise<T> {
  const cache = cacheOf(store);
  return cache ? read(cache, cache.held, key, load) : load();
}

/**
 * Many keyed values at once (the report texts of a page): those cached since the
 * last write are taken from the cache, the rest are loaded by one call of `load`
 * and kept. `namespace` keeps these keys apart from other reads'. A key `load`
 * does not return is missing from the answer and not cached.
 */
export async function cachedReadMany<T>(
  store: Store,
  namespace: string,
  keys: readonly string[],
  load: (missing: string[]) => Promise<Map<string, T>>,
): Promise<Map<string, T>> {
  const cache = cacheOf(store);
  if (!cache) return load([...keys]);
  const cacheKey = (key: string) => `${namespace}\u0000${key}`;
  const found = new Map<string, T>();
  const missing: string[] = [];
  for (const key of keys) {
    const hit = cache.results.get(cacheKey(key));
    if (hit) found.set(key, hit.value as T);
    else missing.push(key);
  }
  if (missing.length === 0) return found;
  const generation = cache.generation;
  const quiet = cache.writes === 0;
  const loaded = await load(missing);
  const keep = quiet && cache.generation === generation;
  for (const [key, value] of loaded) {
    found.set(key, value);
    if (keep) cache.results.set(cacheKey(key), { value });
  }
  return found;
}

interface Kept {
  get(key: string): { value: unknown } | undefined;
  set(key: string, entry: { value: unknown }): unknown;
}

async function read<T>(cache: StoreCache, kept: Kept, key: string, load: () => Promise<T>): Promise<T> {
  const hit = kept.get(key);
  if (hit) return hit.value as T;
  const pending = cache.loading.get(key);
  if (pending) return pending as Promise<T>;
  const generation = cache.generation;
  const quiet = cache.writes === 0;
  const promise = load();
  cache.loading.set(key, promise);
  try {
    const value = await promise;
    if (quiet && cache.generation === generation) kept.set(key, { value });
    return value;
  } finally {
    if (cache.loading.get(key) === promise) cache.loading.delete(key);
  }
}
