import { errorMessage } from '../schemas/errors.js';
import { canRetry, retryWithBackoff, type RetryOptions } from './retry.js';

/** A row the store refused on its own, with the engine's message. */
export interface Refused<T> {
  row: T;
  message: string;
}

/**
 * Inserts `rows`, isolating the ones the store refuses. A retryable error is retried (see
 * `retryWithBackoff`); an error that cannot succeed by retrying splits the rows in halves and
 * tries each, down to single rows, which are returned with the engine's message. A batch with one
 * bad row costs about 2·log2(n) extra inserts; every other row is stored.
 *
 * A refused insert stores nothing of its rows (one insert of at most BATCH_MAX_ROWS rows is one
 * block); were a part ever kept, the re-insert is absorbed by the idempotent tables.
 */
export async function insertIsolating<T>(
  rows: readonly T[],
  insert: (rows: readonly T[]) => Promise<void>,
  retry: RetryOptions,
): Promise<Refused<T>[]> {
  const refused: Refused<T>[] = [];
  // Ranges still to insert, as a stack: the first half is tried before the second.
  const pending: Array<[number, number]> = rows.length > 0 ? [[0, rows.length]] : [];
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    try {
      await retryWithBackoff(() => insert(from === 0 && to === rows.length ? rows : rows.slice(from, to)), retry);
    } catch (error) {
      if (canRetry(error)) throw error; // retrying was given up (shutdown): the caller keeps the rows
      if (to - from === 1) {
        refused.push({ row: rows[from]!, message: errorMessage(error) });
      } else {
        const mid = from + Math.floor((to - from) / 2);
        pending.push([mid, to], [from, mid]);
      }
    }
  }
  return refused;
}
