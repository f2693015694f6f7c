import { isReadinessError } from '../schemas/errors.js';

export interface RetryOptions {
  initialMs: number;
  maxMs: number;
  /** Stop retrying (and rethrow) once this returns false: shutdown is the only bound. */
  keepGoing?: () => boolean;
  /** Called before each wait; e.g. logs, counts, or heartbeats the consumer group. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Retry even errors that say they cannot succeed (an offset commit, which the coordinator may refuse for a while). */
  always?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors are retried when they say so (`canRetry`); unknown errors count as transient. */
export function canRetry(error: unknown): boolean {
  return isReadinessError(error) ? error.canRetry : true;
}

/**
 * The one retry helper of ingestion. Runs `fn` until it succeeds, doubling the delay between
 * tries up to `maxMs`. A retryable error (store unreachable, broker down, engine overloaded) is
 * retried without limit while `keepGoing()` holds, which pauses ingestion instead of dropping
 * data; any other error is thrown at once, for the caller to isolate and dead-letter.
 */
export async function retryWithBackoff<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let delay = options.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if ((!options.always && !canRetry(error)) || (options.keepGoing && !options.keepGoing())) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxMs);
    }
  }
}
