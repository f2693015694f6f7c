import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastEvent } from '../../schemas/event-fast.js';
import { decodeJsonBytes, normaliseEvent, parseEventBytes, type ParseOptions, type StepResult, type UsageEvent } from '../../schemas/index.js';
import { jsonProblem, jsonTextWithinLimits, jsonWithinLimits, MAX_JSON_DEPTH } from '../../schemas/text.js';

/**
 * The fast path of event validation must accept and reject exactly what the zod schemas do and
 * normalise alike. The reference is the schemas alone (decodeJsonBytes, then normaliseEvent); the
 * candidate is parseEventBytes, which tries the fast path first. Results are compared as JSON text,
 * so the order of the kept `properties` keys (stored as text) counts too.
 */

const NOW = Date.UTC(2026, 2, 15, 12);
const MIN = Date.UTC(2000, 0, 1);
const SKEW = 86_400_000;
const optionsFor = (defaultProduct: string, maxBytes = 4096): ParseOptions => ({ maxBytes, maxFutureSkewMs: SKEW, minTimestampMs: MIN, defaultProduct, now: () => NOW });

const reference = (text: string, options: ParseOptions): StepResult<UsageEvent> => {
  const decoded = decodeJsonBytes(text, options.maxBytes);
  return decoded.kind === 'ok' ? normaliseEvent(decoded.value, options) : decoded;
};
const same = (text: string, options: ParseOptions) => {
  const expected = JSON.stringify(reference(text, options));
  expect(JSON.stringify(parseEventBytes(text, options)), text).toBe(expected);
  return JSON.parse(expected) as StepResult<UsageEvent>;
};

// Strings of every hostile class: padding, control characters, lone surrogates, lengths at and past 256.
const LONE = ['\ud800', '\udbff', '\udc00', '\udfff'];
const odd = fc.constantFrom(
  '',
  ' ',
  '\t',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u00a1',
  'é',
  '😀',
  ...LONE,
);
const piece = fc.oneof({ weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) }, { weight: 3, arbitrary: odd }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) });
const text = fc.oneof(
  { weight: 8, arbitrary: fc.array(piece, { maxLength: 4 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(255, 256, 257, 300).chain((n) => fc.constantFrom('x'.repeat(n), ` ${'x'.repeat(n - 2)} `, ` ${'x'.repeat(n)} `, `${'x'.repeat(n - 1)}\u0000`)) },
);
const id = fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^[a-z0-9._-]{1,16}$/) }, { weight: 4, arbitrary: text });
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant([]), fc.constant({}), fc.constant(['a']));
/** A field: usually a good id, sometimes hostile text, absent or another JSON type. */
const field = (good: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 10, arbitrary: good }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk });

