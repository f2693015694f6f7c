import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll } from 'vitest';
import { createKafkaClient, eventParseOptions, readTopicToEnd, type ConsumedRecord, type GroupConsumerOptions, type KafkaClient } from '../../ingest/index.js';
import type { IngestConfig, KafkaConfig } from '../../schemas/config.js';
import { rng } from '../../examples/generate.js';
import { testLogger } from './logger.js';

/**
 * Real-broker test plumbing. Tests read KAFKA_BROKERS; without a reachable
 * broker they are skipped locally and fail under CI=true. Each test gets its
 * own random topics and group id, deleted after the file's tests.
 */

const BROKERS = (process.env.KAFKA_BROKERS ?? '')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

function reachable(broker: string, timeoutMs = 2_000): Promise<boolean> {
  const [host, port] = broker.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The brokers to test against, or undefined to skip. Under CI=true a missing
 * or unreachable broker throws, which fails the test file instead of skipping it.
 */
export async function brokersForTests(): Promise<string[] | undefined> {
  const problem =
    BROKERS.length === 0
      ? 'KAFKA_BROKERS is not set'
      : (await reachable(BROKERS[0]!))
        ? undefined
        : `KAFKA_BROKERS=${BROKERS.join(',')} is not reachable`;
  if (!problem) return BROKERS;
  if (process.env.CI === 'true') throw new Error(`Kafka tests need a broker under CI: ${problem}`);
  console.warn(`skipping Kafka tests: ${problem}`);
  return undefined;
}

export const suffix = () => randomBytes(5).toString('hex');

/** Small batches and short retries, so Kafka tests exercise batching and outages quickly. */
export const TEST_INGEST: IngestConfig = {
  batchMaxRows: 500,
  batchMaxWaitMs: 200,
  maxEventBytes: 8_192,
  maxFutureSkewMs: 86_400_000,
  minTimestampMs: Date.UTC(2000, 0, 1),
  lagLogIntervalMs: 60_000,
  retryInitialMs: 100,
  retryMaxMs: 400,
};
export const TEST_PARSE = eventParseOptions(TEST_INGEST, '');

/** Short session and heartbeat so joins, rebalances and shutdowns are quick. */
export const FAST_CONSUMER: Partial<GroupConsumerOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 200,
};

export interface TestKafka {
  config: KafkaConfig;
  kafka: KafkaClient;
  topic: string;
  dlqTopic: string;
}

const clients: KafkaClient[] = [];
const topics: string[] = [];
afterAll(async () => {
  const [admin] = clients;
  if (admin) await admin.deleteTopics(topics.splice(0)).catch(() => undefined);
  for (const c of clients.splice(0)) await c.close();
});

/** Fresh topics (created, with `partitions`) and a fresh group id; deleted after the file. */
export async function createTestKafka(brokers: string[], options: { partitions?: number } = {}): Promise<TestKafka> {
  const id = suffix();
  const topic = `t-events-${id}`;
  const dlqTopic = `t-dlq-${id}`;
  const config: KafkaConfig = {
    brokers,
    clientId: `test-${id}`,
    groupId: `t-group-${id}`,
    eventsTopics: [topic],
    dlqTopic,
    accountsTopic: `t-accounts-${id}`,
    outcomesTopic: undefined,
    flagsTopic: `t-flags-${id}`,
    leaderSessionTimeoutMs: 6_000,
    ssl: false,
    sasl: undefined,
  };
  const kafka = createKafkaClient(config, testLogger);
  clients.push(kafka);
  topics.push(topic, dlqTopic);
  await kafka.ensureTopics([
    { topic, partitions: options.partitions ?? 1 },
    { topic: dlqTopic, partitions: 1 },
  ]);
  return { config, kafka, topic, dlqTopic };
}

