import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, headerText, startEventConsumer, type DlqFileEntry, type EventConsumerHandle } from '../../ingest/index.js';
import { eventParseOptions } from '../../ingest/index.js';
import { dailyActiveUsers, eventCount, type Store } from '../../transforms/index.js';
import { runCli, lastJson, probeStore, spawnCli, tempDataDir } from '../helpers/cli.js';
import {
  FAST_CONSUMER,
  brokersForTests,
  consumeEnv,
  createTestKafka,
  expectedDailyActive,
  generateMessages,
  readDeadLetters,
  waitFor,
  type GeneratedMessage,
  type TestKafka,
  TEST_INGEST,
} from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';
import { refusingStore } from '../helpers/refusing-store.js';
import { createTestStore } from '../helpers/store.js';

const brokers = await brokersForTests();
const WIDE = { from: '2000-01-01', to: '2100-01-01' };
// The default message limit, so nesting (not size) is what refuses the deep value.
const INGEST = { ...TEST_INGEST, maxEventBytes: 65_536, batchMaxRows: 200 };
const PARSE = eventParseOptions(INGEST, '');

const running: EventConsumerHandle[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
});

interface Poison {
  name: string;
  value: Buffer | null;
  reason: string;
  /** Larger than the DLQ topic accepts: recorded in `rejections`, truncated. */
  tooLarge?: boolean;
  headers?: Array<{ name: Buffer; value: Buffer }>;
}

const today = new Date().toISOString().slice(0, 10);
const event = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, account_id: 'acc-p', user_id: 'u-p', event: 'open', timestamp: `${today}T00:00:00Z`, product: 'crm', ...extra });

