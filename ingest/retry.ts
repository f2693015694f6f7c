import { isReadinessError } from '../schemas/errors.js';

export interface RetryOptions {
  initialMs: number;
  maxMs: number;
  /** Stop retrying (and rethrow) once this returns false, e.g. on shutdown. */
  keepGoing?: () => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors are retried when they say so (`canRetry`); unknown errors count as transient. */
export function canRetry(error: unknown): boolean {
  return isReadinessError(error) ? error.canRetry : true;
}

/**
 * Runs `fn` until it succeeds, doubling the delay between tries up to `maxMs`.
 * Retries without limit while `keepGoing()` holds: an unreachable store pauses
 * ingestion rather than dropping data.
 */
export async function retryWithBackoff<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let delay = options.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!canRetry(error) || (options.keepGoing && !options.keepGoing())) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxMs);
    }
  }
}