/** Environment of a `consume` process reading the test's topics into the store under `dataDir`. */
export function consumeEnv(t: TestKafka, dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    KAFKA_BROKERS: t.config.brokers.join(','),
    KAFKA_EVENTS_TOPIC: t.topic,
    KAFKA_DLQ_TOPIC: t.dlqTopic,
    KAFKA_GROUP_ID: t.config.groupId,
    KAFKA_ACCOUNTS_TOPIC: t.config.accountsTopic,
  };
}

/** A topic of its own for a test, deleted after the file. */
export async function createTestTopic(kafka: KafkaClient, prefix: string, partitions = 1): Promise<string> {
  const topic = `t-${prefix}-${suffix()}`;
  topics.push(topic);
  await kafka.ensureTopics([{ topic, partitions }]);
  return topic;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 60_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Sum of a group's committed offsets on a topic (-1 for nothing committed counts as 0). */
export async function committedTotal(kafka: KafkaClient, groupId: string, topic: string): Promise<bigint> {
  const offsets = await kafka.groupOffsets(groupId, topic);
  return offsets.reduce((sum, o) => sum + (BigInt(o.offset) > 0n ? BigInt(o.offset) : 0n), 0n);
}

/** Every record on the test's dead-letter topic so far. */
export async function readDeadLetters(t: TestKafka): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  await readTopicToEnd(t.kafka, t.dlqTopic, async (batch) => void records.push(...batch), { logger: testLogger, consumer: FAST_CONSUMER });
  return records;
}

/** Sum of a topic's end offsets. */
export async function endTotal(kafka: KafkaClient, topic: string): Promise<bigint> {
  return (await kafka.topicOffsets(topic)).reduce((sum, r) => sum + BigInt(r.high), 0n);
}

// Record and key separators that never occur in the test payloads, so kcat can
// produce arbitrary bytes (newlines, invalid UTF-8) as one message each.
const RECORD_SEP = 0x1e;
const KEY_SEP = 0x1f;

/** Produces messages with kcat (an independent client: librdkafka), keyed, one message per value. */
export function produceWithKcat(brokers: string[], topic: string, messages: readonly { key: string; value: Buffer }[]): Promise<void> {
  const parts: Buffer[] = [];
  for (const m of messages) {
    if (m.value.includes(RECORD_SEP) || m.value.includes(KEY_SEP)) throw new Error('payload contains a kcat separator byte');
    parts.push(Buffer.from(m.key), Buffer.from([KEY_SEP]), m.value, Buffer.from([RECORD_SEP]));
  }
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-P', '-q', '-b', brokers.join(','), '-t', topic, '-D', '\\x1e', '-K', '\\x1f', '-X', 'linger.ms=20'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(Buffer.concat(parts));
  });
}

export type BadKind = 'invalid_json' | 'invalid_utf8' | 'schema_violation' | 'oversized' | 'future_timestamp';

export interface GeneratedMessage {
  key: string;
  value: Buffer;
  /** Expected rejection reason; undefined for a valid event (or a dropped non-track call). */
  bad?: BadKind;
  dropped?: boolean;
  /** For valid events: what the aggregates must count. */
  event?: { eventId: string; accountId: string; product: string; userId: string; day: string };
}


export interface GenerateOptions {
  seed?: number;
  /** One message in `badEvery` is malformed (0: none). */
  badEvery?: number;
  /** Bytes of padding that make a message oversized (must exceed the consumer's maxEventBytes). */
  oversizedBytes?: number;
  now?: number;
  /** Prefix of event ids, so separate runs do not share ids. */
  idPrefix?: string;
}

/**
 * Product events in the native form (ISO and epoch timestamps) and as Segment
 * track calls (account in context.groupId or properties.account_id), with a
 * few Segment `identify` calls (dropped) and malformed messages of every kind.
 */