const pad2 = (n: number) => String(n).padStart(2, '0');
/** Timestamps around the accepted range, in every form the schema reads, and impossible ones. */
const timestamp = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: MIN - 5 * 86_400_000, max: NOW + 3 * SKEW }).chain((ms) => {
      const iso = new Date(ms).toISOString();
      return fc.constantFrom<unknown>(
        iso,
        iso.replace(/\.\d{3}Z$/, 'Z'),
        iso.replace('T', ' '),
        iso.replace('Z', ''),
        iso.replace('Z', '+00:00'),
        iso.replace('Z', '-0130'),
        iso.replace(/\.(\d{3})Z$/, '.$1456789Z'),
        iso.replace(/\.(\d{3})Z$/, '.$1Z').replace(/\.(\d)\d\dZ$/, '.$1Z'),
        iso.slice(0, 10),
        `${iso.slice(0, 10)}Z`,
        iso.slice(0, 16),
        ms,
        ms + 0.5,
        String(ms),
      );
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ y: fc.constantFrom(99, 1999, 2000, 2024, 2025, 2026, 2100), mo: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }), h: fc.integer({ min: 0, max: 25 }), mi: fc.integer({ min: 0, max: 61 }), s: fc.integer({ min: 0, max: 61 }), ms: fc.integer({ min: 0, max: 999 }) })
      .map(({ y, mo, d, h, mi, s, ms }) => `${String(y).padStart(4, '0')}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${String(ms).padStart(3, '0')}Z`),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('2026-02-29T10:00:00Z', '2024-02-29T10:00:00Z', '2026-04-31T00:00:00.000Z', '2000-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2026-03-01T24:00:00Z', '２０２６-03-01T00:00:00Z', 1e300, -0, null, true, [], {}, undefined) },
  { weight: 1, arbitrary: text },
);
const label = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('crm', 'analytics', ' Succeeded ', 'FAILED', 'done', 'pending', '') }, { weight: 2, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: text });
const keys = fc.oneof(fc.constantFrom('account_id', 'product', 'feature', 'workflow', 'status', 'plan', '0', '10', '__proto__', 'groupId'), fc.string({ maxLength: 6 }));
const properties = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(keys, fc.oneof(label, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 6 }) },
  { weight: 1, arbitrary: junk },
);
/** Builds an object from entries, keeping `__proto__` as an own key (as JSON.parse does). */
const object = (entries: Array<[string, unknown]>) => Object.fromEntries(entries.filter(([, v]) => v !== undefined));
const withOwn = (base: Record<string, unknown>, extra: unknown) =>
  typeof extra === 'object' && extra !== null && !Array.isArray(extra) ? { ...base, ...extra } : base;

const nativeEvent = fc
  .record({
    event_id: field(id),
    account_id: field(id),
    user_id: field(id),
    event: field(id),
    timestamp,
    product: field(label),
    feature: field(label),
    workflow: field(label),
    status: field(label),
    properties: fc.option(properties, { nil: undefined }),
    type: fc.constantFrom(undefined, 'track'),
  })
  .map((r) => object(Object.entries(r)));

const segmentEvent = fc
  .record({
    type: fc.constantFrom<unknown>(undefined, 'track', 'track', 'identify', null, 5),
    messageId: field(id),
    userId: field(id),
    event: field(id),
    timestamp,
    context: fc.oneof(
      { weight: 6, arbitrary: fc.record({ groupId: field(id), library: fc.constant({ name: 'analytics.js' }) }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: junk },
    ),
    properties: fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.record({ account_id: field(id), product: field(label), feature: field(label), workflow: field(label), status: field(label) }, { requiredKeys: [] }), properties) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: junk },
    ),
  })
  .map((r) => {
    const props = Array.isArray(r.properties) && r.properties.length === 2 ? withOwn(object(Object.entries(r.properties[0] as object)), r.properties[1]) : r.properties;
    return object(Object.entries({ ...r, properties: props }));
  });

/** A valid event's text with a few characters replaced, inserted or removed. */
const mutated = fc
  .tuple(
    fc.oneof(nativeEvent, segmentEvent).map((v) => JSON.stringify(v)),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom('"', '{', '}', ',', ':', '\\', ' ', 'x', '0', '\\u0000', '\\ud800', 'null')), { minLength: 1, maxLength: 3 }),
  )
  .map(([json, edits]) => {
    let out = json;
    for (const [at, kind, what] of edits) {
      const i = at % (out.length + 1);
      out = kind === 'insert' ? out.slice(0, i) + what + out.slice(i) : kind === 'delete' ? out.slice(0, i) + out.slice(i + 1) : out.slice(0, i) + what + out.slice(i + 1);
    }
    return out;
  });

