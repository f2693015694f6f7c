import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DLQ_HEADERS,
  headerText,
  parseJsonRecord,
  readTopicToEnd,
  startJsonConsumer,
  type ConsumedRecord,
  type JsonConsumerHandle,
  type JsonRecord,
} from '../../ingest/index.js';
import {
  FAST_CONSUMER,
  brokersForTests,
  committedTotal,
  createTestKafka,
  createTestTopic,
  suffix,
  waitFor,
} from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';

const brokers = await brokersForTests();

const accountSchema = z.object({ account_id: z.string().min(1), seats: z.number().int().positive() });
type Account = z.output<typeof accountSchema>;

const running: JsonConsumerHandle[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
});

describe('parseJsonRecord: every rejection reason of the generic JSON consumer', () => {
  const record = (value: Buffer | null): ConsumedRecord => ({
    topic: 't',
    partition: 0,
    offset: '0',
    key: null,
    value,
    headers: {},
    rawHeaders: [],
    timestamp: '0',
  });
  it('accepts a valid record and names the reason and the field otherwise', () => {
    expect(parseJsonRecord(record(Buffer.from('{"account_id":"a","seats":2}')), accountSchema, 100)).toEqual({
      kind: 'ok',
      value: { account_id: 'a', seats: 2 },
    });
    expect(parseJsonRecord(record(null), accountSchema, 100)).toMatchObject({ kind: 'dead_letter', reason: 'invalid_json' });
    expect(parseJsonRecord(record(Buffer.from('{"x":"' + 'y'.repeat(200) + '"}')), accountSchema, 100)).toMatchObject({
      reason: 'oversized',
    });
    expect(parseJsonRecord(record(Buffer.from([0x22, 0xff, 0x22])), accountSchema, 100)).toMatchObject({ reason: 'invalid_utf8' });
    expect(parseJsonRecord(record(Buffer.from('{"account_id":')), accountSchema, 100)).toMatchObject({ reason: 'invalid_json' });
    const bad = parseJsonRecord(record(Buffer.from('{"account_id":"a","seats":-1}')), accountSchema, 100);
    expect(bad).toMatchObject({ kind: 'dead_letter', reason: 'schema_violation' });
    expect(bad.kind === 'dead_letter' && bad.message).toMatch(/^seats: /);
  });
});

describe.skipIf(!brokers)('generic JSON topic consumer and JSON publishing', () => {
  it('hands valid records to the handler, dead-letters invalid ones, and commits only after the handler succeeded', async () => {
    const t = await createTestKafka(brokers!);
    const topic = await createTestTopic(t.kafka, 'accounts');
    await t.kafka.sendMessages(topic, [
      { key: 'a1', value: JSON.stringify({ account_id: 'a1', seats: 10 }) },
      { key: 'a2', value: JSON.stringify({ account_id: 'a2', seats: 0 }) }, // schema violation
      { key: 'a3', value: '{"account_id":' }, // not JSON
      { key: 'a4', value: Buffer.from([0x7b, 0xff, 0x7d]) }, // not UTF-8
      { key: 'a5', value: JSON.stringify({ account_id: 'a5', seats: 3 }) },
    ]);

    const seen: JsonRecord<Account>[] = [];
    let failuresLeft = 3;
    const groupId = `t-json-${suffix()}`;
    const consumer = startJsonConsumer({
      kafka: t.kafka,
      groupId,
      topics: [topic],
      schema: accountSchema,
      dlqTopic: t.dlqTopic,
      logger: testLogger,
      retryInitialMs: 300,
      retryMaxMs: 300,
      consumer: FAST_CONSUMER,
      handle: async (records) => {
        if (failuresLeft-- > 0) throw new Error('downstream not ready');
        seen.push(...records);
      },
    });
    running.push(consumer);
    await consumer.ready;
    await waitFor('the handler to have failed', () => failuresLeft < 3);
    expect(await committedTotal(t.kafka, groupId, topic)).toBe(0n);
    await waitFor('offsets committed', async () => (await committedTotal(t.kafka, groupId, topic)) === 5n);
    expect(seen.map((r) => [r.key, r.value])).toEqual([
      ['a1', { account_id: 'a1', seats: 10 }],
      ['a5', { account_id: 'a5', seats: 3 }],
    ]);

    const dlq: ConsumedRecord[] = [];
    await readTopicToEnd(t.kafka, t.dlqTopic, async (records) => void dlq.push(...records), { logger: testLogger, consumer: FAST_CONSUMER });
    expect(dlq.map((r) => [r.key?.toString(), headerText(r, DLQ_HEADERS.reason)])).toEqual([
      ['a2', 'schema_violation'],
      ['a3', 'invalid_json'],
      ['a4', 'invalid_utf8'],
    ]);
    expect(dlq[2]!.value).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(headerText(dlq[0]!, DLQ_HEADERS.message)).toMatch(/seats/);
  });

  it('publishJson sends one keyed JSON message with headers, and keeps one key on one partition', async () => {
    const t = await createTestKafka(brokers!);
    const topic = await createTestTopic(t.kafka, 'flags', 3);
    for (let i = 0; i < 5; i++) {
      await t.kafka.publishJson(topic, 'acme', { flag: 'low_active_ratio', transition: 'opened', seq: i }, { 'content-type': 'application/json' });
    }
    const records: ConsumedRecord[] = [];
    await readTopicToEnd(t.kafka, topic, async (batch) => void records.push(...batch), { logger: testLogger, consumer: FAST_CONSUMER });
    expect(records).toHaveLength(5);
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    expect(records.map((r) => (JSON.parse(r.value!.toString()) as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
    expect(records.every((r) => r.key?.toString() === 'acme' && headerText(r, 'content-type') === 'application/json')).toBe(true);
  });
});
