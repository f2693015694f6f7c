import type { Logger } from 'pino';
import type { z } from 'zod';
import { KAFKA_CONSUMER_TIMING } from '../schemas/config.js';
import { errorMessage } from '../schemas/errors.js';
import { decodeJsonBytes } from '../schemas/json-bytes.js';
import { deadLetter, ok, type DeadLetter, type Ok } from '../schemas/result.js';
import { dlqMessage } from './dlq-headers.js';
import { DEFAULT_MAX_MESSAGE_BYTES, sendDeadLetters, type DeadLetterCopy } from './dlq-sender.js';
import { insertIsolating } from './isolate.js';
import { whileHeartbeating, type ConsumedRecord, type GroupConsumerOptions, type KafkaClient } from './kafka-client.js';
import { OutcomeHandler } from './outcome.js';
import type { RetryOptions } from './retry.js';

/**
 * A consumer-group consumer for topics of JSON records validated by a zod
 * schema (e.g. account records). Batch by batch: invalid records go to the
 * optional dead-letter topic (same headers as the event DLQ, through the same
 * outcome handler) or are logged, valid ones are handed to `handle`, and the
 * batch's offsets are committed only after `handle` resolved. A retryable
 * failure of `handle` is retried with backoff while the group membership is
 * kept alive; records it refuses for good are isolated and dead-lettered as
 * `store_rejected`.
 */

export interface JsonRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  timestamp: string;
}

export interface JsonConsumerOptions<T> {
  kafka: KafkaClient;
  groupId: string;
  topics: readonly string[];
  schema: z.ZodType<T>;
  handle: (records: JsonRecord<T>[]) => Promise<void>;
  logger: Logger;
  /** Where invalid records are sent; omitted: they are logged and skipped. */
  dlqTopic?: string;
  /** Largest accepted record, bytes. Default 1 MiB. */
  maxBytes?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  consumer?: Partial<GroupConsumerOptions>;
}

export interface JsonConsumerHandle {
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export function parseJsonRecord<T>(record: ConsumedRecord, schema: z.ZodType<T>, maxBytes: number): Ok<T> | DeadLetter {
  if (record.value === null) return deadLetter('invalid_json', 'message has no value');
  const decoded = decodeJsonBytes(record.value, maxBytes);
  if (decoded.kind !== 'ok') return decoded;
  const value = decoded.value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return deadLetter('schema_violation', parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; '));
  }
  return ok(parsed.data);
}

export function startJsonConsumer<T>(options: JsonConsumerOptions<T>): JsonConsumerHandle {
  const { kafka, schema, logger } = options;
  const log = logger.child({ component: 'kafka-json', groupId: options.groupId });
  const heartbeatMs = options.consumer?.heartbeatIntervalMs ?? KAFKA_CONSUMER_TIMING.heartbeatIntervalMs;
  const consumer = kafka.groupConsumer({ fromBeginning: true, ...options.consumer, groupId: options.groupId, topics: options.topics });
  let stopping = false;
  let dlqMaxBytes = DEFAULT_MAX_MESSAGE_BYTES;
  const retry = (what: string): RetryOptions => ({
    initialMs: options.retryInitialMs ?? 500,
    maxMs: options.retryMaxMs ?? 30_000,
    keepGoing: () => !stopping,
    onRetry: (error, attempt, delayMs) => log.warn({ err: errorMessage(error), attempt, delayMs }, `${what} failed; retrying`),
  });
  interface Batch {
    valid: JsonRecord<T>[];
    copies: DeadLetterCopy[];
  }
  const outcomes = new OutcomeHandler<ConsumedRecord, Batch, T>({
    accept: (b, value, record) =>
      b.valid.push({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key?.toString('utf8') ?? null,
        value,
        timestamp: record.timestamp,
      }),
    reject: (b, record, reason, message) => {
      log.warn({ partition: record.partition, offset: record.offset, reason, detail: message }, 'invalid record');
      const rejection = { reason, message, source: 'kafka', topic: record.topic, partition: record.partition, offset: record.offset, payload: record.value ?? Buffer.alloc(0) };
      if (options.dlqTopic) b.copies.push({ message: dlqMessage(record, reason, message), rejection });
    },
  });
  const dlq = (copies: DeadLetterCopy[]) =>
    options.dlqTopic && copies.length > 0
      ? sendDeadLetters(kafka, options.dlqTopic, copies, { maxMessageBytes: dlqMaxBytes, retry: retry('dead-letter produce'), logger: log })
      : undefined;

  const ready = (async () => {
    if (options.dlqTopic) dlqMaxBytes = await kafka.maxMessageBytes(options.dlqTopic).catch(() => DEFAULT_MAX_MESSAGE_BYTES);
    await consumer.start(async (batch, controls) => {
      if (stopping || batch.records.length === 0) return;
      const b: Batch = { valid: [], copies: [] };
      for (const record of batch.records) void outcomes.handle(parseJsonRecord(record, schema, options.maxBytes ?? 1024 * 1024), record, b);
      const work = (async () => {
        await dlq(b.copies);
        // Records the handler refuses for good are isolated and dead-lettered; the rest are handled.
        const refused = await insertIsolating(b.valid, (records) => options.handle([...records]), retry('record handler'));
        if (refused.length === 0) return;
        const byOffset = new Map(batch.records.map((r) => [r.offset, r]));
        const again: Batch = { valid: [], copies: [] };
        for (const r of refused) void outcomes.refused(byOffset.get(r.row.offset)!, r.message, again);
        await dlq(again.copies);
      })();
      try {
        await whileHeartbeating(work, controls, heartbeatMs);
      } catch {
        return; // stopping: nothing committed, the batch is read again next time
      }
      const last = batch.records[batch.records.length - 1]!;
      controls.resolveOffset(last.offset);
      await consumer
        .commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }])
        .catch((error: unknown) => log.warn({ err: errorMessage(error) }, 'offset commit failed; the batch will be re-delivered'));
    });
  })();
  ready.catch(() => undefined);

  return {
    ready,
    async stop() {
      stopping = true;
      await ready.catch(() => undefined);
      await consumer.stop();
    },
  };
}
