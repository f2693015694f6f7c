import type { Logger } from 'pino';
import type { IngestConfig } from '../schemas/config.js';
import type { UsageEvent } from '../schemas/event.js';
import { errorMessage } from '../schemas/errors.js';
import { insertEvents, insertRejections, type Rejection, type Store } from '../transforms/index.js';
import { retryWithBackoff } from './retry.js';

export interface FlushResult {
  events: number;
  rejections: number;
  durationMs: number;
}

export interface BatchWriterOptions {
  store: Store;
  config: IngestConfig;
  logger: Logger;
  /** Value of the `source` column for inserted events. */
  source: string;
  keepGoing?: () => boolean;
  onFlush?: (result: FlushResult) => void;
}

/**
 * Collects accepted events and rejections in memory and writes them in large
 * inserts. A flush retries with backoff until the store accepts it (or the
 * caller gives up via `keepGoing`); callers acknowledge their input (commit
 * offsets, finish a file) only after `flush()` resolved.
 */
export class BatchWriter {
  private events: UsageEvent[] = [];
  private rejections: Rejection[] = [];
  private firstAddedAt: number | undefined;

  constructor(private readonly options: BatchWriterOptions) {}

  get size(): number {
    return this.events.length + this.rejections.length;
  }

  addEvent(event: UsageEvent): void {
    this.firstAddedAt ??= Date.now();
    this.events.push(event);
  }

  addRejection(rejection: Rejection): void {
    this.firstAddedAt ??= Date.now();
    this.rejections.push(rejection);
  }

  /** True when the batch reached its row limit or has waited long enough. */
  isDue(now = Date.now()): boolean {
    if (this.size === 0) return false;
    if (this.events.length >= this.options.config.batchMaxRows) return true;
    return this.firstAddedAt !== undefined && now - this.firstAddedAt >= this.options.config.batchMaxWaitMs;
  }

  /** Milliseconds until the time limit makes this batch due (0 when due, Infinity when empty). */
  msUntilDue(now = Date.now()): number {
    if (this.firstAddedAt === undefined) return Infinity;
    return Math.max(0, this.firstAddedAt + this.options.config.batchMaxWaitMs - now);
  }

  /**
   * Writes what is held. Rows added while a flush runs belong to the next one;
   * rows of a flush that fails for good are kept for the next try.
   */
  async flush(): Promise<FlushResult> {
    const events = this.events;
    const rejections = this.rejections;
    const firstAddedAt = this.firstAddedAt;
    if (events.length === 0 && rejections.length === 0) return { events: 0, rejections: 0, durationMs: 0 };
    this.events = [];
    this.rejections = [];
    this.firstAddedAt = undefined;
    const started = Date.now();
    const { store, config, logger, source } = this.options;
    const retry = {
      initialMs: config.retryInitialMs,
      maxMs: config.retryMaxMs,
      keepGoing: this.options.keepGoing,
      onRetry: (error: unknown, attempt: number, delayMs: number) =>
        logger.warn({ attempt, delayMs, err: errorMessage(error) }, 'store write failed; retrying'),
    };
    const putBack = (keptEvents: UsageEvent[], keptRejections: Rejection[]) => {
      this.events = keptEvents.concat(this.events);
      this.rejections = keptRejections.concat(this.rejections);
      this.firstAddedAt = firstAddedAt;
    };
    // Events first: a rejection row is only bookkeeping, losing an event is not acceptable.
    try {
      if (events.length > 0) await retryWithBackoff(() => insertEvents(store, events, source), retry);
    } catch (error) {
      putBack(events, rejections);
      throw error;
    }
    try {
      if (rejections.length > 0) await retryWithBackoff(() => insertRejections(store, rejections), retry);
    } catch (error) {
      putBack([], rejections);
      throw error;
    }
    const result = { events: events.length, rejections: rejections.length, durationMs: Date.now() - started };
    this.options.onFlush?.(result);
    return result;
  }
}
