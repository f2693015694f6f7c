import { describe, expect, it } from 'vitest';
import { eventJsonSchema, parseEventBytes, type ParseOptions, type StepResult, type UsageEvent } from '../../schemas/index.js';

const NOW = Date.UTC(2026, 2, 15, 12);
const opts: ParseOptions = { maxBytes: 2048, maxFutureSkewMs: 86_400_000, defaultProduct: '', now: () => NOW };
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

describe('rejections name the input and the reason', () => {
  it.each([
    ['not JSON', '{"event_id": ', 'invalid_json', /not JSON/],
    ['not an object', '[1,2]', 'schema_violation', /JSON object/],
    ['missing fields', { event_id: 'x' }, 'schema_violation', /account_id/],
    ['empty id', { ...native, user_id: '  ' }, 'schema_violation', /user_id must not be empty/],
    ['bad timestamp text', { ...native, timestamp: 'yesterday' }, 'schema_violation', /ISO-8601/],
    ['impossible date', { ...native, timestamp: '2026-02-31T99:00:00Z' }, 'schema_violation', /not a valid date/],
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
