import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { Logger } from 'pino';
import { INGEST_STOP_TIMEOUT_MS, KAFKA_CONSUMER_TIMING, type IngestConfig } from '../schemas/config.js';
import { parseEventBytes, type ParseOptions } from '../schemas/event.js';
import { errorMessage } from '../schemas/errors.js';
import { deadLetter, type RejectionReason } from '../schemas/result.js';
import type { Store } from '../transforms/index.js';
import { BatchWriter, type FlushResult } from './batch-writer.js';
import { isDue, roomFor } from './batch-policy.js';
import { dlqMessage } from './dlq-headers.js';
import { DEFAULT_MAX_MESSAGE_BYTES, sendDeadLetters, type DeadLetterCopy } from './dlq-sender.js';
import type { BatchControls, ConsumedBatch, ConsumedRecord, GroupConsumer, GroupConsumerOptions, KafkaClient, TopicPartitionOffset } from './kafka-client.js';
import { OffsetLedger } from './offset-ledger.js';
import { OutcomeHandler, type IngestCounts } from './outcome.js';
import { canRetry, retryWithBackoff, type RetryOptions } from './retry.js';

/**
 * Kafka → validated events → store, at least once and never inflated.
 *
 * Records are validated as they arrive (one outcome handler for every source) into a pending
 * batch of at most BATCH_MAX_ROWS records. A sealed batch is persisted in this order: dead-letter
 * copies produced, rows inserted (rows the store refuses isolated and dead-lettered as
 * `store_rejected`), then its offsets released in the offset ledger and committed. Up to
 * `maxInFlight` sealed batches are persisted while the next one fills; a full batch with no free
 * slot waits, heartbeating, which is what pauses consumption while the store is down.
 */

export interface EventConsumerMetrics {
  /** After each slice of a consumed batch is validated: how its records were classified. */
  onRecords?(counts: { accepted: number; rejected: number; dropped: number }): void;
  onRejected?(reason: RejectionReason): void;
  onFlush?(result: FlushResult): void;
  onCommit?(offsets: readonly TopicPartitionOffset[]): void;
  /** A retryable store error (each one is retried). */
  onStoreError?(error: unknown): void;
}

export interface EventConsumerOptions {
  kafka: KafkaClient;
  store: Store;
  config: IngestConfig;
  parse: ParseOptions;
  logger: Logger;
  metrics?: EventConsumerMetrics;
  /** Consumer tuning; group id and topics default to the Kafka configuration. */
  consumer?: Partial<GroupConsumerOptions>;
  /** Longest `stop()` waits for in-flight data to be stored and committed (ms). Default 30000. */
  stopTimeoutMs?: number;
  /**
   * Batches persisted at the same time. Default 2: two concurrent inserts keep
   * both the client and the store busy; offsets are still committed in order.
   */
  maxInFlight?: number;
}

export type EventConsumerState = 'starting' | 'running' | 'store_retrying' | 'stopping' | 'stopped' | 'failed';

export interface EventConsumerStatus extends IngestCounts {
  state: EventConsumerState;
  groupId: string;
  topics: string[];
  /** Partitions assigned to this member, by topic. */
  assignment: Record<string, number[]>;
  /** Times this member joined its group: more than one means rebalances. */
  joins: number;
  /** Records consumed but not yet stored and committed. */
  pending: number;
  flushes: number;
  commits: number;
  lastCommitAt: number | undefined;
  storeFailures: number;
  /** Dead-letter copies too large for the DLQ topic: recorded in `rejections` only, truncated. */
  deadLettersTooLarge: number;
  lastError: string | undefined;
}

export interface EventConsumerHandle {
  /** Resolves once the consumer joined its group; rejects if it cannot start. */
  readonly ready: Promise<void>;
  /** Settles when the consumer has stopped: resolves after `stop()`, rejects if it failed for good. */
  readonly finished: Promise<void>;
  status(): EventConsumerStatus;
  /** Stops fetching, stores and commits what is in flight (within `stopTimeoutMs`), leaves the group. Idempotent. */
  stop(): Promise<void>;
}

