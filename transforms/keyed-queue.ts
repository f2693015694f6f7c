/**
 * Runs tasks with the same key one after another, in the order they were queued, whatever the
 * previous one's outcome; tasks with different keys run independently. A key is forgotten once its
 * last task has ended, so keys that come and go (request ids) hold no memory.
 */
export function keyedQueue<K>(): <T>(key: K, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<K, Promise<unknown>>();
  return async <T>(key: K, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
