import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFile, replayDlqFile, replayDlqTopic, startEventConsumer } from '../../ingest/index.js';
import { eventCount } from '../../transforms/index.js';
import { lastJson, runCli, tempDataDir } from '../helpers/cli.js';
import {
  FAST_CONSUMER,
  brokersForTests,
  committedTotal,
  createTestKafka,
  endTotal,
  generateMessages,
  waitFor,
  type TestKafka,
  TEST_INGEST as INGEST,
  TEST_PARSE as PARSE,
} from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';
import { createTestStore } from '../helpers/store.js';

const brokers = await brokersForTests();

const DAY = 86_400_000;

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface Summary {
  received: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
}

/** Consumes `count` generated messages (1 in 10 malformed, 8 of each reason) so the DLQ topic holds 40. */
async function fillDlq(t: TestKafka, count = 400) {
  const store = await createTestStore();
  const messages = generateMessages(count, { badEvery: 10, oversizedBytes: 10_000, seed: 3 });
  await t.kafka.sendMessages(t.topic, messages.map((m) => ({ key: m.key, value: m.value })));
  const consumer = startEventConsumer({ kafka: t.kafka, store, config: INGEST, parse: PARSE, logger: testLogger, consumer: FAST_CONSUMER });
  await consumer.ready;
  const end = await endTotal(t.kafka, t.topic);
  await waitFor('the source topic consumed and committed', async () => (await committedTotal(t.kafka, t.config.groupId, t.topic)) === end);
  await consumer.stop();
  expect(await endTotal(t.kafka, t.dlqTopic)).toBe(40n);
  return { store, messages };
}

