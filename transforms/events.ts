import { createHash } from 'node:crypto';
import type { UsageEvent } from '../schemas/event.js';
import type { RejectionReason } from '../schemas/result.js';
import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';
import { keyedQueue } from './keyed-queue.js';

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
     PREWHERE identity IN (SELECT cityHash64${SAME_EVENT} FROM ${staged})
     WHERE ${SAME_EVENT} IN (SELECT account_id, product, event_id FROM ${staged})
       AND (account_id, product, event_id, toDate(timestamp)) NOT IN (SELECT account_id, product, event_id, toDate(timestamp) FROM ${staged}))`;

/** Size of the Buffers a batch's rows are written into. */
const CHUNK_BYTES = 1024 * 1024;
/** Most bytes a string's length prefix takes (a LEB128 varint of a length below 2^35). */
const LENGTH_BYTES = 5;
/** Strings this short need one byte of length prefix whatever they hold (3 bytes of UTF-8 per UTF-16 unit at most). */
const SHORT_STRING = 42;

/**
 * The accepted events of one batch in the engine's RowBinary format, in EVENT_COLUMNS order: each
 * string as its UTF-8 byte length (LEB128) and bytes, the timestamp as Int64 epoch milliseconds.
 * Nothing is escaped, and the engine parses no text: it copies the bytes into its columns, which
 * costs it less than reading the same rows as JSON, and writing them costs Node less than
 * serialising JSON. Each event is written into a Buffer when it is added, so a batch waiting for
 * its insert is a few Buffers rather than thousands of objects the garbage collector copies again
 * and again. `properties` is stored as the JSON text of the validated object.
 *
 * Within the batch the first copy of an event wins (`add` says false for a later one); against the
 * store, the insert statement drops events already stored (see `insertEventRows`). Rows keep the
 * order they were added in: `range(body, from, to)` is rows `from` to `to` of `body()`.
 */
export class EventRows {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(0);
  private used = 0;
  /** Bytes in sealed chunks. */
  private sealed = 0;
  /** End of each row in `body()`. */
  private readonly ends: number[] = [];
  // account → product → event ids: exact whatever characters the ids hold, and one lookup per
  // level whatever ids the senders reuse across accounts.
  private readonly seen = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly source: string) {}

  get count(): number {
    return this.ends.length;
  }

  add(e: UsageEvent): boolean {
    let products = this.seen.get(e.accountId);
    if (products === undefined) this.seen.set(e.accountId, (products = new Map()));
    let ids = products.get(e.product);
    if (ids === undefined) products.set(e.product, (ids = new Set()));
    if (ids.has(e.eventId)) return false;
    this.write(e);
    ids.add(e.eventId);
    return true;
  }

  /** All rows. */
  body(): Buffer {
    this.seal();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  /** Rows `from` to `to` (exclusive) of `body`, which `body()` returned. */
  range(body: Buffer, from: number, to: number): Buffer {
    return body.subarray(from === 0 ? 0 : this.ends[from - 1], this.ends[to - 1]);
  }

  private write(e: UsageEvent): void {
    const properties = JSON.stringify(e.properties);
    const units =
      e.eventId.length + e.accountId.length + e.product.length + e.userId.length + e.event.length +
      e.feature.length + e.workflow.length + e.status.length + properties.length + this.source.length;
    const room = 3 * units + 10 * LENGTH_BYTES + 8;
    if (this.chunk.length - this.used < room) {
      this.seal();
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
    }
    // A row is written whole or not at all: a value that cannot be written leaves no partial row.
    const start = this.used;
    try {
      this.fields(e, properties);
    } catch (error) {
      this.used = start;
      throw error;
    }
    this.ends.push(this.sealed + this.used);
  }

  private fields(e: UsageEvent, properties: string): void {
    this.string(e.eventId);
    this.string(e.accountId);
    this.string(e.product);
    this.string(e.userId);
    this.string(e.event);
    // Int64 little-endian in two halves (`>>> 0` is the low word of any integer within 2^53,
    // negative ones included); whole milliseconds, as a Date would keep.
    const ms = Math.trunc(e.timestamp);
    this.chunk.writeUInt32LE(ms >>> 0, this.used);
    this.chunk.writeInt32LE(Math.floor(ms / 0x1_0000_0000), this.used + 4);
    this.used += 8;
    this.string(e.feature);
    this.string(e.workflow);
    this.string(e.status);
    this.string(properties);
    this.string(this.source);
  }

  /** A string as RowBinary holds it: its UTF-8 length as a LEB128 varint, then its bytes. */
  private string(text: string): void {
    const chunk = this.chunk;
    if (text.length <= SHORT_STRING) {
      const bytes = chunk.write(text, this.used + 1);
      chunk[this.used] = bytes;
      this.used += 1 + bytes;
      return;
    }
    let length = Buffer.byteLength(text, 'utf8');
    let at = this.used;
    while (length >= 0x80) {
      chunk[at++] = (length & 0x7f) | 0x80;
      length = Math.floor(length / 0x80);
    }
    chunk[at++] = length;
    this.used = at + chunk.write(text, at);
  }

  private seal(): void {
    if (this.used === 0) return;
    this.chunks.push(this.chunk.subarray(0, this.used));
    this.sealed += this.used;
    this.chunk = this.chunk.subarray(this.used);
    this.used = 0;
  }
}

/**
 * Inserts rows built by EventRows; the statement drops events already stored on another day.
 * Most batches hold no event stored before: one read of the identity column says so, and the
 * insert then skips the lookup (which reads the stored rows again, key by key). The events are
 * sorted by account-product first, so naming the batch's account-products in the probe reads only
 * their granules of the identity column: on 75.9M stored events, about 25 ms instead of 320 ms for
 * a batch of 50 account-products, and no more than the whole column for one of 18,000.
 */
export function insertEventRows(store: Store, body: Buffer): Promise<void> {
  return eventInserts(store.client, () => insertProbed(store, body));
}

/**
 * The event inserts running through one engine (one client), one after the other: an insert's
 * probe has to see the rows of the insert before it, or a copy of an event in two batches inserted
 * at once (the Kafka consumer has two in flight), on different days, would be stored and counted
 * on both. Inserts from other processes (several consumers on a server) are not covered.
 */
const eventInserts = keyedQueue<object>();

async function insertProbed(store: Store, body: Buffer): Promise<void> {
  await store.insertBody('events', EVENT_COLUMNS, body, 'RowBinary', {
    probe: (staged) =>
      store.sql(
        `SELECT 1 FROM {db}.events PREWHERE identity IN (SELECT cityHash64${SAME_EVENT} FROM ${staged})
         WHERE (account_id, product) IN (SELECT account_id, product FROM ${staged}) LIMIT 1`,
      ),
    condition: (staged) => store.sql(notStoredYet(staged)),
  });
}

/** Inserts events (the first copy of each within `events`), serialised once. */
export async function insertEvents(store: Store, events: readonly UsageEvent[], source: string): Promise<void> {
  const rows = new EventRows(source);
  for (const e of events) rows.add(e);
  if (rows.count > 0) await insertEventRows(store, rows.body());
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