interface Pending {
  writer: BatchWriter<ConsumedRecord>;
  /** Copies of records rejected by validation, then of those the store refused. */
  copies: DeadLetterCopy[];
  refusedCopies: DeadLetterCopy[];
  /** Last record taken per topic-partition. */
  lastOffsets: Map<string, TopicPartitionOffset>;
  records: number;
  firstAt: number;
  /** Set by the age timer. Timers may fire a little before Date.now() says the time is up. */
  aged: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Records validated between two turns of the event loop: a few milliseconds of work. */
const TAKE_SLICE = 1000;

export function startEventConsumer(options: EventConsumerOptions): EventConsumerHandle {
  return new EventPipeline(options).handle();
}

class EventPipeline {
  private readonly log: Logger;
  private readonly consumer: GroupConsumer;
  private readonly consumerOptions: GroupConsumerOptions;
  private readonly heartbeatMs: number;
  private readonly maxInFlight: number;
  private readonly ledger = new OffsetLedger();
  private readonly outcomes: OutcomeHandler<ConsumedRecord, Pending>;
  private dlqMaxBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private current: Pending;
  /** Batches being persisted. */
  private readonly flights = new Set<Promise<void>>();
  private inflightRecords = 0;
  private committing: Promise<void> | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly active = new Set<Promise<void>>();
  private stopping = false;
  private aborted = false;
  private stopPromise: Promise<void> | undefined;
  private readonly ready: Promise<void>;
  private readonly finished: Promise<void>;
  private settleFinished: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private readonly stats: Omit<EventConsumerStatus, keyof IngestCounts | 'pending'>;

