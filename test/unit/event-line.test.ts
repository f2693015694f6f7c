import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunStatus, UsageEvent } from '../../schemas/index.js';
import { toDateTime64 } from '../../transforms/datetime.js';
import { EventRows, insertEvents } from '../../transforms/events.js';
import { createTestStore } from '../helpers/store.js';
import { parseEventBytes } from '../../schemas/event.js';
import { MAX_JSON_DEPTH } from '../../schemas/text.js';

/** The row an event is stored as, as the engine gives it back (`timestamp` as its text). */
const row = (e: UsageEvent, source: string) => ({
  event_id: e.eventId,
  account_id: e.accountId,
  product: e.product,
  user_id: e.userId,
  event: e.event,
  timestamp: toDateTime64(e.timestamp),
  feature: e.feature,
  workflow: e.workflow,
  status: e.status,
  properties: e.properties,
  source,
});

// Well-formed text only (validation refuses lone surrogates), every character class otherwise;
// some long enough to need a length prefix of several bytes.
const wellFormed = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'grapheme', minLength: 40, maxLength: 400 }));
const usageEvent: fc.Arbitrary<UsageEvent> = fc.record({
  eventId: wellFormed,
  accountId: wellFormed,
  userId: wellFormed,
  event: fc.oneof(wellFormed, fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '\u2028')),
  // Before 1970 (negative), at the edges of the 32-bit halves, and far out.
  timestamp: fc.oneof(
    fc.integer({ min: -8.64e15, max: 8.64e15 }),
    fc.constantFrom(-1, 0, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), Date.UTC(2026, 10, 1)),
    fc.double({ min: -4e12, max: 4e12, noNaN: true }),
  ),
  product: wellFormed,
  feature: wellFormed,
  workflow: wellFormed,
  status: fc.constantFrom<RunStatus>('success', 'failure', ''),
  properties: fc.dictionary(wellFormed, fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }), { maxKeys: 5 }),
});

/** RowBinary read back by the spec (LEB128 lengths, Int64 LE), independently of the writer. */
function readRow(bytes: Buffer): { strings: string[]; timestamp: number } {
  let at = 0;
  const string = () => {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    at += length;
    return bytes.toString('utf8', at - length, at);
  };
  const strings = [string(), string(), string(), string(), string()];
  const timestamp = Number(bytes.readBigInt64LE(at));
  at += 8;
  strings.push(string(), string(), string(), string(), string());
  expect(at).toBe(bytes.length);
  return { strings, timestamp };
}