export function generateMessages(count: number, options: GenerateOptions = {}): GeneratedMessage[] {
  const rnd = rng(options.seed ?? 42);
  const now = options.now ?? Date.now();
  const prefix = options.idPrefix ?? suffix();
  const badKinds: BadKind[] = ['invalid_json', 'invalid_utf8', 'schema_violation', 'oversized', 'future_timestamp'];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: GeneratedMessage[] = [];
  for (let i = 0; i < count; i++) {
    const account = `acc-${Math.floor(rnd() * 8)}`;
    const product = pick(['crm', 'reports']);
    const user = `${account}-u${Math.floor(rnd() * 25)}`;
    const ts = now - Math.floor(rnd() * 20 * 86_400_000) - 60_000;
    const eventId = `${prefix}-${i}`;
    const feature = pick(['pipeline', 'contacts', 'export', '']);
    const badEvery = options.badEvery ?? 0;
    if (badEvery > 0 && i % badEvery === badEvery - 1) {
      const bad = badKinds[Math.floor(i / badEvery) % badKinds.length]!;
      let value: Buffer;
      switch (bad) {
        case 'invalid_json':
          value = Buffer.from(`{"event_id":"${eventId}","account_id":`);
          break;
        case 'invalid_utf8':
          value = Buffer.concat([
            Buffer.from(`{"event_id":"${eventId}","account_id":"${account}","user_id":"`),
            Buffer.from([0xc3, 0x28, 0xff]),
            Buffer.from(`","event":"open","timestamp":${ts}}`),
          ]);
          break;
        case 'schema_violation':
          value = Buffer.from(JSON.stringify({ event_id: eventId, account_id: account, event: 'open', timestamp: new Date(ts).toISOString() }));
          break;
        case 'oversized':
          value = Buffer.from(
            JSON.stringify({
              event_id: eventId,
              account_id: account,
              user_id: user,
              event: 'open',
              timestamp: ts,
              product,
              properties: { blob: 'x'.repeat(options.oversizedBytes ?? 70_000) },
            }),
          );
          break;
        case 'future_timestamp':
          value = Buffer.from(
            JSON.stringify({ event_id: eventId, account_id: account, user_id: user, event: 'open', timestamp: now + 3 * 86_400_000, product }),
          );
          break;
      }
      out.push({ key: account, value, bad });
      continue;
    }
    const form = i % 10;
    let payload: unknown;
    if (form === 9) {
      out.push({ key: account, value: Buffer.from(JSON.stringify({ type: 'identify', messageId: eventId, userId: user, timestamp: ts })), dropped: true });
      continue;
    } else if (form < 4) {
      payload = { event_id: eventId, account_id: account, user_id: user, event: 'open', timestamp: new Date(ts).toISOString(), product, feature };
    } else if (form < 6) {
      payload = { event_id: eventId, account_id: account, user_id: user, event: 'run', timestamp: ts, product, workflow: 'sync', status: 'ok' };
    } else if (form < 8) {
      payload = {
        type: 'track',
        messageId: eventId,
        userId: user,
        event: 'Report Viewed',
        timestamp: new Date(ts).toISOString(),
        context: { groupId: account },
        properties: { product, feature },
      };
    } else {
      payload = { messageId: eventId, userId: user, event: 'Deal Won', timestamp: ts, properties: { account_id: account, product } };
    }
    out.push({
      key: account,
      value: Buffer.from(JSON.stringify(payload)),
      event: { eventId, accountId: account, product, userId: user, day: new Date(ts).toISOString().slice(0, 10) },
    });
  }
  return out;
}

/** Distinct users per (account, product, day), as `dailyActiveUsers` returns them. */
export function expectedDailyActive(messages: readonly GeneratedMessage[]) {
  const users = new Map<string, Set<string>>();
  for (const m of messages) {
    if (!m.event) continue;
    const k = `${m.event.accountId}|${m.event.product}|${m.event.day}`;
    let set = users.get(k);
    if (!set) users.set(k, (set = new Set()));
    set.add(m.event.userId);
  }
  return [...users.entries()]
    .map(([k, set]) => {
      const [account_id, product, day] = k.split('|') as [string, string, string];
      return { account_id, product, day, users: set.size };
    })
    .sort((a, b) => (a.account_id + a.product + a.day < b.account_id + b.product + b.day ? -1 : 1));
}
