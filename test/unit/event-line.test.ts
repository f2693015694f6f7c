import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunStatus, UsageEvent } from '../../schemas/index.js';
import { toDateTime64 } from '../../transforms/datetime.js';
import { eventLine, insertEvents } from '../../transforms/events.js';
import { createTestStore } from '../helpers/store.js';
import { parseEventBytes } from '../../schemas/event.js';
import { MAX_JSON_DEPTH } from '../../schemas/text.js';

/**
 * The row object an event is stored as; its JSON.stringify is the line the engine must receive.
 * `properties` is the object itself: the engine stores an object's text in the String column.
 */
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

const text = fc.string({ unit: 'binary', maxLength: 20 });
const usageEvent: fc.Arbitrary<UsageEvent> = fc.record({
  eventId: text,
  accountId: text,
  userId: text,
  event: fc.oneof(text, fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '\u2028')),
  // Years 0000 to 9999 and beyond, where toISOString switches to a signed six-digit year.
  timestamp: fc.oneof(
    fc.integer({ min: -62_167_219_200_000, max: Date.UTC(9999, 11, 31) }),
    fc.integer({ min: -8.64e15, max: 8.64e15 }),
    fc.double({ min: 0, max: 4e12, noNaN: true }),
  ),
  product: text,
  feature: text,
  workflow: text,
  status: fc.constantFrom<RunStatus>('success', 'failure', ''),
  properties: fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
});

describe('eventLine', () => {
  it('is byte for byte the JSON of the row object', () => {
    fc.assert(
      fc.property(usageEvent, fc.constantFrom('kafka', 'file:/tmp/a "b".ndjson', 'stdin'), (e, source) => {
        expect(eventLine(e, JSON.stringify(source))).toBe(JSON.stringify(row(e, source)));
      }),
      { numRuns: 3000 },
    );
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
    // More account-products than the probe names one by one.
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
    // Well-formed text only (validation refuses lone surrogates), every character class otherwise.
    const wellFormed = fc.string({ unit: 'grapheme', maxLength: 20 });
    const events = fc.sample(
      fc.record({
        eventId: fc.uuid(),
        accountId: fc.constantFrom('a', 'b "quoted"', 'ç\\d'),
        userId: wellFormed,
        event: fc.oneof(wellFormed, fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '\u2028')),
        timestamp: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
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