function poisons(): Poison[] {
  const list: Poison[] = [
    { name: 'lone surrogate', value: Buffer.from(event('p-surrogate').replace('"u-p"', '"u\\ud800"')), reason: 'schema_violation' },
    { name: '10,000-deep object', value: Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`), reason: 'too_deep' },
    { name: 'deep properties', value: Buffer.from(event('p-deep', {}).replace('"product":"crm"', `"product":"crm","properties":${'['.repeat(4_500)}${']'.repeat(4_500)}`)), reason: 'too_deep' },
    { name: '2 MB value', value: Buffer.from(event('p-big', { properties: { blob: 'x'.repeat(2 * 1024 * 1024) } })), reason: 'oversized', tooLarge: true },
    { name: 'tombstone', value: null, reason: 'invalid_json' },
    { name: 'invalid UTF-8', value: Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), reason: 'invalid_utf8' },
    { name: 'February 30th', value: Buffer.from(event('p-feb30', { timestamp: '2026-02-30T10:00:00Z' })), reason: 'schema_violation' },
    { name: 'April 31st', value: Buffer.from(event('p-apr31', { timestamp: '2026-04-31' })), reason: 'schema_violation' },
    { name: 'NUL in an id', value: Buffer.from(event('p-nul', { account_id: 'a\u0000b' })), reason: 'schema_violation' },
    { name: 'no product', value: Buffer.from(event('p-noproduct', { product: undefined })), reason: 'schema_violation' },
    { name: 'before 2000', value: Buffer.from(event('p-1999', { timestamp: '1999-12-31T00:00:00Z' })), reason: 'timestamp_out_of_range' },
    {
      name: 'repeated headers and a non-ASCII header name',
      value: Buffer.from('{"not":"an event"'),
      reason: 'invalid_json',
      headers: [
        { name: Buffer.from('trace'), value: Buffer.from('one') },
        { name: Buffer.from('trace'), value: Buffer.from('two') },
        { name: Buffer.from('trace-é'), value: Buffer.from([0x00, 0xff, 0x01]) },
      ],
    },
  ];
  for (let i = 0; i < 20; i++) {
    list.push({ name: `100 KB #${i}`, value: Buffer.from(event(`p-100k-${i}`, { properties: { blob: 'y'.repeat(100 * 1024) } })), reason: 'oversized' });
  }
  return list;
}

async function lagByPartition(t: TestKafka): Promise<number[]> {
  const [ends, committed] = await Promise.all([t.kafka.topicOffsets(t.topic), t.kafka.groupOffsets(t.config.groupId, t.topic)]);
  const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  return ends.map((p) => Number(BigInt(p.high) - (done.get(p.partition) ?? 0n)));
}

const sorted = async (store: Store) =>
  (await dailyActiveUsers(store, WIDE)).sort((a, b) => (a.account_id + a.product + a.day < b.account_id + b.product + b.day ? -1 : 1));

describe.skipIf(!brokers)('poison messages on a real broker', () => {
  it('stores every valid message once, dead-letters every poison one, and drains every partition', async () => {
    const t = await createTestKafka(brokers!, { partitions: 3 });
    // The events topic takes 3 MB messages; the DLQ keeps the broker default (1 MB).
    await t.kafka.deleteTopics([t.topic]);
    await waitFor('topic deleted', async () => !(await t.kafka.listTopics()).includes(t.topic));
    await t.kafka.ensureTopics([{ topic: t.topic, partitions: 3, config: { 'max.message.bytes': String(3 * 1024 * 1024) } }]);

    const valid: GeneratedMessage[] = generateMessages(600, { seed: 71 }).filter((m) => m.event || m.dropped);
    const refused = { key: 'acc-r', value: Buffer.from(event('refuse-me')) };
    const bad = poisons();
    // Poison spread over every partition, between valid messages.
    for (let i = 0; i < valid.length; i += 60) {
      const p = (i / 60) % 3;
      await t.kafka.sendMessages(t.topic, valid.slice(i, i + 60).map((m) => ({ key: m.key, value: m.value, partition: p })));
      const some = bad.filter((_, j) => j % 10 === i / 60);
      for (const x of some) await t.kafka.sendMessages(t.topic, [{ key: x.name, value: x.value, rawHeaders: x.headers, partition: (p + 1) % 3 }]);
    }
    await t.kafka.sendMessages(t.topic, [{ ...refused, partition: 2 }]);

    const store = refusingStore(await createTestStore(), 'refuse-me');
    const consumer = startEventConsumer({ kafka: t.kafka, store, config: INGEST, parse: PARSE, logger: testLogger, consumer: FAST_CONSUMER });
    running.push(consumer);
    await consumer.ready;
    await waitFor('lag 0 on every partition', async () => (await lagByPartition(t)).every((lag) => lag === 0), { timeoutMs: 120_000 });

    const events = valid.filter((m) => m.event);
    expect(await eventCount(store)).toBe(events.length);
    expect(await sorted(store)).toEqual(expectedDailyActive(valid));
    expect(store.refusals()).toBeGreaterThan(0);
    const status = consumer.status();
    expect(status.rejectedByReason.store_rejected).toBe(1);
    expect(status.deadLettersTooLarge).toBe(1);

    const dlq = await readDeadLetters(t);
    const fits = bad.filter((b) => !b.tooLarge);
    expect(dlq).toHaveLength(fits.length + 1);
    for (const b of fits) {
      const copy = dlq.find((r) => (b.value === null ? r.value === null : r.value?.equals(b.value)));
      expect(copy, b.name).toBeDefined();
      expect(headerText(copy!, DLQ_HEADERS.reason), b.name).toBe(b.reason);
      expect(headerText(copy!, DLQ_HEADERS.message)?.length, b.name).toBeGreaterThan(0);
      for (const h of b.headers ?? []) {
        expect(copy!.rawHeaders.filter((r) => r.name.equals(h.name) && r.value.equals(h.value)), b.name).toHaveLength(1);
      }
    }
    const refusedCopy = dlq.find((r) => r.value?.equals(refused.value));
    expect(headerText(refusedCopy!, DLQ_HEADERS.reason)).toBe('store_rejected');
    expect(headerText(refusedCopy!, DLQ_HEADERS.message)).toMatch(/Cannot parse input/);

    const rows = await store.query<{ reason: string; message: string; payload_bytes: string }>(
      `SELECT reason, message, payload_bytes FROM {db}.rejections WHERE message LIKE '%truncated%'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.reason).toBe('oversized');
    expect(Number(rows[0]!.payload_bytes)).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('SIGTERM while the dead-letter topic cannot be written (a stall) exits 0 within the grace period', async () => {
    const t = await createTestKafka(brokers!);
    const dir = tempDataDir();
    const child = spawnCli(['consume', '--json'], {
      ...consumeEnv(t, join(dir, 'data')),
      BATCH_MAX_WAIT_MS: '100',
      STORE_RETRY_INITIAL_MS: '100',
      STORE_RETRY_MAX_MS: '200',
      LOG_LEVEL: 'info',
    });
    await waitFor('the consumer to join', () => child.stderr().includes('joined consumer group'));
    // The DLQ disappears: producing a dead-letter copy now fails until shutdown.
    await t.kafka.deleteTopics([t.dlqTopic]);
    await t.kafka.sendMessages(t.topic, [{ key: 'k', value: Buffer.from('{not json') }]);
    await waitFor('a stalled dead-letter produce', () => child.stderr().includes('dead-letter produce failed; retrying'), { timeoutMs: 60_000 });
    const signalled = Date.now();
    child.process.kill('SIGTERM');
    const code = await child.exited;
    expect(code, child.stderr().slice(-2000)).toBe(0);
    // INGEST_STOP_TIMEOUT_MS (30 s) plus leaving the group.
    expect(Date.now() - signalled).toBeLessThan(45_000);
  });
});

describe('poison lines through ingest --file', () => {
  it('exits 0, stores the valid lines once and writes every poison line to the DLQ file', async () => {
    const dir = tempDataDir();
    const input = join(dir, 'events.ndjson');
    const good = Array.from({ length: 30 }, (_, i) => event(`f-${i}`, { user_id: `u-${i % 7}` }));
    const bad = poisons().filter((b) => b.value !== null && !b.headers && !b.tooLarge);
    const lines: Buffer[] = [];
    good.forEach((g, i) => {
      lines.push(Buffer.from(g));
      const b = bad[i];
      if (b) lines.push(b.value!);
    });
    writeFileSync(input, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const dlqPath = join(dir, 'dlq.ndjson');
    const res = await runCli(['ingest', '--file', input, '--dlq', dlqPath, '--json'], { env: { DATA_DIR: join(dir, 'data') } });
    expect(res.code, res.stderr).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ received: good.length + bad.length, accepted: good.length, rejected: bad.length });
    const entries = readFileSync(dlqPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DlqFileEntry);
    expect(entries.map((e) => e.reason).sort()).toEqual(bad.map((b) => b.reason).sort());
    for (const e of entries) {
      const bytes = e.bytes_base64 !== undefined ? Buffer.from(e.bytes_base64, 'base64') : Buffer.from(e.text);
      // An oversized line is kept up to the limit: its start, byte for byte.
      expect(bad.some((b) => b.value!.subarray(0, bytes.length).equals(bytes) && (e.reason === 'oversized' || b.value!.length === bytes.length)), `${e.reason} line ${e.line}`).toBe(true);
    }
    const probe = await probeStore(join(dir, 'data'), { events: 'SELECT count() AS n FROM usage_readiness.events' });
    expect(Number(probe.events[0]!.n)).toBe(good.length);
  });
});