  constructor(private readonly options: EventConsumerOptions) {
    const { kafka } = options;
    this.log = options.logger.child({ component: 'kafka-source' });
    this.consumerOptions = { groupId: kafka.config.groupId, topics: kafka.config.eventsTopics, fromBeginning: true, ...options.consumer };
    this.heartbeatMs = this.consumerOptions.heartbeatIntervalMs ?? KAFKA_CONSUMER_TIMING.heartbeatIntervalMs;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.consumer = kafka.groupConsumer(this.consumerOptions);
    this.outcomes = new OutcomeHandler<ConsumedRecord, Pending>(
      {
        accept: (p, event, record) => p.writer.addEvent(event, record),
        reject: (p, record, reason, message) => {
          const rejection = {
            reason,
            message,
            source: 'kafka',
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            payload: record.value ?? Buffer.alloc(0),
          };
          p.writer.addRejection(rejection);
          (reason === 'store_rejected' ? p.refusedCopies : p.copies).push({ message: dlqMessage(record, reason, message), rejection });
        },
      },
      { onRejected: (reason) => options.metrics?.onRejected?.(reason) },
    );
    this.current = this.newPending();
    this.stats = {
      state: 'starting',
      groupId: this.consumerOptions.groupId,
      topics: [...this.consumerOptions.topics],
      assignment: {},
      joins: 0,
      flushes: 0,
      commits: 0,
      lastCommitAt: undefined,
      storeFailures: 0,
      deadLettersTooLarge: 0,
      lastError: undefined,
    };
    this.finished = new Promise<void>((resolve, reject) => (this.settleFinished = { resolve, reject }));
    this.finished.catch(() => undefined); // observed through the handle; never an unhandled rejection
    this.consumer.onEvent((event) => {
      if (event.type === 'joined') {
        this.stats.assignment = event.assignment;
        this.stats.joins++;
        // Revoked partitions: their pending commits are dropped here (see OffsetLedger.retain).
        this.ledger.retain(event.assignment);
        this.log.info({ groupId: this.consumerOptions.groupId, assignment: event.assignment }, 'joined consumer group');
      } else if (event.type === 'crashed') {
        this.stats.lastError = event.error.message;
        if (event.restarting) {
          this.log.warn({ err: event.error.message }, 'consumer crashed; the client restarts it');
        } else if (!this.stopping) {
          this.stats.state = 'failed';
          this.log.error({ err: event.error.message }, 'consumer failed and will not restart');
          this.clearTimer();
          this.settleFinished?.reject(event.error);
        }
      }
    });
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  handle(): EventConsumerHandle {
    return {
      ready: this.ready,
      finished: this.finished,
      status: () => ({
        ...this.stats,
        ...this.outcomes.counts,
        rejectedByReason: { ...this.outcomes.counts.rejectedByReason },
        pending: this.current.records + this.inflightRecords,
      }),
      stop: () => this.stop(),
    };
  }

  private async start(): Promise<void> {
    const { kafka } = this.options;
    const dlqTopic = kafka.config.dlqTopic;
    try {
      // The DLQ must exist before the first rejection. A broker that forbids creating topics
      // (ACLs) is fine as long as the topics are already there; an unreachable one fails here.
      try {
        await kafka.ensureTopics([...this.consumerOptions.topics, dlqTopic].map((topic) => ({ topic })));
      } catch (error) {
        if (canRetry(error)) throw error;
        this.log.warn({ err: errorMessage(error) }, 'could not ensure topics exist; continuing');
      }
      try {
        this.dlqMaxBytes = await kafka.maxMessageBytes(dlqTopic);
      } catch (error) {
        this.log.warn({ err: errorMessage(error), assumed: DEFAULT_MAX_MESSAGE_BYTES }, 'cannot read max.message.bytes of the dead-letter topic');
      }
      await this.consumer.start((batch, controls) => this.onBatch(batch, controls));
    } catch (error) {
      this.stats.state = 'failed';
      this.stats.lastError = errorMessage(error);
      this.settleFinished?.reject(error);
      await this.consumer.stop().catch(() => undefined);
      throw error;
    }
    if (this.stats.state === 'starting') this.stats.state = 'running';
  }

  private retryOptions(what: string): RetryOptions {
    const { retryInitialMs, retryMaxMs } = this.options.config;
    return {
      initialMs: retryInitialMs,
      maxMs: retryMaxMs,
      keepGoing: () => !this.aborted,
      onRetry: (error, attempt, delayMs) => {
        this.stats.lastError = errorMessage(error);
        this.log.warn({ err: errorMessage(error), attempt, delayMs }, `${what} failed; retrying`);
      },
    };
  }

  private newPending(): Pending {
    const { config, logger, store, metrics } = this.options;
    const p: Pending = {
      writer: new BatchWriter<ConsumedRecord>({
        store,
        config,
        logger,
        source: 'kafka',
        keepGoing: () => !this.aborted,
        onRetry: (error) => {
          this.stats.storeFailures++;
          this.stats.lastError = errorMessage(error);
          if (this.stats.state === 'running') this.stats.state = 'store_retrying';
          metrics?.onStoreError?.(error);
        },
        onRefused: (record, message) => void this.outcomes.refused(record, message, p),
      }),
      copies: [],
      refusedCopies: [],
      lastOffsets: new Map(),
      records: 0,
      firstAt: 0,
      aged: false,
    };
    return p;
  }

  private async onBatch(batch: ConsumedBatch, controls: BatchControls): Promise<void> {
    if (this.stopping) return; // not resolved: re-read from the committed offset next time
    const work = this.handleBatch(batch, controls);
    this.active.add(work);
    try {
      await work;
    } finally {
      this.active.delete(work);
    }
  }

  /**
   * Takes the fetch into pending batches of at most BATCH_MAX_ROWS, sealing each full one. A fetch
   * is taken TAKE_SLICE records at a time, letting the event loop run between slices: the steps of
   * the insert in flight (each a statement sent when the previous one answers) would otherwise
   * wait for the whole fetch to be validated, and the engine with them.
   */
  private async handleBatch(batch: ConsumedBatch, controls: BatchControls): Promise<void> {
    let rest = batch.records;
    while (rest.length > 0) {
      const room = Math.min(TAKE_SLICE, roomFor(this.current.records, rest.length, this.options.config));
      if (room > 0) {
        this.take(rest.slice(0, room), controls);
        rest = rest.slice(room);
        if (rest.length > 0 && this.current.records < this.options.config.batchMaxRows) {
          await setImmediatePromise();
          if (this.stopping || !controls.isRunning()) return;
          continue;
        }
      }
      if (this.current.records < this.options.config.batchMaxRows) break;
      // Full: seal it as soon as a slot is free. Waiting here is the backpressure that pauses
      // consumption while the store is failing; heartbeats keep the membership meanwhile.
      while (this.flights.size >= this.maxInFlight && !this.stopping) {
        await Promise.race([...this.flights, sleep(this.heartbeatMs)]);
        if (!controls.isRunning()) return;
        try {
          await controls.heartbeat();
        } catch (error) {
          // A rebalance: hand the batch back so the client can rejoin. What was taken is stored
          // later; what was not is read again by whoever owns the partition then.
          this.log.debug({ err: errorMessage(error) }, 'heartbeat failed while waiting for the store');
          return;
        }
      }
      if (this.stopping) return;
      void this.maybeFlush(true);
    }
    void this.maybeFlush();
  }

  /** Synchronous on purpose: no flush can seal `current` half-way through a part. */
  private take(records: readonly ConsumedRecord[], controls: BatchControls): void {
    const { parse, metrics } = this.options;
    const p = this.current;
    if (records.length === 0) return;
    if (p.records === 0) {
      p.firstAt = Date.now();
      this.timer = setTimeout(() => {
        p.aged = true;
        void this.maybeFlush();
      }, this.options.config.batchMaxWaitMs);
    }
    const before = { ...this.outcomes.counts };
    for (const record of records) {
      const result = record.value === null ? deadLetter('invalid_json', 'message has no value') : parseEventBytes(record.value, parse);
      void this.outcomes.handle(result, record, p);
    }
    const last = records[records.length - 1]!;
    p.lastOffsets.set(`${last.topic}\u0000${last.partition}`, { topic: last.topic, partition: last.partition, offset: last.offset });
    controls.resolveOffset(last.offset);
    p.records += records.length;
    const after = this.outcomes.counts;
    const counts = { accepted: after.accepted - before.accepted, rejected: after.rejected - before.rejected, dropped: after.dropped - before.dropped };
    metrics?.onRecords?.(counts);
    this.log.debug({ topic: last.topic, partition: last.partition, records: records.length, lastOffset: last.offset, ...counts }, 'batch received');
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Seals and persists `current` when it is due (or `force`) and a slot is free. Returns a
   * promise that settles when a flight ends, or undefined when there is nothing to wait for.
   */
  private maybeFlush(force = false): Promise<void> | undefined {
    const p = this.current;
    if (this.flights.size >= this.maxInFlight) return Promise.race(this.flights);
    if (this.aborted || (!force && !isDue(p.records, p.firstAt, Date.now(), p.aged, this.options.config)) || p.records === 0) return undefined;
    this.current = this.newPending();
    this.clearTimer();
    this.inflightRecords += p.records;
    const id = this.ledger.seal(p.lastOffsets.values());
    const flight = this.storeBatch(p).then((stored) => {
      if (!stored) return;
      this.ledger.stored(id);
      return this.commit();
    });
    this.flights.add(flight);
    void flight.finally(() => {
      this.flights.delete(flight);
      this.inflightRecords -= p.records;
      void this.maybeFlush(this.stopping);
    });
    return flight;
  }

  /** Dead-letter copies, rows, copies of refused rows. Resolves false when `stop()` gave up first; never rejects. */
  private async storeBatch(p: Pending): Promise<boolean> {
    const { kafka, metrics, logger } = this.options;
    const dlq = (copies: DeadLetterCopy[]) =>
      sendDeadLetters(kafka, kafka.config.dlqTopic, copies, { maxMessageBytes: this.dlqMaxBytes, retry: this.retryOptions('dead-letter produce'), logger });
    try {
      // Read the count after the await: `stats.x += await …` would read x first, and with two
      // batches in flight one batch's increment would overwrite the other's.
      if (p.copies.length > 0) {
        const { tooLarge } = await dlq(p.copies);
        this.stats.deadLettersTooLarge += tooLarge;
      }
      const flushed = await p.writer.flush();
      if (p.refusedCopies.length > 0) {
        const { tooLarge } = await dlq(p.refusedCopies);
        this.stats.deadLettersTooLarge += tooLarge;
      }
      this.stats.flushes++;
      if (this.stats.state === 'store_retrying') this.stats.state = 'running';
      metrics?.onFlush?.(flushed);
      this.log.debug({ events: flushed.events, rejections: flushed.rejections, refused: flushed.refused, ms: flushed.durationMs }, 'batch stored');
      return true;
    } catch (error) {
      this.log.warn(
        { err: errorMessage(error), records: p.records },
        'stopped before the batch was stored; its messages will be read again from the committed offsets',
      );
      return false;
    }
  }

  /**
   * Commits what the ledger releases. One commit at a time; a failed one stays in the ledger and
   * is retried a second later (or by the next batch), so a transient coordinator error does not
   * leave the group lagging on a quiet topic.
   */
  private commit(): Promise<void> {
    const run = async () => {
      const offsets = this.ledger.committable();
      if (offsets.length === 0) return;
      try {
        // A few tries only: the timer below and the next batch's commit cover the rest.
        let attempts = 0;
        await retryWithBackoff(() => this.consumer.commit(offsets), { initialMs: 200, maxMs: 1_000, always: true, keepGoing: () => !this.aborted && ++attempts < 5 });
        this.ledger.committed(offsets);
        this.stats.commits++;
        this.stats.lastCommitAt = Date.now();
        this.options.metrics?.onCommit?.(offsets);
      } catch (error) {
        // The rows are stored; until a commit succeeds a restart re-reads them, which the tables absorb.
        this.stats.lastError = errorMessage(error);
        this.log.warn({ err: errorMessage(error), offsets }, 'offset commit failed; retrying');
        if (!this.aborted && !this.commitTimer) {
          this.commitTimer = setTimeout(() => {
            this.commitTimer = undefined;
            void this.commit();
          }, 1_000);
        }
      }
    };
    const next = (this.committing ?? Promise.resolve()).then(run);
    this.committing = next;
    return next;
  }

  private async drain(): Promise<void> {
    while (!this.aborted && (this.flights.size > 0 || this.current.records > 0)) {
      await (this.maybeFlush(true) ?? Promise.race(this.flights));
    }
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (!this.aborted) await this.commit();
  }

  private stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      await this.ready.catch(() => undefined);
      this.stopping = true;
      if (this.stats.state === 'failed') {
        this.clearTimer();
        clearTimeout(this.commitTimer);
        await this.consumer.stop().catch(() => undefined);
        return;
      }
      this.stats.state = 'stopping';
      try {
        this.consumer.pause();
      } catch {
        // Not running (e.g. restarting after a crash): nothing to pause.
      }
      const timeoutMs = this.options.stopTimeoutMs ?? INGEST_STOP_TIMEOUT_MS;
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled([...this.active]).then(() => this.drain()).then(() => false),
        new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(deadline);
      if (timedOut) {
        // Every retry loop checks this and gives up; nothing unstored is committed.
        this.aborted = true;
        this.log.warn(
          { pending: this.current.records + this.inflightRecords },
          'stop timed out before everything was stored; unstored messages will be read again from the committed offsets',
        );
      }
      this.clearTimer();
      clearTimeout(this.commitTimer);
      try {
        await this.consumer.stop();
      } catch (error) {
        this.log.warn({ err: errorMessage(error) }, 'leaving the consumer group failed');
      }
      this.stats.state = 'stopped';
      this.settleFinished?.resolve();
    })();
    return this.stopPromise;
  }
}
