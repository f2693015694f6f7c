import type { RejectionReason } from '../schemas/result.js';
import type { ConsumedRecord, OutgoingMessage } from './kafka-client.js';

/**
 * The dead-letter topic's message format: the original value bytes and key,
 * the original headers (values byte for byte, repeats kept), and these headers
 * describing the rejection. The README documents the names; they are part of
 * the service's interface.
 */
export const DLQ_HEADERS = {
  /** Rejection reason code, e.g. `schema_violation` (see REJECTION_REASONS). */
  reason: 'x-dlq-reason',
  /** Human-readable detail: which field, what was wrong. */
  message: 'x-dlq-message',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  /** Timestamp of the original message (epoch ms). */
  sourceTimestamp: 'x-dlq-source-timestamp',
  /** When the message was rejected (ISO-8601, UTC). */
  rejectedAt: 'x-dlq-rejected-at',
} as const;

const OWN_HEADERS = new Set<string>(Object.values(DLQ_HEADERS));

// Header values are small by convention; a schema message listing many issues is cut.
const MAX_HEADER_MESSAGE = 1000;

/** The dead-letter copy of a rejected record. */
export function dlqMessage(record: ConsumedRecord, reason: RejectionReason, message: string, now = Date.now()): OutgoingMessage {
  return {
    key: record.key,
    value: record.value,
    // Ours describe this rejection: an original of the same name (a replayed copy's) is left out.
    rawHeaders: record.rawHeaders.filter((h) => !OWN_HEADERS.has(h.name.toString('utf8'))),
    headers: {
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.message]: message.length > MAX_HEADER_MESSAGE ? `${message.slice(0, MAX_HEADER_MESSAGE)}…` : message,
      [DLQ_HEADERS.sourceTopic]: record.topic,
      [DLQ_HEADERS.sourcePartition]: String(record.partition),
      [DLQ_HEADERS.sourceOffset]: record.offset,
      [DLQ_HEADERS.sourceTimestamp]: record.timestamp,
      [DLQ_HEADERS.rejectedAt]: new Date(now).toISOString(),
    },
  };
}
