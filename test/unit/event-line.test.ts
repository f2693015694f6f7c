import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunStatus, UsageEvent } from '../../schemas/index.js';
import { toDateTime64 } from '../../transforms/datetime.js';
import { eventLine } from '../../transforms/events.js';

/** The row object an event is stored as; its JSON.stringify is the line the engine must receive. */
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
  properties: JSON.stringify(e.properties),
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
