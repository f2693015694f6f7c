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
  /** Loads under way, so concurrent identical reads share one query. */
  loading: Map<string, Promise<unknown>>;
}

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
      results: new LRUCache({ maxSize: MAX_CACHED_CHARS, sizeCalculation: (entry) => Math.max(1, (JSON.stringify(entry.value) ?? '').length) }),
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
  cache.writes++;
  cache.generation++;
  cache.results.clear();
  cache.loading.clear();
  try {
    return await write();
  } finally {
    cache.writes--;
    cache.generation++;
    cache.results.clear();
    cache.loading.clear();
  }
}

/**
 * The result of `load`, from the cache when an identical read (same `key`)
 * finished since the last write. Callers must not mutate the value.
 */
export async function cachedRead<T>(store: Store, key: string, load: () => Promise<T>): Promise<T> {
  const cache = cacheOf(store);
  if (!cache) return load();
  const hit = cache.results.get(key);
  if (hit) return hit.value as T;
  const pending = cache.loading.get(key);
  if (pending) return pending as Promise<T>;
  const generation = cache.generation;
  const quiet = cache.writes === 0;
  const promise = load();
  cache.loading.set(key, promise);
  try {
    const value = await promise;
    if (quiet && cache.generation === generation) cache.results.set(key, { value });
    return value;
  } finally {
    if (cache.loading.get(key) === promise) cache.loading.delete(key);
  }
}
