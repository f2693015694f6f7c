import { describe, expect, it } from 'vitest';
import { eventJsonSchema, parseEventBytes, type ParseOptions, type StepResult, type UsageEvent } from '../../schemas/index.js';

const NOW = Date.UTC(2026, 2, 15, 12);
const opts: ParseOptions = { maxBytes: 2048, maxFutureSkewMs: 86_400_000, minTimestampMs: Date.UTC(2000, 0, 1), defaultProduct: '', now: () => NOW };
const parse = (v: unknown, o: Partial<ParseOptions> = {}) =>
  parseEventBytes(typeof v === 'string' ? v : JSON.stringify(v), { ...opts, ...o });
const accepted = (r: StepResult<UsageEvent>): UsageEvent => {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.value;
};

const native = {
  event_id: 'e-1',
  account_id: 'acme',
  user_id: 'u-1',
  event: 'deal_created',
  timestamp: '2026-03-01T09:30:00Z',
  product: 'crm',
  feature: 'pipeline',
  workflow: 'close_deal',
  status: 'Succeeded',
  properties: { amount: 3 },
};

describe('native events', () => {
  it('accepts the full native form and normalises it', () => {
    expect(accepted(parse(native))).toEqual({
      eventId: 'e-1',
      accountId: 'acme',
      userId: 'u-1',
      event: 'deal_created',
      timestamp: Date.UTC(2026, 2, 1, 9, 30),
      product: 'crm',
      feature: 'pipeline',
      workflow: 'close_deal',
      status: 'success',
      properties: { amount: 3 },
    });
  });

  it('accepts epoch milliseconds, offsets and zone-less ISO (read as UTC)', () => {
    expect(accepted(parse({ ...native, timestamp: Date.UTC(2026, 0, 2) })).timestamp).toBe(Date.UTC(2026, 0, 2));
    expect(accepted(parse({ ...native, timestamp: '2026-03-01T10:30:00+01:00' })).timestamp).toBe(Date.UTC(2026, 2, 1, 9, 30));
    expect(accepted(parse({ ...native, timestamp: '2026-03-01 09:30:00' })).timestamp).toBe(Date.UTC(2026, 2, 1, 9, 30));
    expect(accepted(parse({ ...native, timestamp: '2026-03-01' })).timestamp).toBe(Date.UTC(2026, 2, 1));
  });

  it('fills optional fields and uses the default product', () => {
    const { product: _p, feature: _f, workflow: _w, status: _s, properties: _x, ...minimal } = native;
    const e = accepted(parse(minimal, { defaultProduct: 'crm' }));
    expect(e).toMatchObject({ product: 'crm', feature: '', workflow: '', status: '', properties: {} });
  });

  it('maps failure words to failure and unknown statuses to empty', () => {
    expect(accepted(parse({ ...native, status: 'FAILED' })).status).toBe('failure');
    expect(accepted(parse({ ...native, status: 'pending' })).status).toBe('');
  });
});

describe('Segment track calls', () => {
  const track = {
    type: 'track',
    messageId: 'm-1',
    userId: 'u-9',
    event: 'Report Viewed',
    timestamp: '2026-03-02T08:00:00.123Z',
    context: { groupId: 'globex' },
    properties: { product: 'analytics', feature: 'dashboards', workflow: 'export', status: 'error', color: 'red' },
  };

  it('maps messageId, userId, context.groupId and properties.* to the native fields', () => {
    expect(accepted(parse(track))).toEqual({
      eventId: 'm-1',
      accountId: 'globex',
      userId: 'u-9',
      event: 'Report Viewed',
      timestamp: Date.UTC(2026, 2, 2, 8, 0, 0, 123),
      product: 'analytics',
      feature: 'dashboards',
      workflow: 'export',
      status: 'failure',
      properties: { color: 'red' },
    });
  });

  it('takes the account from properties.account_id when there is no group', () => {
    const { context: _c, ...noContext } = track;
    expect(accepted(parse({ ...noContext, properties: { ...track.properties, account_id: 'initech' } })).accountId).toBe('initech');
  });

  it('drops non-track calls with a reason', () => {
    expect(parse({ ...track, type: 'identify' })).toMatchObject({ kind: 'drop', reason: 'not_a_track_call' });
  });

  it('rejects a track call without an account', () => {
    const { context: _c, ...noContext } = track;
    const r = parse(noContext);
    expect(r).toMatchObject({ kind: 'dead_letter', reason: 'schema_violation' });
    expect(r.kind === 'dead_letter' && r.message).toMatch(/context\.groupId or properties\.account_id/);
  });
});

