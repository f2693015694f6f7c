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
     PREWHERE identity IN (SELECT cityHash64${SAME_EVENT} FROM ${staged})
     WHERE ${SAME_EVENT} IN (SELECT account_id, product, event_id FROM ${staged})
       AND (account_id, product, event_id, toDate(timestamp)) NOT IN (SELECT account_id, product, event_id, toDate(timestamp) FROM ${staged}))`;

const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** 'YYYY-MM-DD ' of recent days: events of one batch fall on a few days. */
const dayTexts = new Map<number, string>();

/**
 * 'YYYY-MM-DD HH:MM:SS.mmm' as toDateTime64 writes it, without a Date per row: the day's text
 * is cached, the time of day is arithmetic.
 */
function dateTime64(ms: number): string {
  if (!Number.isInteger(ms)) return toDateTime64(ms);
  const day = Math.floor(ms / DAY_MS);
  let dayText = dayTexts.get(day);
  if (dayText === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    // Years outside 0000–9999 are written with a sign and six digits: the general path handles them.
    if (iso.length !== 24) return toDateTime64(ms);
    if (dayTexts.size >= 4096) dayTexts.clear();
    dayTexts.set(day, (dayText = `${iso.slice(0, 10)} `));
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${dayText}${PAD2[hours]!}:${PAD2[minutes]!}:${PAD2[seconds]!}.${PAD3[rest - seconds * 1000]!}`;
}

/**
 * One event as its JSONEachRow line: the bytes JSON.stringify of the row object would give, built
 * by concatenating the already validated strings (each escaped by JSON.stringify) in column order,
 * except `properties`, written as the JSON object itself: the engine reads an object into a String
 * column as its text (input_format_json_read_objects_as_strings, set by the insert), so the stored
 * text is JSON.stringify of the properties, escaped once instead of twice.
 * `source` is the JSON text of the source string.
 */
export function eventLine(e: UsageEvent, source: string): string {
  const q = JSON.stringify;
  return (
    `{"event_id":${q(e.eventId)},"account_id":${q(e.accountId)},"product":${q(e.product)},"user_id":${q(e.userId)},` +
    `"event":${q(e.event)},"timestamp":"${dateTime64(e.timestamp)}","feature":${q(e.feature)},"workflow":${q(e.workflow)},` +
    `"status":${q(e.status)},"properties":${q(e.properties)},"source":${source}}`
  );
}

/** The account-products of a batch, as two arrays of the same length (one query parameter each). */
export interface AccountProducts {
  accounts: string[];
  products: string[];
}

/** Size of the Buffers a batch's lines are written into. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * The accepted events of one batch as JSONEachRow bytes, each event serialised once when it is
 * added and written straight into a Buffer, so a batch waiting for its insert is a few Buffers
 * rather than thousands of objects the garbage collector copies again and again. Within the batch
 * the first copy of an event wins (`add` says false for a later one); against the store, the
 * insert statement drops events already stored (see `insertEventRows`). Rows keep the order they
 * were added in: row `i` is the i-th line of `body()`.
 */
export class EventRows {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(0);
  private used = 0;
  private rows = 0;
  // account → product → event ids: exact whatever characters the ids hold.
  private readonly seen = new Map<string, Map<string, Set<string>>>();
  private readonly sourceJson: string;

  constructor(source: string) {
    this.sourceJson = JSON.stringify(source);
  }

  get count(): number {
    return this.rows;
  }

  add(e: UsageEvent): boolean {
    let products = this.seen.get(e.accountId);
    if (products === undefined) this.seen.set(e.accountId, (products = new Map()));
    let ids = products.get(e.product);
    if (ids === undefined) products.set(e.product, (ids = new Set()));
    if (ids.has(e.eventId)) return false;
    ids.add(e.eventId);
    this.write(eventLine(e, this.sourceJson));
    this.rows++;
    return true;
  }

  /** The account-products of the rows. */
  accountProducts(): AccountProducts {
    const keys: AccountProducts = { accounts: [], products: [] };
    for (const [account, products] of this.seen) {
      for (const product of products.keys()) {
        keys.accounts.push(account);
        keys.products.push(product);
      }
    }
    return keys;
  }

  /** All rows, one line each, `\n`-terminated. */
  body(): Buffer {
    this.seal();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  private write(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8; the newline one more.
    const room = line.length * 3 + 1;
    if (this.chunk.length - this.used < room) {
      this.seal();
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
    }
    this.used += this.chunk.write(line, this.used, 'utf8');
    this.chunk[this.used++] = 0x0a;
  }

  private seal(): void {
    if (this.used === 0) return;
    this.chunks.push(this.chunk.subarray(0, this.used));
    this.chunk = this.chunk.subarray(this.used);
    this.used = 0;
  }
}

/**
 * Rows `from` to `to` (exclusive) of a body built by EventRows: lines never hold a raw newline
 * (JSON escapes it), so the row boundaries are the newlines.
 */
export function rowRange(body: Buffer, from: number, to: number): Buffer {
  let start = 0;
  for (let row = 0; row < from; row++) start = body.indexOf(0x0a, start) + 1;
  let end = start;
  for (let row = from; row < to; row++) end = body.indexOf(0x0a, end) + 1;
  return body.subarray(start, end);
}

/**
 * Account-products up to which a batch's probe reads only their granules. The events are sorted by
 * account-product first, so naming them skips the rest of the identity column: on 75.9M stored
 * events, 17–19 ms instead of 300 ms for 50 of them. A batch spanning many more touches most
 * granules anyway, and naming 18,000 cost about 10% more than reading the whole column.
 */
const PROBE_KEYS_MAX = 2000;

/** Inserts rows built by EventRows (`keys`: their account-products, or more); the statement drops events already stored on another day. */
export async function insertEventRows(store: Store, body: Buffer, keys: AccountProducts): Promise<void> {
  const named = keys.accounts.length <= PROBE_KEYS_MAX;
  await store.insertJsonLines('events', EVENT_COLUMNS, body, {
    // Most batches hold no event stored before: one read of the identity column says so, and the
    // insert then skips the lookup (which reads the stored rows again, key by key).
    probe: (staged) =>
      store.sql(
        `SELECT 1 FROM {db}.events PREWHERE identity IN (SELECT cityHash64${SAME_EVENT} FROM ${staged})
         ${named ? 'WHERE (account_id, product) IN arrayZip({probeAccounts:Array(String)}, {probeProducts:Array(String)})' : ''} LIMIT 1`,
      ),
    probeParams: named ? { probeAccounts: keys.accounts, probeProducts: keys.products } : {},
    probeColumns: ['account_id', 'product', 'event_id'],
    condition: (staged) => store.sql(notStoredYet(staged)),
  });
}

/** Inserts events (the first copy of each within `events`), serialised once. */
export async function insertEvents(store: Store, events: readonly UsageEvent[], source: string): Promise<void> {
  const rows = new EventRows(source);
  for (const e of events) rows.add(e);
  if (rows.count > 0) await insertEventRows(store, rows.body(), rows.accountProducts());
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
