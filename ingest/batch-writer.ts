import type { Logger } from 'pino';
import type { IngestConfig } from '../schemas/config.js';
import type { UsageEvent } from '../schemas/event.js';
import { errorMessage } from '../schemas/errors.js';
import { insertEvents, insertRejections, type Rejection, type Store } from '../transforms/index.js';
import { insertIsolating } from './isolate.js';
import type { RetryOptions } from './retry.js';

export interface FlushResult {
  events: number;
  rejections: number;
  /** Events the store refused (dead-lettered as `store_rejected` through `onRefused`). */
  refused: number;
  durationMs: number;
}

export interface BatchWriterOptions<O> {
  store: Store;
  config: IngestConfig;
  logger: Logger;
  /** Value of the `source` column for inserted events. */
  source: string;
  keepGoing?: () => boolean;
  onFlush?: (result: FlushResult) => void;
  /** Each retried store error (retryable: the store is unreachable or overloaded). */
  onRetry?: (error: unknown) => void;
  /**
   * An event the store refused as a statement or data error, with the input it came from and
   * the engine's message. Called during `flush()`; rejections added here are written by the
   * same flush.
   */
  onRefused?: (event: UsageEvent, origin: O, message: string) => void;
}

/**
 * Collects accepted events and rejections in memory and writes them in large inserts. A flush
 * retries a retryable store error until the store accepts it (or `keepGoing` says stop) and
 * isolates rows the store refuses (see `insertIsolating`), so one bad row never holds back the
 * others. Callers acknowledge their input (commit offsets, finish a file) only after `flush()`
 * resolved. `O` is what a source keeps per event to dead-letter it later (a Kafka record, a line).
 */
export class BatchWriter<O = undefined> {
  private events: UsageEvent[] = [];
  private origins: O[] = [];
  private rejections: Rejection[] = [];
  private firstAddedAt: number | undefined;

  constructor(private readonly options: BatchWriterOptions<O>) {}

  get size(): number {
    return this.events.length + this.rejections.length;
  }

  /** `origin` is handed back through `onRefused` if the store refuses the event. */
  addEvent(event: UsageEvent, origin?: O): void {
    this.firstAddedAt ??= Date.now();
    this.events.push(event);
    this.origins.push(origin as O);
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

  /**
   * Writes what is held. Rows added while a flush runs belong to the next one; rows of a flush
   * that was given up (shutdown while the store was unreachable) are kept for the next try.
   */
  async flush(): Promise<FlushResult> {
    const events = this.events;
    const origins = this.origins;
    const firstAddedAt = this.firstAddedAt;
    if (events.length === 0 && this.rejections.length === 0) return { events: 0, rejections: 0, refused: 0, durationMs: 0 };
    this.events = [];
    this.origins = [];
    this.firstAddedAt = undefined;
    const started = Date.now();
    const { store, config, logger, source } = this.options;
    const retry: RetryOptions = {
      initialMs: config.retryInitialMs,
      maxMs: config.retryMaxMs,
      keepGoing: this.options.keepGoing,
      onRetry: (error, attempt, delayMs) => {
        this.options.onRetry?.(error);
        logger.warn({ attempt, delayMs, err: errorMessage(error) }, 'store write failed; retrying');
      },
    };
    // Events first: a rejection row is only bookkeeping, losing an event is not acceptable.
    let refused;
    try {
      refused = await insertIsolating(events, (rows) => insertEvents(store, rows, source), retry);
    } catch (error) {
      this.events = events.concat(this.events);
      this.origins = origins.concat(this.origins);
      this.firstAddedAt = firstAddedAt;
      throw error;
    }
    for (const r of refused) {
      const origin = origins[events.indexOf(r.row)]!;
      logger.warn({ eventId: r.row.eventId, err: r.message }, 'the store refused an event; dead-lettered as store_rejected');
      this.options.onRefused?.(r.row, origin, r.message);
    }
    const rejections = this.rejections;
    this.rejections = [];
    try {
      const lost = await insertIsolating(rejections, (rows) => insertRejections(store, rows), retry);
      // A rejection row the store refuses cannot be dead-lettered in turn; its input already was.
      for (const r of lost) logger.error({ reason: r.row.reason, source: r.row.source, err: r.message }, 'the store refused a rejection row');
    } catch (error) {
      this.rejections = rejections.concat(this.rejections);
      this.firstAddedAt ??= firstAddedAt;
      throw error;
    }
    const result = { events: events.length - refused.length, rejections: rejections.length, refused: refused.length, durationMs: Date.now() - started };
    this.options.onFlush?.(result);
    return result;
  }
}
