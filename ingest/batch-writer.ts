import type { Logger } from 'pino';
import type { IngestConfig } from '../schemas/config.js';
import type { UsageEvent } from '../schemas/event.js';
import { errorMessage } from '../schemas/errors.js';
import { EventRows, insertEventRows, insertRejections, type Rejection, type Store } from '../transforms/index.js';
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
   * An event the store refused as a statement or data error: the input it came from and the
   * engine's message. Called during `flush()`; rejections added here are written by the same flush.
   */
  onRefused?: (origin: O, message: string) => void;
}

/**
 * Collects accepted events and rejections in memory and writes them in large inserts. A flush
 * retries a retryable store error until the store accepts it (or `keepGoing` says stop) and
 * isolates rows the store refuses (see `insertIsolating`), so one bad row never holds back the
 * others. Callers acknowledge their input (commit offsets, finish a file) only after `flush()`
 * resolved. `O` is what a source keeps per event to dead-letter it later (a Kafka record, a line).
 */
interface HeldBatch<O> {
  rows: EventRows;
  origins: O[];
  added: number;
}

export class BatchWriter<O = undefined> {
  private rows: EventRows;
  /** The input of each row, by row number; later copies of an event within the batch have none. */
  private origins: O[] = [];
  /** Events added, copies included: what `FlushResult.events` reports. */
  private added = 0;
  private rejections: Rejection[] = [];
  private firstAddedAt: number | undefined;
  /** Batches whose insert was given up (shutdown while the store was unreachable): written first next time. */
  private held: Array<HeldBatch<O>> = [];

  constructor(private readonly options: BatchWriterOptions<O>) {
    this.rows = new EventRows(options.source);
  }

  get size(): number {
    return this.added + this.rejections.length + this.held.reduce((n, b) => n + b.added, 0);
  }

  /** `origin` is handed back through `onRefused` if the store refuses the event. */
  addEvent(event: UsageEvent, origin?: O): void {
    this.firstAddedAt ??= Date.now();
    this.added++;
    if (this.rows.add(event)) this.origins.push(origin as O);
  }

  addRejection(rejection: Rejection): void {
    this.firstAddedAt ??= Date.now();
    this.rejections.push(rejection);
  }

  /** True when the batch reached its row limit (events and rejections). */
  isFull(): boolean {
    return this.added + this.rejections.length >= this.options.config.batchMaxRows;
  }

  /** True when the batch reached its row limit or has waited long enough. */
  isDue(now = Date.now()): boolean {
    if (this.size === 0) return false;
    return this.isFull() || (this.firstAddedAt !== undefined && now - this.firstAddedAt >= this.options.config.batchMaxWaitMs);
  }

  /**
   * Writes what is held. Rows added while a flush runs belong to the next one; rows of a flush
   * that was given up (shutdown while the store was unreachable) are kept for the next try.
   */
  async flush(): Promise<FlushResult> {
    const started = Date.now();
    if (this.size === 0) return { events: 0, rejections: 0, refused: 0, durationMs: 0 };
    const firstAddedAt = this.firstAddedAt;
    const { store, config, logger } = this.options;
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
    const batches = this.held;
    this.held = [];
    if (this.added > 0) batches.push({ rows: this.rows, origins: this.origins, added: this.added });
    this.rows = new EventRows(this.options.source);
    this.origins = [];
    this.added = 0;
    this.firstAddedAt = undefined;
    let events = 0;
    let refusedCount = 0;
    for (const [index, batch] of batches.entries()) {
      const body = batch.rows.body();
      const rowNumbers = Array.from({ length: batch.rows.count }, (_, i) => i);
      let refused;
      try {
        refused = await insertIsolating(
          rowNumbers,
          (part) => insertEventRows(store, part.length === rowNumbers.length ? body : batch.rows.range(body, part[0]!, part[part.length - 1]! + 1)),
          retry,
        );
      } catch (error) {
        this.held = batches.slice(index).concat(this.held);
        this.firstAddedAt ??= firstAddedAt;
        throw error;
      }
      for (const r of refused) {
        logger.warn({ row: r.row, err: r.message }, 'the store refused an event; dead-lettered as store_rejected');
        this.options.onRefused?.(batch.origins[r.row]!, r.message);
      }
      events += batch.added - refused.length;
      refusedCount += refused.length;
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
    const result = { events, rejections: rejections.length, refused: refusedCount, durationMs: Date.now() - started };
    this.options.onFlush?.(result);
    return result;
  }
}
