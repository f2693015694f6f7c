import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ERROR_CODES, ReadinessError, errorMessage } from '../schemas/errors.js';
import { whileHeartbeating, type ConsumedRecord, type GroupConsumerOptions, type KafkaClient } from './kafka-client.js';

/**
 * Reads a topic from its first offsets up to the end offsets it had when the
 * read started, then returns: a bounded read (e.g. replaying a dead-letter
 * topic) rather than a subscription. Uses a throwaway consumer group that
 * commits nothing and is deleted afterwards.
 */

export interface ReadToEndOptions {
  logger: Logger;
  /** Give up when no partition made progress for this long (ms). Default 15000. */
  idleTimeoutMs?: number;
  consumer?: Partial<GroupConsumerOptions>;
}

export interface ReadToEndResult {
  records: number;
  /** True when every partition reached its end offset (false after an idle timeout). */
  complete: boolean;
}

export async function readTopicToEnd(
  kafka: KafkaClient,
  topic: string,
  onRecords: (records: ConsumedRecord[]) => Promise<void>,
  options: ReadToEndOptions,
): Promise<ReadToEndResult> {
  const log = options.logger.child({ component: 'kafka-reader', topic });
  // Checked first: the client would otherwise retry an unknown topic for many seconds.
  if (!(await kafka.listTopics()).includes(topic)) {
    throw new ReadinessError(ERROR_CODES.INPUT_NOT_FOUND, `topic ${topic} does not exist on ${kafka.config.brokers.join(',')}`);
  }
  const ranges = await kafka.topicOffsets(topic);
  const ends = new Map<number, bigint>();
  for (const r of ranges) if (BigInt(r.high) > BigInt(r.low)) ends.set(r.partition, BigInt(r.high));
  if (ends.size === 0) return { records: 0, complete: true };

  const groupId = `${kafka.config.groupId}-read-${randomBytes(6).toString('hex')}`;
  const heartbeatMs = options.consumer?.heartbeatIntervalMs ?? 1_000;
  const consumer = kafka.groupConsumer({
    maxWaitTimeMs: 500,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: heartbeatMs,
    ...options.consumer,
    groupId,
    topics: [topic],
    fromBeginning: true,
  });
  let records = 0;
  let failure: unknown;
  let finish: (complete: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => (finish = resolve));
  const idleMs = options.idleTimeoutMs ?? 15_000;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => finish(false), idleMs);
  };

  try {
    armIdle();
    await consumer.start(async (batch, controls) => {
      const end = ends.get(batch.partition);
      if (end === undefined) return;
      const wanted = batch.records.filter((r) => BigInt(r.offset) < end);
      if (failure !== undefined) return;
      if (wanted.length > 0) {
        try {
          await whileHeartbeating(onRecords(wanted), controls, heartbeatMs);
        } catch (error) {
          failure = error;
          finish(false);
          return;
        }
        records += wanted.length;
        controls.resolveOffset(wanted[wanted.length - 1]!.offset);
      }
      armIdle();
      if (BigInt(batch.lastOffset) >= end - 1n) {
        ends.delete(batch.partition);
        consumer.pause([{ topic, partitions: [batch.partition] }]);
        if (ends.size === 0) finish(true);
      }
    });
    const complete = await finished;
    if (failure !== undefined) throw failure;
    if (!complete) log.warn({ partitions: [...ends.keys()], idleMs }, 'read stopped before reaching the end offsets');
    return { records, complete };
  } finally {
    clearTimeout(idle);
    await consumer.stop().catch((error: unknown) => log.warn({ err: errorMessage(error) }, 'leaving the read group failed'));
    await kafka.deleteGroups([groupId]).catch(() => undefined); // it committed nothing; deletion is tidiness
  }
}
