import DataLoader from 'dataloader';
import type { Store } from './store.js';

/**
 * Reads by key on the embedded store, batched: the engine runs one query at a
 * time, so keys asked for while it is busy wait and are read together, by one
 * call of `batch`, as soon as the previous batch of the same kind has finished.
 * Under load a batch holds what many requests need at the cost of one query;
 * alone, a key is read at once. One loader per kind, store and database.
 */
const loaders = new WeakMap<object, Map<string, unknown>>();

export function engineLoader<K, V>(store: Store, kind: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  let byName = loaders.get(store.client);
  if (!byName) loaders.set(store.client, (byName = new Map()));
  const name = `${store.database}\u0000${kind}`;
  let loader = byName.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    let running: Promise<unknown> = Promise.resolve();
    loader = new DataLoader<K, V>(
      (keys) => {
        const read = batch(keys);
        running = read.catch(() => undefined);
        return read;
      },
      // Results are kept (or not) by the read cache; the loader only batches.
      { cache: false, maxBatchSize: 200, batchScheduleFn: (dispatch) => void running.then(() => setImmediate(dispatch)) },
    );
    byName.set(name, loader);
  }
  return loader;
}
