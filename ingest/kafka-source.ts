import type { Logger } from 'pino';
import { INGEST_STOP_TIMEOUT_MS, KAFKA_CONSUMER_TIMING, type IngestConfig } from '../schemas/config.js';
import { parseEventBytes, type ParseOptions } from '../schemas/event.js';
import { errorMessage } from '../schemas/errors.js';
import { deadLetter, type RejectionReason } from '../schemas/result.js';
import type { Store } from '../transforms/index.js';
import { BatchWriter, type FlushResult } from './batch-writer.js';
import { dlqMessage } from './dlq-headers.js';
import type {
  BatchControls,
  ConsumedBatch,
  GroupConsumer,
  GroupConsumerOptions,
  KafkaClient,
  OutgoingMessage,
  TopicPartitionOffset,
} from './kafka-client.js';
import { canRetry, retryWithBackoff } from './retry.js';

/**
 * Kafka → validated events → store, at least once and never inflated.
 *
 * Messages are validated as they arrive and collected in one pending batch
 * (events, rejections, dead-letter copies, highest offset per partition).
 * When the batch is due (row count or age), it is sealed and persisted in
 * this order: dead-letter copies produced, rows inserted, offsets committed.
 * Up to `maxInFlight` sealed batches (default 2) are persisted while the next
 * one fills, so consuming and inserting overlap; offsets are committed in the
 * order the batches were sealed. A full batch with no free slot waits
 * (heartbeating), which is what pauses consumption while the store is down.
 */

export interface EventConsumerMetrics {
  /** After each consumed batch: how its records were classified. */
  onRecords?(counts: { accepted: number; rejected: number; dropped: number }): void;
  onRejected?(reason: RejectionReason): void;
  onFlush?(result: FlushResult): void;
  onCommit?(offsets: readonly TopicPartitionOffset[]): void;
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
   * both the client and the store busy (about 40% more rows/s into the embedded
   * store on two cores than one at a time); offsets are still committed in order.
   */
  maxInFlight?: number;
}

export type EventConsumerState = 'starting' | 'running' | 'store_retrying' | 'stopping' | 'stopped' | 'failed';

export interface EventConsumerStatus {
  state: EventConsumerState;
  groupId: string;
  topics: string[];
  /** Partitions assigned to this member, by topic. */
  assignment: Record<string, number[]>;
  /** Times this member joined its group: more than one means rebalances. */
  joins: number;
  received: number;
  accepted: number;
  rejected: number;
  dropped: number;
  rejectedByReason: Partial<Record<RejectionReason, number>>;
  /** Records consumed but not yet stored and committed. */
  pending: number;
  flushes: number;
  commits: number;
  lastCommitAt: number | undefined;
  storeFailures: number;
  lastError: string | undefined;
}

export interface EventConsumerHandle {
  /** Resolves once the consumer joined its group; rejects if it cannot start. */
  readonly ready: Promise<void>;
  /** Settles when the consumer has stopped: resolves after `stop()`, rejects if it failed for good. */
  readonly finished: Promise<void>;
  status(): EventConsumerStatus;
  /** Stops fetching, stores and commits what is in flight, leaves the group. Idempotent. */
  stop(): Promise<void>;
}

interface Pending {
  writer: BatchWriter;
  dlq: OutgoingMessage[];
  /** Highest processed offset per topic-partition. */
  offsets: Map<string, TopicPartitionOffset>;
  records: number;
  firstAt: number;
  /** Set by the age timer. Timers may fire a little before Date.now() says the time is up. */
  aged: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startEventConsumer(options: EventConsumerOptions): EventConsumerHandle {
  const pipeline = new EventPipeline(options);
  return pipeline.handle();
}

class EventPipeline {
  private readonly log: Logger;
  private readonly consumer: GroupConsumer;
  private readonly consumerOptions: GroupConsumerOptions;
  private readonly heartbeatMs: number;
  private readonly maxInFlight: number;
  private readonly store: Store;
  private current: Pending;
  /** Batches being persisted; each settles once stored and (if possible) committed. */
  private readonly flights = new Set<Promise<void>>();
  private inflightRecords = 0;
  /** Commits run one after the other, in the order the batches were sealed. */
  private commitChain: Promise<boolean> = Promise.resolve(true);
  /** Next offset to commit per topic-partition, for input already stored. */
  private readonly uncommitted = new Map<string, TopicPartitionOffset>();
  private commitTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly active = new Set<Promise<void>>();
  private stopping = false;
  private aborted = false;
  private stopPromise: Promise<void> | undefined;
  private readonly ready: Promise<void>;
  private readonly finished: Promise<void>;
  private settleFinished: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private readonly stats: EventConsumerStatus;

