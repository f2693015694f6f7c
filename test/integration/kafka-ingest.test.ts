import { afterEach, describe, expect, it } from 'vitest';
import {
  DLQ_HEADERS,
  headerText,
  startEventConsumer,
  type EventConsumerHandle,
  type GroupConsumerOptions,
  type KafkaClient,
} from '../../ingest/index.js';
import { StoreError } from '../../schemas/errors.js';
import { dailyActiveUsers, eventCount, rejectionCounts, type Store } from '../../transforms/index.js';
import {
  FAST_CONSUMER,
  brokersForTests,
  committedTotal,
  createTestKafka,
  endTotal,
  expectedDailyActive,
  generateMessages,
  produceWithKcat,
  readDeadLetters,
  waitFor,
  type GeneratedMessage,
  type TestKafka,
  TEST_INGEST as INGEST,
  TEST_PARSE as PARSE,
} from '../helpers/kafka.js';
import { testLogger } from '../helpers/logger.js';
import { createTestStore } from '../helpers/store.js';

const brokers = await brokersForTests();

const WIDE = { from: '2000-01-01', to: '2100-01-01' };

const running: EventConsumerHandle[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
});

function consume(t: TestKafka, store: Store, consumer: Partial<GroupConsumerOptions> = {}, kafka: KafkaClient = t.kafka): EventConsumerHandle {
  const handle = startEventConsumer({
    kafka,
    store,
    config: INGEST,
    parse: PARSE,
    logger: testLogger,
    consumer: { ...FAST_CONSUMER, ...consumer },
  });
  running.push(handle);
  return handle;
}

/** Half through kcat (librdkafka), half through the service's own producer. */
async function produce(t: TestKafka, messages: readonly GeneratedMessage[]): Promise<void> {
  const half = Math.floor(messages.length / 2);
  await produceWithKcat(t.config.brokers, t.topic, messages.slice(0, half));
  const rest = messages.slice(half);
  for (let i = 0; i < rest.length; i += 500) {
    await t.kafka.sendMessages(
      t.topic,
      rest.slice(i, i + 500).map((m) => ({ key: m.key, value: m.value })),
    );
  }
}

async function allCommitted(t: TestKafka): Promise<boolean> {
  const end = await endTotal(t.kafka, t.topic);
  return end > 0n && (await committedTotal(t.kafka, t.config.groupId, t.topic)) === end;
}

async function sortedDaily(store: Store) {
  return (await dailyActiveUsers(store, WIDE)).sort((a, b) =>
    a.account_id + a.product + a.day < b.account_id + b.product + b.day ? -1 : 1,
  );
}

