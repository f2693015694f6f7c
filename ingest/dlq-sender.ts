import type { Logger } from 'pino';
import { errorMessage } from '../schemas/errors.js';
import type { Rejection } from '../transforms/index.js';
import type { KafkaClient, OutgoingMessage } from './kafka-client.js';
import { canRetry, retryWithBackoff, type RetryOptions } from './retry.js';

/** A dead-letter copy and the rejection row written for the same input. */
export interface DeadLetterCopy {
  message: OutgoingMessage;
  rejection: Rejection;
}

/** The broker's default `max.message.bytes`, assumed when a topic's own cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

// Record-batch and per-record framing the estimate below leaves out, with room to spare.
const BATCH_OVERHEAD = 1024;
const RECORD_OVERHEAD = 64;

const bytesOf = (v: string | Buffer | null | undefined) => (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength);

/** Bytes one copy adds to a produce request, a little over. */
export function copyBytes(m: OutgoingMessage): number {
  let size = RECORD_OVERHEAD + bytesOf(m.key) + bytesOf(m.value);
  for (const h of m.rawHeaders ?? []) size += h.name.byteLength + h.value.byteLength + 8;
  for (const [name, value] of Object.entries(m.headers ?? {})) size += Buffer.byteLength(name) + bytesOf(value) + 8;
  return size;
}

/**
 * Produces dead-letter copies so that every one either reaches the topic or is accounted for:
 * requests are cut to stay under the topic's `max.message.bytes` (the broker checks each
 * partition's record batch against it, and answers MESSAGE_TOO_LARGE, which no retry cures); a
 * copy that cannot fit whole is not produced, and its rejection row (the full reason and the
 * payload cut to 1 KiB) says so and is logged. Retryable errors are retried until `keepGoing`
 * says stop; a request the broker refuses for good is split until the refused copy is alone.
 */
export async function sendDeadLetters(
  kafka: KafkaClient,
  topic: string,
  copies: readonly DeadLetterCopy[],
  options: { maxMessageBytes: number; retry: RetryOptions; logger: Logger },
): Promise<{ produced: number; tooLarge: number }> {
  const budget = options.maxMessageBytes - BATCH_OVERHEAD;
  let tooLarge = 0;
  let produced = 0;
  const notProduced = (copy: DeadLetterCopy, size: number, why: string) => {
    tooLarge++;
    copy.rejection.message += ` [dead-letter copy not produced: ${why}; this row keeps the reason and the first 1 KiB of the ${size}-byte payload (truncated)]`;
    options.logger.warn(
      { topic: copy.rejection.topic, partition: copy.rejection.partition, offset: copy.rejection.offset, bytes: size, dlqTopic: topic, why },
      'dead-letter copy does not fit the topic: recorded in rejections, payload truncated',
    );
  };
  // Requests of whole copies, each under the budget.
  const requests: DeadLetterCopy[][] = [];
  let current: DeadLetterCopy[] = [];
  let currentBytes = 0;
  for (const copy of copies) {
    const size = copyBytes(copy.message);
    if (size > budget) {
      notProduced(copy, size, `${size} bytes exceed the max.message.bytes of ${topic} (${options.maxMessageBytes})`);
      continue;
    }
    if (currentBytes + size > budget && current.length > 0) {
      requests.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(copy);
    currentBytes += size;
  }
  if (current.length > 0) requests.push(current);

  while (requests.length > 0) {
    const request = requests.shift()!;
    try {
      await retryWithBackoff(() => kafka.sendMessages(topic, request.map((c) => c.message)), options.retry);
      produced += request.length;
    } catch (error) {
      if (canRetry(error)) throw error; // shutdown gave up: nothing is committed, all is read again
      if (request.length === 1) {
        notProduced(request[0]!, copyBytes(request[0]!.message), `the broker refused it: ${errorMessage(error)}`);
      } else {
        const mid = Math.floor(request.length / 2);
        requests.unshift(request.slice(0, mid), request.slice(mid));
      }
    }
  }
  return { produced, tooLarge };
}