describe('dlq replay from a file', () => {
  it('stores entries fixed in the file, keeps the rest in a new DLQ file, and is idempotent', async () => {
    const store = await createTestStore();
    const dir = tempDataDir();
    const input = join(dir, 'events.ndjson');
    const now = Date.now();
    const ev = (id: string, extra: Record<string, unknown>) =>
      JSON.stringify({ event_id: id, account_id: 'acme', event: 'open', timestamp: new Date(now - DAY).toISOString(), product: 'crm', ...extra });
    writeFileSync(
      input,
      [ev('ok-1', { user_id: 'a' }), ev('nouser-1', {}), ev('future-1', { user_id: 'b', timestamp: now + 3 * DAY }), '{broken'].join('\n'),
    );
    const dlqPath = join(dir, 'dlq.ndjson');
    const ingested = await ingestFile({ path: input, dlqPath, store, config: INGEST, parse: PARSE, logger: testLogger });
    expect(ingested).toMatchObject({ accepted: 1, rejected: 3 });

    // The fix: the producer's missing user_id is added in the file.
    const fixed = readLines(dlqPath).map((e) =>
      e.reason === 'schema_violation' ? { ...e, text: (e.text as string).replace('"event":', '"user_id":"c","event":') } : e,
    );
    const fixedPath = join(dir, 'fixed.ndjson');
    writeFileSync(fixedPath, fixed.map((e) => JSON.stringify(e)).join('\n'));

    const stillPath = join(dir, 'still.ndjson');
    const first = await replayDlqFile(fixedPath, { store, config: INGEST, parse: PARSE, logger: testLogger, dlqPath: stillPath });
    expect(first).toMatchObject({ received: 3, accepted: 1, rejected: 2, rejectedByReason: { future_timestamp: 1, invalid_json: 1 } });
    expect(readLines(stillPath).map((e) => e.reason).sort()).toEqual(['future_timestamp', 'invalid_json']);
    expect(await eventCount(store)).toBe(2);

    // A later clock accepts the future-dated event; replaying twice stores it once.
    const later = { ...PARSE, now: () => now + 4 * DAY };
    for (let i = 0; i < 2; i++) {
      const again = await replayDlqFile(stillPath, { store, config: INGEST, parse: later, logger: testLogger });
      expect(again).toMatchObject({ received: 2, accepted: 1, rejected: 1 });
    }
    expect(await eventCount(store)).toBe(3);
  });

  it('CLI: replays a DLQ file into the store and prints the summary as the last JSON line', async () => {
    const dir = tempDataDir();
    const input = join(dir, 'events.ndjson');
    const future = Date.now() + 3 * DAY;
    writeFileSync(
      input,
      [
        JSON.stringify({ event_id: 'f1', account_id: 'acme', user_id: 'a', event: 'open', timestamp: future, product: 'crm' }),
        JSON.stringify({ event_id: 'f2', account_id: 'acme', user_id: 'b', event: 'open', timestamp: future, product: 'crm' }),
        '{nope',
      ].join('\n'),
    );
    const env = { DATA_DIR: join(dir, 'data') };
    const ingest = await runCli(['ingest', '--file', input, '--dlq', join(dir, 'dlq.ndjson'), '--json'], { env });
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(lastJson(ingest.stdout)).toMatchObject({ accepted: 0, rejected: 3 });

    const res = await runCli(['dlq', 'replay', '--file', join(dir, 'dlq.ndjson'), '--dlq', join(dir, 'still.ndjson'), '--json'], {
      env: { ...env, MAX_FUTURE_SKEW_MS: String(5 * DAY) },
    });
    expect(res.code, res.stderr).toBe(0);
    const summary = lastJson<Summary>(res.stdout);
    expect(summary).toMatchObject({ received: 3, accepted: 2, rejected: 1, rejectedByReason: { invalid_json: 1 } });
    expect(Number.isInteger(summary.accepted) && Number.isInteger(summary.rejected)).toBe(true);
    expect(readLines(join(dir, 'still.ndjson'))).toMatchObject([{ reason: 'invalid_json', text: '{nope' }]);
  });

  it('CLI: bad invocations exit 2 (usage) or 1 (input), naming the problem', async () => {
    const dir = tempDataDir();
    const env = { DATA_DIR: join(dir, 'data') };
    const none = await runCli(['dlq', 'replay'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one source/);
    const both = await runCli(['dlq', 'replay', '--from-topic', '--file', 'x'], { env: { ...env, KAFKA_BROKERS: '127.0.0.1:9' } });
    expect(both.code).toBe(2);
    const noKafka = await runCli(['dlq', 'replay', '--from-topic'], { env });
    expect(noKafka.code).toBe(2);
    expect(noKafka.stderr).toMatch(/KAFKA_BROKERS/);
    const missing = await runCli(['dlq', 'replay', '--file', join(dir, 'absent.ndjson')], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/absent\.ndjson/);
    const notDlq = join(dir, 'events.ndjson');
    writeFileSync(notDlq, '{"event_id":"1"}\n');
    const wrong = await runCli(['dlq', 'replay', '--file', notDlq], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/line 1 is not a dead-letter entry/);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!brokers)('dlq replay from the dead-letter topic', () => {
  it('re-validates the topic up to its end offsets: future-dated events pass with a later clock, the rest are reported', async () => {
    const t = await createTestKafka(brokers!);
    const { store } = await fillDlq(t);
    const before = await eventCount(store);
    const dir = tempDataDir();
    const stillPath = join(dir, 'still.ndjson');
    const later = { ...PARSE, now: () => Date.now() + 5 * DAY };
    const summary = await replayDlqTopic(t.kafka, t.dlqTopic, {
      store,
      config: INGEST,
      parse: later,
      logger: testLogger,
      dlqPath: stillPath,
      consumer: FAST_CONSUMER,
    });
    expect(summary).toMatchObject({
      received: 40,
      accepted: 8,
      rejected: 32,
      complete: true,
      rejectedByReason: { invalid_json: 8, invalid_utf8: 8, schema_violation: 8, oversized: 8 },
    });
    expect(await eventCount(store)).toBe(before + 8);
    const still = readLines(stillPath);
    expect(still).toHaveLength(32);
    expect(still[0]!.source).toMatch(new RegExp(`^kafka:${t.topic}/0/\\d+$`));
    // Invalid UTF-8 keeps its exact bytes in the new DLQ file.
    const utf8 = still.find((e) => e.reason === 'invalid_utf8')!;
    expect(Buffer.from(utf8.bytes_base64 as string, 'base64').includes(Buffer.from([0xc3, 0x28, 0xff]))).toBe(true);
  });

  it('CLI: dlq replay --from-topic reads the DLQ topic and exits with the summary', async () => {
    const t = await createTestKafka(brokers!);
    await fillDlq(t);
    const dir = tempDataDir();
    const res = await runCli(['dlq', 'replay', '--from-topic', t.dlqTopic, '--json'], {
      env: { DATA_DIR: join(dir, 'data'), KAFKA_BROKERS: brokers!.join(','), MAX_FUTURE_SKEW_MS: String(5 * DAY), MAX_EVENT_BYTES: '8192' },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ received: 40, accepted: 8, rejected: 32, complete: true });
  });

  it('CLI: dlq replay --from-topic of a topic that does not exist exits 1 naming it', async () => {
    const res = await runCli(['dlq', 'replay', '--from-topic', 't-absent-topic-for-replay', '--json'], {
      env: { DATA_DIR: join(tempDataDir(), 'data'), KAFKA_BROKERS: brokers!.join(',') },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/t-absent-topic-for-replay/);
  });
});
