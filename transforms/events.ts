import { createHash } from 'node:crypto';
import type { UsageEvent } from '../schemas/event.js';
import type { RejectionReason } from '../schemas/result.js';
import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';

/** Writes accepted events and rejections; the materialized views do the rest. */

const EVENT_COLUMNS = [
  'event_id',
  'account_id',
  'product',
  'user_id',
  'event',
  'timestamp',
  'feature',
  'workflow',
  'status',
  'properties',
  'source',
] as const;

/**
 * What makes two events the same event: the sender's id within an account and product.
 * A copy of a stored event is never counted again, whatever its timestamp: the first copy's
 * day wins (see `notStoredYet` for why a same-day copy is still inserted).
 */
const SAME_EVENT = '(account_id, product, event_id)';

/**
 * Drops rows whose event is stored already on another day; the engine looks the batch's keys up
 * in the sorting key. A copy for the same day goes through again on purpose: the raw table
 * collapses it and the daily distinct-value states absorb it, and it repairs the aggregates when
 * a process died after the raw insert and before the materialized views had written theirs.
 */
const notStoredYet = (staged: string) =>
  `${SAME_EVENT} NOT IN (SELECT account_id, product, event_id FROM {db}.events
     WHERE ${SAME_EVENT} IN (SELECT account_id, product, event_id FROM ${staged})
       AND (account_id, product, event_id, toDate(timestamp)) NOT IN (SELECT account_id, product, event_id, toDate(timestamp) FROM ${staged}))`;

/**
 * Each event becomes one JSONEachRow line, serialised once and handed to the engine
 * as bytes (`properties` is stored as JSON text, so it is a string inside the row).
 * Within the batch the first copy of an event wins; against the store, the insert
 * statement itself drops events already stored, so the materialized views (the daily
 * aggregates) see each event once.
 */
export async function insertEvents(store: Store, events: readonly UsageEvent[], source: string): Promise<void> {
  if (events.length === 0) return;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const e of events) {
    const key = JSON.stringify([e.accountId, e.product, e.eventId]);
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(
      JSON.stringify({
        event_id: e.eventId,
        account_id: e.accountId,
        product: e.product,
        user_id: e.userId,
        event: e.event,
        timestamp: toDateTime64(e.timestamp),
        feature: e.feature,
        workflow: e.workflow,
        status: e.status,
        properties: JSON.stringify(e.properties),
        source,
      }),
    );
  }
  await store.insertJsonLines('events', EVENT_COLUMNS, Buffer.from(lines.join('\n')), (staged) => store.sql(notStoredYet(staged)));
}

export interface Rejection {
  reason: RejectionReason;
  message: string;
  /** `kafka`, `file:<path>`, `stdin`, `replay`. */
  source: string;
  topic?: string;
  partition?: number;
  offset?: string;
  line?: number;
  payload: Uint8Array | string;
  rejectedAt?: number;
}

const EXCERPT_BYTES = 1024;

export async function insertRejections(store: Store, rejections: readonly Rejection[]): Promise<void> {
  await store.insert(
    'rejections',
    rejections.map((r) => {
      const bytes = typeof r.payload === 'string' ? Buffer.from(r.payload) : Buffer.from(r.payload);
      return {
        rejected_at: toDateTime64(r.rejectedAt ?? Date.now()),
        reason: r.reason,
        message: r.message,
        source: r.source,
        source_topic: r.topic ?? '',
        source_partition: r.partition ?? -1,
        source_offset: r.offset ?? '-1',
        line: r.line ?? 0,
        payload_bytes: bytes.byteLength,
        payload_sha256: createHash('sha256').update(bytes).digest('hex'),
        // Lossy on invalid UTF-8 by design: the excerpt is for reading, the DLQ keeps the bytes.
        payload_excerpt: bytes.subarray(0, EXCERPT_BYTES).toString('utf8'),
      };
    }),
  );
}

export interface RejectionCount {
  reason: RejectionReason;
  source: string;
  count: number;
  last_rejected_at: string;
}

export async function rejectionCounts(store: Store): Promise<RejectionCount[]> {
  const rows = await store.query<RejectionCount>(
    `SELECT reason, source, count() AS count, max(rejected_at) AS last_rejected_at
     FROM {db}.rejections FINAL
     GROUP BY reason, source
     ORDER BY count DESC`,
  );
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}
