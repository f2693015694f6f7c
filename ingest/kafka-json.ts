import type { Logger } from 'pino';
import type { z } from 'zod';
import { KAFKA_CONSUMER_TIMING } from '../schemas/config.js';
import { errorMessage } from '../schemas/errors.js';
import { decodeJsonBytes } from '../schemas/json-bytes.js';
import { deadLetter, ok, type DeadLetter, type Ok } from '../schemas/result.js';
import { dlqMessage } from './dlq-headers.js';
import {
  whileHeartbeating,
  type ConsumedRecord,
  type GroupConsumerOptions,
  type KafkaClient,
  type OutgoingMessage,
} from './kafka-client.js';

/**
 * A consumer-group consumer for topics of JSON records validated by a zod
 * schema (e.g. account records). Batch by batch: invalid records go to the
 * optional dead-letter topic (same headers as the event DLQ) or are logged,
 * valid ones are handed to `handle`, and the batch's offsets are committed
 * only after `handle` resolved. A failing `handle` is retried with backoff
 * while the group membership is kept alive.
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

  const untilDone = async (what: string, fn: () => Promise<void>) => {
    let delay = options.retryInitialMs ?? 500;
    while (!stopping) {
      try {
        return await fn();
      } catch (error) {
        log.warn({ err: errorMessage(error), delayMs: delay }, `${what} failed; retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, options.retryMaxMs ?? 30_000);
      }
    }
    throw new Error(`${what}: stopped before it succeeded`);
  };

  const ready = consumer.start(async (batch, controls) => {
    if (stopping || batch.records.length === 0) return;
    const valid: JsonRecord<T>[] = [];
    const dlq: OutgoingMessage[] = [];
    for (const record of batch.records) {
      const result = parseJsonRecord(record, schema, options.maxBytes ?? 1024 * 1024);
      if (result.kind === 'ok') {
        valid.push({
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          key: record.key?.toString('utf8') ?? null,
          value: result.value,
          timestamp: record.timestamp,
        });
      } else {
        log.warn({ partition: record.partition, offset: record.offset, reason: result.reason, detail: result.message }, 'invalid record');
        if (options.dlqTopic) dlq.push(dlqMessage(record, result.reason, result.message));
      }
    }
    const work = (async () => {
      const dlqTopic = options.dlqTopic;
      if (dlqTopic && dlq.length > 0) await untilDone('dead-letter produce', () => kafka.sendMessages(dlqTopic, dlq));
      if (valid.length > 0) await untilDone('record handler', () => options.handle(valid));
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