describe('EventRows', () => {
  it('writes each event as its RowBinary row, in column order, and cuts the body at row boundaries', () => {
    fc.assert(
      fc.property(fc.array(usageEvent, { minLength: 1, maxLength: 20 }), fc.nat(), fc.nat(), (events, a, b) => {
        const rows = new EventRows('file:/tmp/a "b".ndjson');
        // Distinct ids: a later copy of an event is not written.
        events.forEach((e, i) => expect(rows.add({ ...e, eventId: `${i}:${e.eventId}` })).toBe(true));
        const body = rows.body();
        events.forEach((e, i) => {
          expect(readRow(rows.range(body, i, i + 1))).toEqual({
            strings: [`${i}:${e.eventId}`, e.accountId, e.product, e.userId, e.event, e.feature, e.workflow, e.status, JSON.stringify(e.properties), 'file:/tmp/a "b".ndjson'],
            timestamp: Math.trunc(e.timestamp) + 0, // -0 reads back as 0
          });
        });
        const from = a % events.length;
        const to = from + 1 + (b % (events.length - from));
        const singles = Array.from({ length: to - from }, (_, k) => rows.range(body, from + k, from + k + 1));
        expect(rows.range(body, from, to).equals(Buffer.concat(singles))).toBe(true);
        expect(rows.range(body, 0, events.length).equals(body)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the first copy of an event within its account and product, wherever its row lies', () => {
    const rows = new EventRows('test');
    const e: UsageEvent = { eventId: 'e1', accountId: 'a', userId: 'u', event: 'open', timestamp: 0, product: 'crm', feature: '', workflow: '', status: '', properties: {} };
    // Rows of 300 kB: each of the copies below lies in another Buffer of the batch.
    const big = { blob: 'x'.repeat(300_000) };
    const added = [
      rows.add({ ...e, properties: big }),
      rows.add({ ...e, timestamp: 86_400_000 }),
      rows.add({ ...e, product: 'analytics', properties: big }),
      rows.add({ ...e, accountId: 'b', properties: big }),
      rows.add({ ...e, eventId: 'e2', properties: big }),
      rows.add({ ...e, accountId: 'b', timestamp: 1 }),
      rows.add({ ...e, product: 'analytics', timestamp: 1 }),
      rows.add({ ...e, accountId: 'a\u0000crm', product: '' }),
      rows.add({ ...e, accountId: 'a\u0000crm', product: '', timestamp: 2 }),
    ];
    expect(added).toEqual([true, false, true, true, true, false, false, true, false]);
    expect(rows.count).toBe(5);
  });

  it('writes a row whole or not at all', () => {
    const rows = new EventRows('test');
    const e: UsageEvent = { eventId: 'e1', accountId: 'a', userId: 'u', event: 'open', timestamp: 0, product: 'crm', feature: 'f', workflow: 'w', status: '', properties: {} };
    // Not something validation lets through: a value the writer cannot write, half-way through the row.
    expect(rows.add({ ...e, eventId: 'e0' })).toBe(true);
    expect(() => rows.add({ ...e, workflow: 5 as unknown as string })).toThrow();
    expect(rows.add(e)).toBe(true);
    expect(rows.count).toBe(2);
    const body = rows.body();
    expect(readRow(rows.range(body, 0, 1)).strings[0]).toBe('e0');
    expect(readRow(rows.range(body, 1, 2)).strings).toEqual(['e1', 'a', 'crm', 'u', 'open', 'f', 'w', '', '{}', 'test']);
  });
});

describe('stored events', () => {
  it('store properties at the limits validation lets through: nested to MAX_JSON_DEPTH, 16 MiB (the largest MAX_EVENT_BYTES), escapes', async () => {
    const store = await createTestStore();
    let deep: Record<string, unknown> = { leaf: 'x"\\\u2028' };
    // The event object is level 1 and properties level 2: MAX_JSON_DEPTH levels in all.
    for (let depth = 2; depth < MAX_JSON_DEPTH; depth++) deep = { d: deep };
    // 'é"' is 4 bytes of JSON (é two, the escaped quote two): 16 MiB in all.
    const large = { blob: 'é"'.repeat(4 * 1024 * 1024 - 16) };
    const base = { accountId: 'a', userId: 'u', event: 'open', timestamp: Date.UTC(2026, 10, 1), product: 'crm', feature: '', workflow: '', status: '' } as const;
    // The deepest properties validation accepts, and one level more, refused.
    const line = (properties: unknown) => JSON.stringify({ event_id: 'e', account_id: 'a', user_id: 'u', event: 'open', timestamp: '2026-11-01T00:00:00Z', product: 'crm', properties });
    const parse = { maxBytes: 1 << 20, maxFutureSkewMs: 86_400_000, minTimestampMs: Date.UTC(2000, 0, 1), defaultProduct: '', now: () => Date.UTC(2026, 10, 2) };
    expect(parseEventBytes(line(deep), parse).kind).toBe('ok');
    expect(parseEventBytes(line({ d: deep }), parse)).toMatchObject({ kind: 'dead_letter', reason: 'too_deep' });
    const events: UsageEvent[] = [
      { ...base, eventId: 'deep', properties: deep },
      { ...base, eventId: 'large', properties: large },
    ];
    await insertEvents(store, events, 'test');
    const stored = await store.query<{ event_id: string; properties: string }>('SELECT event_id, properties FROM {db}.events ORDER BY event_id');
    expect(stored.map((r) => r.event_id)).toEqual(['deep', 'large']);
    expect(stored[0]!.properties).toBe(JSON.stringify(deep));
    expect(stored[1]!.properties === JSON.stringify(large)).toBe(true);
  });

  it('a batch spanning thousands of account-products finds its stored copies too', async () => {
    const store = await createTestStore();
    // Thousands of account-products, all named by the probe.
    const events = Array.from({ length: 2500 }, (_, i): UsageEvent => ({
      eventId: `e${i}`,
      accountId: `acct-${i}`,
      userId: 'u1',
      event: 'open',
      timestamp: Date.UTC(2026, 10, 1, 10),
      product: 'crm',
      feature: '',
      workflow: '',
      status: '',
      properties: {},
    }));
    await insertEvents(store, events, 'test');
    await insertEvents(store, events.map((e) => ({ ...e, timestamp: e.timestamp + 86_400_000 })), 'test');
    // Every event kept on its first copy's day, and counted once by the daily aggregate.
    const [row] = await store.query<{ n: number; days: string[] }>(
      'SELECT count() AS n, groupUniqArray(toString(toDate(timestamp))) AS days FROM {db}.events FINAL',
    );
    expect(row).toEqual({ n: 2500, days: ['2026-11-01'] });
    const [daily] = await store.query<{ days: string[] }>("SELECT groupUniqArray(toString(day)) AS days FROM {db}.daily_activity WHERE product = 'crm'");
    expect(daily).toEqual({ days: ['2026-11-01'] });
  });

  it('hold every field as validated, properties as the JSON text of the object, whatever months a batch spans', async () => {
    const store = await createTestStore();
    const events = fc.sample(
      fc.record({
        eventId: fc.uuid(),
        accountId: fc.constantFrom('a', 'b "quoted"', 'ç\\d'),
        userId: wellFormed,
        event: fc.oneof(wellFormed, fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '\u2028')),
        // The engine's DateTime64 holds 1900 to 2299.
        timestamp: fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 0, 1) }),
        product: fc.constantFrom('crm', 'analytics'),
        feature: wellFormed,
        workflow: wellFormed,
        status: fc.constantFrom<RunStatus>('success', 'failure', ''),
        properties: fc.dictionary(wellFormed, fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }), { maxKeys: 5 }),
      }),
      { numRuns: 400, seed: 7 },
    );
    await insertEvents(store, events, 'test');
    // Sent again a day later: every copy is found stored (the insert then takes its staged path) and dropped.
    await insertEvents(store, events.map((e) => ({ ...e, timestamp: e.timestamp + 86_400_000 })), 'test');
    const stored = await store.query<Record<string, string>>(
      'SELECT event_id, account_id, product, user_id, event, toString(timestamp) AS timestamp, feature, workflow, status, properties, source FROM {db}.events',
    );
    const byId = new Map(stored.map((r) => [r.event_id, r]));
    expect(byId.size).toBe(events.length);
    for (const e of events) {
      expect(byId.get(e.eventId)).toEqual({ ...row(e, 'test'), properties: JSON.stringify(e.properties) });
    }
  });
});