function deep(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe('rejections name the input and the reason', () => {
  it.each([
    ['not JSON', '{"event_id": ', 'invalid_json', /not JSON/],
    ['not an object', '[1,2]', 'schema_violation', /JSON object/],
    ['missing fields', { event_id: 'x' }, 'schema_violation', /account_id/],
    ['empty id', { ...native, user_id: '  ' }, 'schema_violation', /user_id must not be empty/],
    ['bad timestamp text', { ...native, timestamp: 'yesterday' }, 'schema_violation', /ISO-8601/],
    ['impossible date', { ...native, timestamp: '2026-02-31T99:00:00Z' }, 'schema_violation', /2026-02-31 is not a real calendar day/],
    ['February 30th', { ...native, timestamp: '2026-02-30T10:00:00Z' }, 'schema_violation', /timestamp .*not a real calendar day/],
    ['February 29th of a common year', { ...native, timestamp: '2026-02-29' }, 'schema_violation', /not a real calendar day/],
    ['April 31st', { ...native, timestamp: '2026-04-31 08:00:00' }, 'schema_violation', /not a real calendar day/],
    ['before 2000', { ...native, timestamp: '1999-12-31T23:59:59Z' }, 'timestamp_out_of_range', /before 2000-01-01/],
    ['missing field reported as missing', { ...native, user_id: undefined }, 'schema_violation', /^user_id is missing$/],
    ['missing timestamp', { ...native, timestamp: undefined }, 'schema_violation', /^timestamp is missing$/],
    ['lone surrogate in an id', { ...native, user_id: 'u\ud800' }, 'schema_violation', /user_id: not well-formed Unicode/],
    ['lone surrogate in properties', { ...native, properties: { note: '\udc00' } }, 'schema_violation', /properties\.note: not well-formed/],
    ['NUL in an id', { ...native, account_id: 'ac\u0000me' }, 'schema_violation', /account_id must not contain NUL/],
    ['control character in a label', { ...native, feature: 'a\u0007' }, 'schema_violation', /feature must not contain/],
    ['deep nesting', { ...native, properties: deep(70) }, 'too_deep', /nests deeper than 64 levels/],
    ['no product and no default', { ...native, product: undefined }, 'schema_violation', /product is missing and no default product/],
    ['fractional epoch', { ...native, timestamp: 1.5 }, 'schema_violation', /integer milliseconds|ISO-8601/],
    ['epoch seconds', { ...native, timestamp: 1_767_225_600 }, 'timestamp_out_of_range', /epoch seconds/],
    ['future', { ...native, timestamp: NOW + 2 * 86_400_000 }, 'future_timestamp', /in the future/],
    ['properties not an object', { ...native, properties: 'x' }, 'schema_violation', /properties/],
    ['overlong id', { ...native, event_id: 'x'.repeat(300) }, 'schema_violation', /at most 256/],
  ])('%s', (_name, input, reason, message) => {
    const r = parse(input);
    expect(r.kind).toBe('dead_letter');
    if (r.kind === 'dead_letter') {
      expect(r.reason).toBe(reason);
      expect(r.message).toMatch(message);
    }
  });

  it('oversized messages', () => {
    const r = parse({ ...native, properties: { blob: 'x'.repeat(5000) } });
    expect(r).toMatchObject({ kind: 'dead_letter', reason: 'oversized' });
  });

  it('invalid UTF-8 bytes', () => {
    const bytes = Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(parseEventBytes(bytes, opts)).toMatchObject({ kind: 'dead_letter', reason: 'invalid_utf8' });
  });

  it('refuses a 10,000-deep value without overflowing the stack', () => {
    const text = `{"event_id":"e","account_id":"a","user_id":"u","event":"x","timestamp":"2026-03-01","product":"crm","properties":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(parse(text, { maxBytes: 100_000 })).toMatchObject({ kind: 'dead_letter', reason: 'too_deep' });
  });

  it('refuses a lone surrogate sent as a JSON escape, in the Segment form too', () => {
    const track = { messageId: 'm', userId: 'u', event: 'x', timestamp: '2026-03-01T00:00:00Z', context: { groupId: 'g' }, properties: { product: 'crm' } };
    expect(accepted(parse(track)).accountId).toBe('g');
    const r = parse(JSON.stringify(track).replace('"u"', '"u\\ud800"'));
    expect(r).toMatchObject({ kind: 'dead_letter', reason: 'schema_violation' });
    expect(r.kind === 'dead_letter' && r.message).toMatch(/userId: not well-formed Unicode/);
    expect(parse({ ...track, messageId: 'm\u0001' })).toMatchObject({ kind: 'dead_letter', reason: 'schema_violation' });
    expect(parse({ ...track, timestamp: '2026-02-30T00:00:00Z' })).toMatchObject({ kind: 'dead_letter', reason: 'schema_violation' });
    const { product: _p, ...noProduct } = track.properties;
    expect(parse({ ...track, properties: noProduct })).toMatchObject({ kind: 'dead_letter', message: expect.stringMatching(/product is missing/) });
    expect(accepted(parse({ ...track, properties: noProduct }, { defaultProduct: 'crm' })).product).toBe('crm');
  });

  it('reads the lower bound from the options', () => {
    expect(parse({ ...native, timestamp: '2010-05-01T00:00:00Z' }, { minTimestampMs: Date.UTC(2020, 0, 1) })).toMatchObject({
      kind: 'dead_letter',
      reason: 'timestamp_out_of_range',
    });
  });

  it('accepts a timestamp just inside the future skew', () => {
    expect(parse({ ...native, timestamp: NOW + 86_400_000 - 1 }).kind).toBe('ok');
  });
});

describe('published JSON Schema', () => {
  it('describes both input forms with their required fields', () => {
    const schema = eventJsonSchema() as { anyOf: Array<{ required: string[]; properties: Record<string, unknown> }> };
    expect(schema.anyOf).toHaveLength(2);
    expect(schema.anyOf[0]!.required).toEqual(expect.arrayContaining(['event_id', 'account_id', 'user_id', 'event', 'timestamp']));
    expect(schema.anyOf[1]!.required).toEqual(expect.arrayContaining(['messageId', 'userId', 'event', 'timestamp']));
  });
});