describe('event validation fast path', () => {
  it('gives the zod schemas’ result on generated native events, valid and hostile', () => {
    fc.assert(fc.property(nativeEvent, fc.constantFrom('', 'crm'), (value, product) => void same(JSON.stringify(value), optionsFor(product))), { numRuns: 4000 });
  });

  it('gives the zod schemas’ result on generated Segment track calls, valid and hostile', () => {
    fc.assert(fc.property(segmentEvent, fc.constantFrom('', 'crm'), (value, product) => void same(JSON.stringify(value), optionsFor(product))), { numRuns: 4000 });
  });

  it('gives the zod schemas’ result on mutated event text', () => {
    fc.assert(fc.property(mutated, (json) => void same(json, optionsFor('crm'))), { numRuns: 3000 });
  });

  it('gives the zod schemas’ result on any JSON value and on raw strings', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => void same(JSON.stringify(value), optionsFor('crm'))), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (raw) => void same(raw, optionsFor('crm'))), { numRuns: 1000 });
  });

  const good = {
    event_id: 'e-1',
    account_id: 'acme',
    user_id: 'u-1',
    event: 'deal_created',
    timestamp: '2026-03-01T09:30:00.250Z',
    product: 'crm',
    properties: { plan: 'pro' },
  };
  const track = { type: 'track', messageId: 'm-1', userId: 'u-1', event: 'Run', timestamp: Date.UTC(2026, 2, 1), context: { groupId: 'acme' }, properties: { product: 'crm', status: 'ok', plan: 'pro' } };

  it('agrees on each hostile class, and rejects them with the schemas’ reasons', () => {
    const hostile: Array<[string, unknown]> = [
      ['lone surrogate in an id', { ...good, user_id: 'u\ud800' }],
      ['lone surrogate in a property', { ...good, properties: { note: '\udc00x' } }],
      ['lone surrogate in a property key', { ...good, properties: { ['k\ud800']: 1 } }],
      ['NUL in an id', { ...good, account_id: 'ac\u0000me' }],
      ['C1 control in a label', { ...track, properties: { product: 'crm\u0085x' } }],
      ['id of 257 characters', { ...good, event_id: 'e'.repeat(257) }],
      ['empty id after trimming', { ...track, messageId: ' \u00a0 ' }],
      ['impossible date', { ...good, timestamp: '2026-02-30T00:00:00Z' }],
      ['not a leap year', { ...good, timestamp: '2026-02-29T10:00:00.000Z' }],
      ['31st of April', { ...track, timestamp: '2026-04-31T00:00:00Z' }],
      ['before the lower bound', { ...good, timestamp: '1999-12-31T23:59:59.999Z' }],
      ['past the future skew', { ...track, timestamp: NOW + SKEW + 1 }],
      ['fractional epoch', { ...track, timestamp: Date.UTC(2026, 2, 1) + 0.5 }],
      ['nested too deep', { ...good, properties: JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH) + '1' + '}'.repeat(MAX_JSON_DEPTH)) as unknown }],
      ['missing event_id', { ...good, event_id: undefined }],
      ['missing timestamp', { ...track, timestamp: undefined }],
      ['no account', { ...track, context: {} }],
      ['no product and no default', { ...good, product: undefined }],
      ['properties not an object', { ...good, properties: [1] }],
      ['identify call', { ...track, type: 'identify' }],
    ];
    for (const [what, value] of hostile) {
      const result = same(JSON.stringify(value), optionsFor(''));
      expect(result.kind, what).not.toBe('ok');
    }
    // Too deep for JSON.stringify: written as text.
    const tenThousand = `{"event_id":"e","account_id":"a","user_id":"u","event":"x","timestamp":1767225600000,"product":"crm","properties":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    expect(same(tenThousand, optionsFor('', 200_000))).toMatchObject({ kind: 'dead_letter', reason: 'too_deep' });
    expect(same('x'.repeat(5000), optionsFor('', 4096))).toMatchObject({ kind: 'dead_letter', reason: 'oversized' });
    expect(same(JSON.stringify({ ...good, properties: { blob: 'x'.repeat(5000) } }), optionsFor('', 4096))).toMatchObject({ reason: 'oversized' });
    // Nesting at the limit is accepted by both.
    const atLimit = JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH - 2) + '1' + '}'.repeat(MAX_JSON_DEPTH - 2)) as unknown;
    expect(same(JSON.stringify({ ...good, properties: { deep: atLimit } }), optionsFor(''))).toMatchObject({ kind: 'ok' });
  });

  it('is the path well-formed events take', () => {
    const options = optionsFor('');
    expect(fastEvent(good, options)).toEqual({
      eventId: 'e-1',
      accountId: 'acme',
      userId: 'u-1',
      event: 'deal_created',
      product: 'crm',
      feature: '',
      workflow: '',
      status: '',
      properties: { plan: 'pro' },
      timestamp: Date.UTC(2026, 2, 1, 9, 30, 0, 250),
    });
    expect(fastEvent(track, options)).toMatchObject({ eventId: 'm-1', accountId: 'acme', product: 'crm', status: 'success', properties: { plan: 'pro' } });
    for (const ts of ['2026-03-01T09:30:00Z', '2026-03-01 09:30:00+01:00', '2026-03-01', Date.UTC(2026, 2, 1)]) {
      expect(fastEvent({ ...good, timestamp: ts }, options), String(ts)).toBeDefined();
    }
    // Rejections and drops are left to the schemas, which word the reason.
    expect(fastEvent({ ...good, user_id: 'u\u0000' }, options)).toBeUndefined();
    expect(fastEvent({ ...track, type: 'identify' }, options)).toBeUndefined();
  });
});

describe('jsonWithinLimits', () => {
  const deep = (n: number, leaf: unknown = 1): unknown => {
    let v: unknown = leaf;
    for (let i = 0; i < n; i++) v = i % 2 === 0 ? { a: v } : [v];
    return v;
  };
  const loneText = fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom(...LONE)), { maxLength: 3 }).map((p) => p.join(''));
  const values = fc.oneof(
    fc.jsonValue({ maxDepth: 5 }),
    fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, loneText, fc.integer(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(loneText, tie('node'), { maxKeys: 3 })),
    })).node,
    fc.tuple(fc.integer({ min: MAX_JSON_DEPTH - 2, max: MAX_JSON_DEPTH + 2 }), fc.oneof(fc.constant<unknown>(1), fc.constant<unknown>({}), fc.constant<unknown>([]), fc.constant<unknown>('\ud800'))).map(([n, leaf]) => deep(n, leaf)),
  );

  it('says false exactly when jsonProblem finds a problem', () => {
    fc.assert(
      fc.property(values, (value) => {
        expect(jsonWithinLimits(value)).toBe(jsonProblem(value) === undefined);
      }),
      { numRuns: 3000 },
    );
    expect(jsonWithinLimits(deep(10_000))).toBe(false);
  });

  it('the text check says true only of values within the limits, and of most everyday ones', () => {
    // Lone surrogates as JSON.stringify writes them (escaped), or raw in a text given as a string.
    const raw = (text: string) => text.replace(/\\u(d[89a-f][0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    fc.assert(
      fc.property(values, fc.boolean(), (value, unescaped) => {
        const text = unescaped ? raw(JSON.stringify(value)) : JSON.stringify(value);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return; // an escaped backslash before "ud800" made the raw form invalid JSON
        }
        if (jsonTextWithinLimits(text, text.isWellFormed())) expect(jsonWithinLimits(parsed)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(jsonTextWithinLimits(JSON.stringify(deep(MAX_JSON_DEPTH)), true)).toBe(true);
    expect(jsonTextWithinLimits(JSON.stringify(deep(MAX_JSON_DEPTH + 1)), true)).toBe(false);
    expect(jsonTextWithinLimits('{"user_id":"u\\ud800"}', true)).toBe(false);
    expect(jsonTextWithinLimits('{"user_id":"u\ud800"}', '{"user_id":"u\ud800"}'.isWellFormed())).toBe(false);
    expect(jsonTextWithinLimits('{"a":{"b":[1,2]},"c":"é"}', true)).toBe(true);
  });
});