describe.skipIf(!brokers)('Kafka ingestion against a real broker', () => {
  it('stores every valid event once, dead-letters every invalid one with its reason and bytes, and aggregates match', async () => {
    const t = await createTestKafka(brokers!, { partitions: 3 });
    const store = await createTestStore();
    const messages = generateMessages(3000, { badEvery: 25, oversizedBytes: 10_000, seed: 7 });
    const valid = messages.filter((m) => m.event);
    const bad = messages.filter((m) => m.bad);
    expect(new Set(bad.map((m) => m.bad)).size).toBe(5);
    await produce(t, messages);

    const consumer = consume(t, store);
    await consumer.ready;
    await waitFor('all offsets committed', () => allCommitted(t));

    expect(await eventCount(store)).toBe(valid.length);
    expect(await sortedDaily(store)).toEqual(expectedDailyActive(messages));
    const status = consumer.status();
    expect(status).toMatchObject({ received: messages.length, accepted: valid.length, rejected: bad.length, pending: 0 });
    expect(status.dropped).toBe(messages.filter((m) => m.dropped).length);

    // Every invalid message is in the DLQ: original bytes, original key, reason and source headers.
    const dlq = await readDeadLetters(t);
    expect(dlq).toHaveLength(bad.length);
    const byValue = new Map(bad.map((m) => [m.value.toString('base64'), m]));
    for (const record of dlq) {
      const original = byValue.get(record.value!.toString('base64'));
      expect(original, 'DLQ value is an original message').toBeDefined();
      expect(headerText(record, DLQ_HEADERS.reason)).toBe(original!.bad);
      expect(record.key?.toString()).toBe(original!.key);
      expect(headerText(record, DLQ_HEADERS.sourceTopic)).toBe(t.topic);
      expect(Number(headerText(record, DLQ_HEADERS.sourcePartition))).toBeGreaterThanOrEqual(0);
      expect(headerText(record, DLQ_HEADERS.sourceOffset)).toMatch(/^\d+$/);
      expect(headerText(record, DLQ_HEADERS.message)).toBeTruthy();
    }
    expect(new Set(dlq.map((r) => `${headerText(r, DLQ_HEADERS.sourcePartition)}/${headerText(r, DLQ_HEADERS.sourceOffset)}`)).size).toBe(
      bad.length,
    );

    // ...and counted by reason in the rejections table.
    const counts = await rejectionCounts(store);
    const expected: Record<string, number> = {};
    for (const m of bad) expected[m.bad!] = (expected[m.bad!] ?? 0) + 1;
    expect(Object.fromEntries(counts.filter((c) => c.source === 'kafka').map((c) => [c.reason, c.count]))).toEqual(expected);
  });

  it('re-delivery after resetting the group offsets changes no aggregate and no count', async () => {
    const t = await createTestKafka(brokers!, { partitions: 2 });
    const store = await createTestStore();
    const messages = generateMessages(1500, { badEvery: 50, oversizedBytes: 10_000, seed: 11 });
    await produce(t, messages);

    const first = consume(t, store);
    await first.ready;
    await waitFor('first pass committed', () => allCommitted(t));
    await first.stop();
    const daily = await sortedDaily(store);
    const events = await eventCount(store);
    // Re-delivered rejections keep their count; only the time of the last one moves.
    const countsByReason = async () => (await rejectionCounts(store)).map(({ reason, source, count }) => ({ reason, source, count }));
    const rejections = await countsByReason();
    expect(events).toBe(messages.filter((m) => m.event).length);

    await t.kafka.resetGroupOffsets(t.config.groupId, t.topic, 'earliest');
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
    const second = consume(t, store);
    await second.ready;
    await waitFor('second pass committed', () => allCommitted(t));
    expect(second.status().received).toBe(messages.length);

    expect(await eventCount(store)).toBe(events);
    expect(await sortedDaily(store)).toEqual(daily);
    expect(await countsByReason()).toEqual(rejections);
  });

  it('pauses without committing while the store fails, keeps its group membership, and stores everything after recovery', async () => {
    const t = await createTestKafka(brokers!, { partitions: 2 });
    const real = await createTestStore();
    let failing = true;
    let failures = 0;
    const store: Store = {
      ...real,
      insert: async (table, rows) => {
        if (failing) {
          failures++;
          throw new StoreError('injected outage: connection refused');
        }
        await real.insert(table, rows);
      },
      insertBody: async (table, columns, body, format, where) => {
        if (failing) {
          failures++;
          throw new StoreError('injected outage: connection refused');
        }
        await real.insertBody(table, columns, body, format, where);
      },
    };
    const messages = generateMessages(3000, { badEvery: 40, oversizedBytes: 10_000, seed: 23 });
    await produce(t, messages);

    // Small fetches, so that what is held while paused is visibly less than what was produced.
    const consumer = consume(t, store, { maxBytesPerPartition: 16 * 1024 });
    await consumer.ready;
    const joins = consumer.status().joins;
    await waitFor('a few failed inserts', () => failures >= 3 && consumer.status().state === 'store_retrying');
    // Longer than the 6 s session timeout: only heartbeats keep the member in the group.
    const outageEnds = Date.now() + 7_000;
    while (Date.now() < outageEnds) {
      expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await eventCount(real)).toBe(0);
    // Consumption is paused: at most the two batches in flight, one more full batch and one fetch are held.
    expect(consumer.status().received).toBeLessThan(messages.length);

    failing = false;
    await waitFor('everything committed after recovery', () => allCommitted(t));
    expect(await eventCount(real)).toBe(messages.filter((m) => m.event).length);
    expect(await sortedDaily(real)).toEqual(expectedDailyActive(messages));
    expect(consumer.status()).toMatchObject({ state: 'running', joins, pending: 0 });
    expect(consumer.status().storeFailures).toBeGreaterThanOrEqual(3);
  });

  it('stop() stores and commits what is buffered before leaving the group', async () => {
    const t = await createTestKafka(brokers!);
    const store = await createTestStore();
    const messages = generateMessages(300, { seed: 5 });
    await produce(t, messages);
    const consumer = startEventConsumer({
      kafka: t.kafka,
      store,
      // Limits that never trigger on their own: only stop() flushes.
      config: { ...INGEST, batchMaxRows: 1_000_000, batchMaxWaitMs: 600_000 },
      parse: PARSE,
      logger: testLogger,
      consumer: FAST_CONSUMER,
    });
    await consumer.ready;
    await waitFor('all messages received', () => consumer.status().received === messages.length);
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
    await consumer.stop();
    await consumer.finished;
    expect(consumer.status().state).toBe('stopped');
    expect(await eventCount(store)).toBe(messages.filter((m) => m.event).length);
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(BigInt(messages.length));
  });

  it('commits nothing until the dead-letter copies are produced, and dead-letters a message without a value', async () => {
    const t = await createTestKafka(brokers!);
    const store = await createTestStore();
    let dlqDown = true;
    let dlqAttempts = 0;
    // The real client, with produce to the DLQ failing until the test lets it through.
    const kafka: KafkaClient = {
      ...t.kafka,
      sendMessages: async (topic, messages) => {
        if (topic === t.dlqTopic && dlqDown) {
          dlqAttempts++;
          throw new Error('injected: dead-letter topic unavailable');
        }
        await t.kafka.sendMessages(topic, messages);
      },
    };
    const messages = generateMessages(200, { badEvery: 10, oversizedBytes: 10_000, seed: 13 });
    await t.kafka.sendMessages(t.topic, [...messages.map((m) => ({ key: m.key, value: m.value })), { key: 'tombstone', value: null }]);
    const consumer = consume(t, store, {}, kafka);
    await consumer.ready;
    await waitFor('a few failed dead-letter produces', () => dlqAttempts >= 3);
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
    expect(await eventCount(store)).toBe(0);

    dlqDown = false;
    await waitFor('everything committed', () => allCommitted(t));
    expect(await eventCount(store)).toBe(messages.filter((m) => m.event).length);
    const dlq = await readDeadLetters(t);
    expect(dlq).toHaveLength(messages.filter((m) => m.bad).length + 1);
    const tombstone = dlq.find((r) => r.key?.toString() === 'tombstone')!;
    expect(tombstone.value).toBeNull();
    expect(headerText(tombstone, DLQ_HEADERS.reason)).toBe('invalid_json');
    expect(headerText(tombstone, DLQ_HEADERS.message)).toBe('message has no value');
  });

  it('retries a failed offset commit on a quiet topic until it succeeds', async () => {
    const t = await createTestKafka(brokers!);
    const store = await createTestStore();
    let commitFailures = 0;
    let commitsDown = true;
    // The real client, with the consumer's commits refused until the test lets them through.
    const kafka: KafkaClient = {
      ...t.kafka,
      groupConsumer: (options) => {
        const real = t.kafka.groupConsumer(options);
        return {
          ...real,
          commit: async (offsets) => {
            if (commitsDown) {
              commitFailures++;
              throw new StoreError('injected: coordinator unavailable', { canRetry: false });
            }
            await real.commit(offsets);
          },
        };
      },
    };
    const messages = generateMessages(100, { seed: 17 });
    await t.kafka.sendMessages(t.topic, messages.map((m) => ({ key: m.key, value: m.value })));
    const consumer = consume(t, store, {}, kafka);
    await consumer.ready;
    await waitFor('stored, commit refused twice', async () => commitFailures >= 2 && (await eventCount(store)) === messages.filter((m) => m.event).length);
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
    commitsDown = false;
    // No new message arrives: only the retry can commit.
    await waitFor('the retried commit', () => allCommitted(t));
    expect(consumer.status().received).toBe(messages.length);
  });

  it('with two batches in flight, commits nothing past a batch that is not stored yet', async () => {
    const t = await createTestKafka(brokers!);
    const real = await createTestStore();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let rejectionInserts = 0;
    let laterStored = false;
    // The first batch's last step (its rejection rows) hangs until released; later ones go
    // straight through. Event inserts run one at a time, so the hold comes after them.
    const store: Store = {
      ...real,
      insert: async (table, rows) => {
        const nth = table === 'rejections' ? rejectionInserts++ : -1;
        if (nth === 0) await held;
        await real.insert(table, rows);
        if (nth > 0) laterStored = true;
      },
    };
    const messages = generateMessages(1200, { seed: 29, badEvery: 10 });
    // Separate produce requests make separate record batches, so fetches (16 KiB) return a few at a time.
    for (let i = 0; i < messages.length; i += 100) {
      await t.kafka.sendMessages(t.topic, messages.slice(i, i + 100).map((m) => ({ key: m.key, value: m.value })));
    }
    const consumer = startEventConsumer({
      kafka: t.kafka,
      store,
      config: { ...INGEST, batchMaxRows: 300 },
      parse: PARSE,
      logger: testLogger,
      consumer: { ...FAST_CONSUMER, maxBytesPerPartition: 16 * 1024 },
    });
    running.push(consumer);
    await consumer.ready;
    await waitFor('a later batch stored while the first is held', () => laterStored);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await committedTotal(t.kafka, t.config.groupId, t.topic)).toBe(0n);
    release();
    await waitFor('everything committed', () => allCommitted(t));
    expect(await eventCount(real)).toBe(messages.filter((m) => m.event).length);
  });
});