  constructor(private readonly options: EventConsumerOptions) {
    const { kafka } = options;
    this.log = options.logger.child({ component: 'kafka-source' });
    this.consumerOptions = {
      groupId: kafka.config.groupId,
      topics: kafka.config.eventsTopics,
      fromBeginning: true,
      ...options.consumer,
    };
    this.heartbeatMs = this.consumerOptions.heartbeatIntervalMs ?? KAFKA_CONSUMER_TIMING.heartbeatIntervalMs;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.consumer = kafka.groupConsumer(this.consumerOptions);
    this.store = this.trackedStore(options.store);
    this.current = this.newPending();
    this.stats = {
      state: 'starting',
      groupId: this.consumerOptions.groupId,
      topics: [...this.consumerOptions.topics],
      assignment: {},
      joins: 0,
      received: 0,
      accepted: 0,
      rejected: 0,
      dropped: 0,
      rejectedByReason: {},
      pending: 0,
      flushes: 0,
      commits: 0,
      lastCommitAt: undefined,
      storeFailures: 0,
      lastError: undefined,
    };
    this.finished = new Promise<void>((resolve, reject) => (this.settleFinished = { resolve, reject }));
    this.finished.catch(() => undefined); // observed through the handle; never an unhandled rejection
    this.consumer.onEvent((event) => {
      if (event.type === 'joined') {
        this.stats.assignment = event.assignment;
        this.stats.joins++;
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
      status: () => ({ ...this.stats, pending: this.current.records + this.inflightRecords }),
      stop: () => this.stop(),
    };
  }

  private async start(): Promise<void> {
    const { kafka } = this.options;
    try {
      // The DLQ must exist before the first rejection. A broker that forbids
      // creating topics (ACLs) is fine as long as the topics are already there;
      // an unreachable one fails the start right here.
      try {
        await kafka.ensureTopics([...this.consumerOptions.topics, kafka.config.dlqTopic].map((topic) => ({ topic })));
      } catch (error) {
        if (canRetry(error)) throw error;
        this.log.warn({ err: errorMessage(error) }, 'could not ensure topics exist; continuing');
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

  private trackedStore(store: Store): Store {
    const tracked = async (write: () => Promise<void>) => {
      try {
        await write();
        if (this.stats.state === 'store_retrying') this.stats.state = 'running';
      } catch (error) {
        this.stats.storeFailures++;
        this.stats.lastError = errorMessage(error);
        if (this.stats.state === 'running') this.stats.state = 'store_retrying';
        this.options.metrics?.onStoreError?.(error);
        throw error;
      }
    };
    return {
      ...store,
      insert: (table, rows) => tracked(() => store.insert(table, rows)),
      insertJsonLines: (table, columns, body, where) => tracked(() => store.insertJsonLines(table, columns, body, where)),
    };
  }

  private newPending(): Pending {
    const { config, logger } = this.options;
    return {
      writer: new BatchWriter({
        store: this.store,
        config,
        logger,
        source: 'kafka',
        keepGoing: () => !this.aborted,
      }),
      dlq: [],
      offsets: new Map(),
      records: 0,
      firstAt: 0,
      aged: false,
    };
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

  private async handleBatch(batch: ConsumedBatch, controls: BatchControls): Promise<void> {
    this.take(batch, controls);
    // A full batch waits while the maximum number of batches is being
    // persisted: this is the backpressure that pauses consumption while the
    // store is failing.
    const max = this.options.config.batchMaxRows;
    while (this.flights.size >= this.maxInFlight && this.current.records >= max && !this.stopping) {
      await Promise.race([...this.flights, sleep(this.heartbeatMs)]);
      if (!controls.isRunning()) return;
      try {
        await controls.heartbeat();
      } catch (error) {
        // A rebalance: hand the batch back so the client can rejoin; what is
        // buffered is stored later and re-delivered copies collapse.
        this.log.debug({ err: errorMessage(error) }, 'heartbeat failed while waiting for the store');
        return;
      }
    }
    void this.maybeFlush();
  }

  /** Synchronous on purpose: no flush can seal `current` half-way through a batch. */
  private take(batch: ConsumedBatch, controls: BatchControls): void {
    const { parse, metrics } = this.options;
    const p = this.current;
    if (batch.records.length === 0) return;
    if (p.records === 0) {
      p.firstAt = Date.now();
      this.timer = setTimeout(() => {
        p.aged = true;
        void this.maybeFlush();
      }, this.options.config.batchMaxWaitMs);
    }
    let accepted = 0;
    let rejected = 0;
    let dropped = 0;
    for (const record of batch.records) {
      const result =
        record.value === null ? deadLetter('invalid_json', 'message has no value') : parseEventBytes(record.value, parse);
      if (result.kind === 'ok') {
        p.writer.addEvent(result.value);
        accepted++;
      } else if (result.kind === 'dead_letter') {
        rejected++;
        this.stats.rejectedByReason[result.reason] = (this.stats.rejectedByReason[result.reason] ?? 0) + 1;
        metrics?.onRejected?.(result.reason);
        p.writer.addRejection({
          reason: result.reason,
          message: result.message,
          source: 'kafka',
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          payload: record.value ?? Buffer.alloc(0),
        });
        p.dlq.push(dlqMessage(record, result.reason, result.message));
      } else {
        dropped++;
      }
    }
    const last = batch.records[batch.records.length - 1]!;
    p.offsets.set(`${batch.topic}\u0000${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: last.offset });
    controls.resolveOffset(last.offset);
    p.records += batch.records.length;
    this.stats.received += batch.records.length;
    this.stats.accepted += accepted;
    this.stats.rejected += rejected;
    this.stats.dropped += dropped;
    metrics?.onRecords?.({ accepted, rejected, dropped });
    this.log.debug(
      { topic: batch.topic, partition: batch.partition, records: batch.records.length, lastOffset: last.offset, accepted, rejected },
      'batch received',
    );
  }

  private isDue(p: Pending): boolean {
    if (p.records === 0) return false;
    return p.aged || p.records >= this.options.config.batchMaxRows || Date.now() - p.firstAt >= this.options.config.batchMaxWaitMs;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Seals and persists `current` when it is due (or `force`) and fewer than
   * `maxInFlight` batches are being persisted. Returns a promise that settles
   * when a flight ends, or undefined when there is nothing to wait for.
   */
  private maybeFlush(force = false): Promise<void> | undefined {
    const p = this.current;
    if (this.flights.size >= this.maxInFlight) return Promise.race(this.flights);
    if (p.records === 0 || this.aborted || (!force && !this.isDue(p))) return undefined;
    this.current = this.newPending();
    this.clearTimer();
    this.inflightRecords += p.records;
    const stored = this.storeBatch(p);
    // Stored batches may finish out of order; their offsets are committed in order,
    // and not at all once an earlier batch could not be stored.
    const previous = this.commitChain;
    const committed = (async () => {
      const [ok, before] = await Promise.all([stored, previous]);
      if (!ok || !before) return false;
      this.markStored(p);
      await this.commitStored();
      return true;
    })();
    this.commitChain = committed;
    const flight: Promise<void> = committed.then(
      () => undefined,
      () => undefined,
    );
    this.flights.add(flight);
    void flight.finally(() => {
      this.flights.delete(flight);
      this.inflightRecords -= p.records;
      void this.maybeFlush(this.stopping);
    });
    return flight;
  }

  /** Retries `fn` until it succeeds or `stop()` gives up, whatever the error says about retrying. */
  private async untilDone(what: string, fn: () => Promise<unknown>): Promise<void> {
    const { retryInitialMs, retryMaxMs } = this.options.config;
    let delay = retryInitialMs;
    for (;;) {
      try {
        await fn();
        return;
      } catch (error) {
        if (this.aborted) throw error;
        this.log.error({ err: errorMessage(error), delayMs: delay }, `${what} failed; retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, retryMaxMs);
      }
    }
  }

  /** Dead-letter copies, then rows. Resolves false when `stop()` gave up first; never rejects. */
  private async storeBatch(p: Pending): Promise<boolean> {
    const { kafka, metrics } = this.options;
    try {
      if (p.dlq.length > 0) {
        await this.untilDone('dead-letter produce', () => kafka.sendMessages(kafka.config.dlqTopic, p.dlq));
      }
      let flushed: FlushResult | undefined;
      await this.untilDone('store write', async () => {
        flushed = await p.writer.flush();
      });
      if (flushed) {
        this.stats.flushes++;
        metrics?.onFlush?.(flushed);
        this.log.debug({ events: flushed.events, rejections: flushed.rejections, ms: flushed.durationMs }, 'batch stored');
      }
    } catch (error) {
      this.log.warn(
        { err: errorMessage(error), records: p.records },
        'stopped before the batch was stored; its messages will be read again from the committed offsets',
      );
      return false;
    }
    return true;
  }

  /** Records a stored batch's offsets as ready to commit. */
  private markStored(p: Pending): void {
    for (const [key, o] of p.offsets) {
      const next = BigInt(o.offset) + 1n;
      const known = this.uncommitted.get(key);
      // Max, not last: a batch re-delivered after a rebalance may end below what is already stored.
      if (!known || BigInt(known.offset) < next) this.uncommitted.set(key, { ...o, offset: next.toString() });
    }
  }

  /**
   * Commits the offsets of everything stored so far. A failed commit is kept
   * and retried (with the next batch, or after a second when the topic is
   * quiet), so a transient coordinator error does not leave the group lagging.
   */
  private async commitStored(): Promise<void> {
    const offsets = [...this.uncommitted.entries()];
    if (offsets.length === 0) return;
    const { metrics } = this.options;
    try {
      // A few tries only: the retry below and the next batch's commit cover the rest.
      let attempts = 0;
      await retryWithBackoff(() => this.consumer.commit(offsets.map(([, o]) => o)), {
        initialMs: 200,
        maxMs: 2_000,
        keepGoing: () => !this.aborted && ++attempts < 5,
      });
      for (const [key, o] of offsets) if (this.uncommitted.get(key)?.offset === o.offset) this.uncommitted.delete(key);
      this.stats.commits++;
      this.stats.lastCommitAt = Date.now();
      metrics?.onCommit?.(offsets.map(([, o]) => o));
    } catch (error) {
      // The rows are stored; until a commit succeeds a restart re-reads them, which the tables absorb.
      this.stats.lastError = errorMessage(error);
      this.log.warn({ err: errorMessage(error), offsets: offsets.map(([, o]) => o) }, 'offset commit failed; retrying');
      if (!this.stopping && !this.commitTimer) {
        this.commitTimer = setTimeout(() => {
          this.commitTimer = undefined;
          if (this.flights.size > 0 || this.stopping) return; // the batch in flight (or stop) commits them
          const previous = this.commitChain;
          this.commitChain = previous.then(async (ok) => {
            if (ok) await this.commitStored();
            return ok;
          });
        }, 1_000);
      }
    }
  }

  private async drain(): Promise<void> {
    while (!this.aborted && (this.flights.size > 0 || this.current.records > 0)) {
      await (this.maybeFlush(true) ?? Promise.race(this.flights));
    }
    clearTimeout(this.commitTimer);
    if (!this.aborted && (await this.commitChain)) await this.commitStored();
  }

  private stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      await this.ready.catch(() => undefined);
      if (this.stats.state === 'failed') {
        this.stopping = true;
        this.clearTimer();
        clearTimeout(this.commitTimer);
        await this.consumer.stop().catch(() => undefined);
        return;
      }
      this.stopping = true;
      this.stats.state = 'stopping';
      try {
        this.consumer.pause();
      } catch {
        // Not running (e.g. restarting after a crash): nothing to pause.
      }
      await Promise.allSettled([...this.active]);
      const timeoutMs = this.options.stopTimeoutMs ?? INGEST_STOP_TIMEOUT_MS;
      let timedOut = false;
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([
        this.drain(),
        new Promise<void>((resolve) => {
          deadline = setTimeout(() => {
            timedOut = true;
            resolve();
          }, timeoutMs);
        }),
      ]);
      clearTimeout(deadline);
      if (timedOut) {
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
