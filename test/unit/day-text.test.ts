import { describe, expect, it } from 'vitest';
import { boundedInstantSchema, daySchema, instantMs, instantSchema, readInstant } from '../../schemas/day.js';
import { idSchema, jsonProblem, labelSchema, MAX_JSON_DEPTH, wellFormedString } from '../../schemas/text.js';

const issue = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) => r.error?.issues.map((i) => i.message).join('; ') ?? '';

/** A value nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('calendar days', () => {
  it.each(['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-1-01'])('refuses %s', (day) => {
    expect(daySchema.safeParse(day).success).toBe(false);
  });
  it.each(['2024-02-29', '2026-02-28', '2026-12-31', '2000-01-01'])('accepts %s', (day) => {
    expect(daySchema.safeParse(day).success).toBe(true);
  });
});

describe('instants', () => {
  it.each(['2026-02-30T10:00:00Z', '2026-02-29T00:00:00Z', '2026-04-31T23:59:59Z', '2026-03-01T24:00:00Z', '2026-03-01T10:60:00Z', '2026-03-01T10:00:60Z', '2026-03-01T10:00:00+25:00'])(
    'refuses the impossible %s instead of rolling it over',
    (text) => {
      expect(readInstant(text).ok).toBe(false);
      expect(instantSchema.safeParse(text).success).toBe(false);
    },
  );

  it('reads zones, fractions and bare days exactly', () => {
    expect(instantMs('2026-03-01T10:30:00+01:00')).toBe(Date.UTC(2026, 2, 1, 9, 30));
    expect(instantMs('2026-03-01T09:30:00.123456Z')).toBe(Date.UTC(2026, 2, 1, 9, 30, 0, 123));
    expect(instantMs('2026-03-01 09:30-0230')).toBe(Date.UTC(2026, 2, 1, 12, 0));
    expect(instantMs('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(instantMs('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
  });

  it('needs a zone on a date-time in the schema, but a reader may take UTC', () => {
    expect(issue(instantSchema.safeParse('2026-03-01T09:30:00'))).toMatch(/zone/);
    expect(readInstant('2026-03-01T09:30:00')).toEqual({ ok: true, ms: Date.UTC(2026, 2, 1, 9, 30) });
  });

  it('refuses instants before the lower bound (2000-01-01 by default, or the caller’s)', () => {
    expect(issue(instantSchema.safeParse('1999-12-31T23:59:59Z'))).toMatch(/before 2000-01-01/);
    expect(instantSchema.safeParse('2000-01-01T00:00:00Z').success).toBe(true);
    const since2020 = boundedInstantSchema({ minMs: Date.UTC(2020, 0, 1) });
    expect(issue(since2020.safeParse('2019-06-01T00:00:00Z'))).toMatch(/before 2020-01-01/);
  });

  it('refuses instants past the future skew', () => {
    const now = Date.UTC(2026, 2, 15, 12);
    const schema = boundedInstantSchema({ minMs: 0, maxFutureSkewMs: 3_600_000, now: () => now });
    expect(schema.safeParse('2026-03-15T13:00:00Z').success).toBe(true);
    expect(issue(schema.safeParse('2026-03-15T13:00:01Z'))).toMatch(/in the future/);
  });
});

describe('well-formed text and ids', () => {
  it('refuses lone surrogates, accepts paired ones', () => {
    expect(issue(wellFormedString('user_id').safeParse('u\ud800'))).toMatch(/user_id is not well-formed Unicode/);
    expect(wellFormedString('user_id').safeParse('u\udc00x').success).toBe(false);
    expect(wellFormedString('user_id').safeParse('u😀').success).toBe(true);
  });

  it('says missing for a missing field, not "must be a string"', () => {
    expect(issue(idSchema('account_id').safeParse(undefined))).toBe('account_id is missing');
    expect(issue(idSchema('account_id').safeParse(3))).toBe('account_id must be a string');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['escape', 'a\u001bb'],
    ['DEL', 'a\u007f'],
    ['C1', 'a\u0085b'],
  ])('refuses %s in ids', (_name, value) => {
    expect(issue(idSchema('event_id').safeParse(value))).toMatch(/event_id must not contain NUL or other control characters/);
  });

  it('limits ids to 256 characters and refuses empty ones', () => {
    expect(idSchema('event_id').safeParse('x'.repeat(256)).success).toBe(true);
    expect(issue(idSchema('event_id').safeParse('x'.repeat(257)))).toMatch(/at most 256/);
    expect(issue(idSchema('event_id').safeParse('  '))).toMatch(/must not be empty/);
  });

  it('labels may be empty or absent but obey the same character rules', () => {
    expect(labelSchema('feature').safeParse(undefined).success).toBe(true);
    expect(labelSchema('feature').safeParse('').success).toBe(true);
    expect(labelSchema('feature').safeParse('a\u0000').success).toBe(false);
    expect(labelSchema('feature').safeParse('\ud800').success).toBe(false);
  });
});

describe('JSON nesting and strings, checked without recursion', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, naming the place`, () => {
    expect(jsonProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    const deeper = jsonProblem(nested(MAX_JSON_DEPTH + 1));
    expect(deeper).toMatchObject({ kind: 'too_deep' });
    expect(deeper?.path.split('.')).toHaveLength(MAX_JSON_DEPTH);
  });

  it('handles 100,000 levels without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonProblem(deep)).toMatchObject({ kind: 'too_deep' });
  });

  it('finds lone surrogates in nested values and keys', () => {
    expect(jsonProblem({ properties: { list: ['ok', 'x\ud800'] } })).toMatchObject({ kind: 'ill_formed', path: 'properties.list.1' });
    expect(jsonProblem({ properties: { ['k\udfff']: 1 } })?.message).toMatch(/properties: a key is not well-formed/);
    expect(jsonProblem({ a: 'fine 😀', b: [1, null, true, { c: 'é' }] })).toBeUndefined();
  });
});
