import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type ConfigResourceTypes,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import { KAFKA_CONSUMER_TIMING, type KafkaConfig } from '../schemas/config.js';
import { ERROR_CODES, ReadinessError, errorMessage } from '../schemas/errors.js';

/**
 * The one module that talks to kafkajs. Everything else in the service sees
 * the small types below (records, batches, offsets), so replacing the client
 * library touches this file only. kafkajs errors leave this module as
 * `ReadinessError` with code KAFKA_UNAVAILABLE and `canRetry` taken from the
 * client's own classification.
 */

/** One record header: a name may repeat; values are bytes. */
export interface RawHeader {
  name: Buffer;
  value: Buffer;
}

/** A message to produce. Strings are sent as UTF-8. */
export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Headers copied with their repeats (a dead-letter copy's originals); sent before `headers`. */
  rawHeaders?: readonly RawHeader[];
  partition?: number;
}

/** A consumed message. Header values are arrays because Kafka allows repeated header keys. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** By name read as UTF-8, for lookups. */
  headers: Record<string, Buffer[]>;
  /** Every header in order, repeats included, for copies. */
  rawHeaders: readonly RawHeader[];
  /** Producer or broker timestamp, epoch ms as text. */
  timestamp: string;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  /** Last offset of the fetched batch, including control records filtered from `records`. */
  lastOffset: string;
  records: ConsumedRecord[];
}

/** What a batch handler may do while it holds the batch. */
export interface BatchControls {
  /** Keeps the group membership alive during long work; cheap to call often. */
  heartbeat(): Promise<void>;
  /** Moves the local fetch position past `offset` (does not commit). */
  resolveOffset(offset: string): void;
  isRunning(): boolean;
  /** True when the partition was reassigned or sought while the batch was held. */
  isStale(): boolean;
}

export type BatchHandler = (batch: ConsumedBatch, controls: BatchControls) => Promise<void>;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** A topic, or some of its partitions. */
export interface TopicPartitions {
  topic: string;
  partitions?: number[];
}

export interface PartitionRange {
  partition: number;
  /** First available offset. */
  low: string;
  /** Offset the next produced message will get (end offset). */
  high: string;
}

export interface GroupConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group without committed offsets starts. Default false (latest). */
  fromBeginning?: boolean;
  /** Default 30000; the broker's minimum is usually 6000. */
  sessionTimeoutMs?: number;
  /** Default 3000. */
  heartbeatIntervalMs?: number;
  /** Default 60000. */
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for data. Default 1000. */
  maxWaitTimeMs?: number;
  /** Default 4 MiB: large fetches keep per-batch overhead low. */
  maxBytesPerPartition?: number;
  /** Batches handled at the same time (from different partitions). Default 1. */
  partitionsConsumedConcurrently?: number;
}

export type GroupEvent =
  | { type: 'joined'; memberId: string; assignment: Record<string, number[]> }
  | { type: 'rebalancing' }
  | { type: 'crashed'; error: ReadinessError; restarting: boolean }
  | { type: 'stopped' };

export interface GroupConsumer {
  readonly groupId: string;
  /** Connects, subscribes and joins the group; resolves once consuming has started. */
  start(handler: BatchHandler): Promise<void>;
  /** Commits exactly these offsets (the offset of the next message to read). */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching (default: every subscribed topic); batches in hand are unaffected. */
  pause(parts?: readonly TopicPartitions[]): void;
  resume(parts?: readonly TopicPartitions[]): void;
  onEvent(listener: (event: GroupEvent) => void): void;
  /** Stops consuming, leaves the group and disconnects. */
  stop(): Promise<void>;
}

export interface KafkaClient {
  readonly config: KafkaConfig;
  /** Sends messages in one request (connecting the shared producer on first use). */
  sendMessages(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** The topic's `max.message.bytes` (largest record batch the broker accepts on it). */
  maxMessageBytes(topic: string): Promise<number>;
  /** One JSON message keyed by `key` (e.g. an account id, so one key's messages stay in order). */
  publishJson(topic: string, key: string, value: unknown, headers?: Record<string, string>): Promise<void>;
  groupConsumer(options: GroupConsumerOptions): GroupConsumer;
  /** Creates the topics that do not exist yet (partitions default to the broker's); returns the names it created. */
  ensureTopics(topics: readonly { topic: string; partitions?: number; config?: Record<string, string> }[]): Promise<string[]>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  topicOffsets(topic: string): Promise<PartitionRange[]>;
  /** Committed offsets of a group on a topic; `-1` where the group committed nothing. */
  groupOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]>;
  /** Moves a group's offsets to the start or end of a topic. The group must have no active members. */
  resetGroupOffsets(groupId: string, topic: string, to: 'earliest' | 'latest'): Promise<void>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  /** Disconnects the shared producer and admin. Consumers are stopped by their owners. */
  close(): Promise<void>;
}

interface ClientErrorShape {
  name?: unknown;
  retriable?: unknown;
  type?: unknown;
  cause?: unknown;
}

const shapeOf = (error: unknown): ClientErrorShape => (typeof error === 'object' && error !== null ? error : {}) as ClientErrorShape;

/**
 * Whether trying again later can help, judged as the client itself judges a
 * crash: exhausted retries (e.g. a broker down) or a retriable root cause.
 */
function clientCanRetry(error: unknown): boolean {
  let root = shapeOf(error);
  if (root.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  while (root.cause !== undefined && root.cause !== null) root = shapeOf(root.cause);
  return root.retriable === undefined ? true : root.retriable === true;
}

/** Wraps any error from the client library as KAFKA_UNAVAILABLE with the client's retry verdict. */
export function toKafkaError(action: string, error: unknown): ReadinessError {
  if (error instanceof ReadinessError) return error;
  const shape = shapeOf(error);
  const type = typeof shape.type === 'string' ? ` (${shape.type})` : '';
  return new ReadinessError(ERROR_CODES.KAFKA_UNAVAILABLE, `kafka: ${action} failed: ${errorMessage(error)}${type}`, {
    cause: error,
    canRetry: clientCanRetry(error),
  });
}

async function wrap<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toKafkaError(action, error);
  }
}

/**
 * Client logs go through pino. The client logs every retried connection
 * attempt as an error; the service reports the outcome itself, so client
 * errors and warnings become warnings and its INFO chatter becomes debug.
 */
function logCreator(logger: Logger) {
  const log = logger.child({ component: 'kafka' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, stack: _s, ...extra } = entry;
      const fields = { ns: namespace, ...extra };
      if (level === KafkaLogLevel.ERROR || level === KafkaLogLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    };
}

function clientLogLevel(logger: Logger): KafkaLogLevel {
  switch (logger.level) {
    case 'trace':
    case 'debug':
      return KafkaLogLevel.INFO; // the client's DEBUG logs every request
    case 'info':
    case 'warn':
      return KafkaLogLevel.WARN;
    case 'silent':
      return KafkaLogLevel.NOTHING;
    default:
      return KafkaLogLevel.ERROR;
  }
}

function saslOptions(config: KafkaConfig): SASLOptions | undefined {
  if (!config.sasl) return undefined;
  const { mechanism, username, password } = config.sasl;
  return { mechanism, username, password } as SASLOptions;
}

/*
 * Header names are strings in the client, decoded and encoded as UTF-8 (it sizes records by the
 * UTF-8 length of each name), so a name that is not UTF-8 reaches this service already altered;
 * values, repeats and their order per name are kept byte for byte.
 */
const byteName = (name: string | Buffer) => (typeof name === 'string' ? name : name.toString('utf8'));

/** Client header objects for a message: raw headers first, then named ones; repeats as arrays. */
function clientHeaders(m: OutgoingMessage): IHeaders | undefined {
  if (!m.headers && !m.rawHeaders) return undefined;
  const out: Record<string, Buffer[]> = {};
  const add = (name: string, value: Buffer) => (out[name] ??= []).push(value);
  for (const h of m.rawHeaders ?? []) add(byteName(h.name), h.value);
  for (const [name, value] of Object.entries(m.headers ?? {})) add(byteName(name), typeof value === 'string' ? Buffer.from(value) : value);
  return out;
}

// Shared by every record without headers (most of them): one object less per message.
const NO_HEADERS: Record<string, Buffer[]> = Object.freeze({}) as Record<string, Buffer[]>;
const NO_RAW_HEADERS: readonly RawHeader[] = Object.freeze([]);

function toRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  let headers = NO_HEADERS;
  let rawHeaders = NO_RAW_HEADERS;
  if (m.headers && Object.keys(m.headers).length > 0) {
    headers = {};
    const raw: RawHeader[] = [];
    for (const [name, given] of Object.entries(m.headers)) {
      if (given === undefined) continue;
      const bytes = Buffer.from(name, 'utf8');
      const values = (Array.isArray(given) ? given : [given]).map((v) => (typeof v === 'string' ? Buffer.from(v) : v));
      (headers[name] ??= []).push(...values);
      for (const value of values) raw.push({ name: bytes, value });
    }
    rawHeaders = raw;
  }
  return { topic, partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers, rawHeaders, timestamp: m.timestamp };
}

/**
 * Awaits `work` while calling `heartbeat` every `intervalMs`, so a slow
 * handler (a store retrying) keeps the group membership. Heartbeat failures
 * are ignored here: a rebalance surfaces again when the batch is returned.
 */
export async function whileHeartbeating<T>(work: Promise<T>, controls: BatchControls, intervalMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const beat = () => {
    if (done) return;
    timer = setTimeout(() => {
      controls.heartbeat().then(beat, beat);
    }, intervalMs);
  };
  beat();
  try {
    return await work;
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

/** Text of the first header value with this name. */
export function headerText(record: ConsumedRecord, name: string): string | undefined {
  return record.headers[name]?.[0]?.toString('utf8');
}

export function createKafkaClient(config: KafkaConfig, logger: Logger): KafkaClient {
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: saslOptions(config),
    logLevel: clientLogLevel(logger),
    logCreator: logCreator(logger),
    retry: { initialRetryTime: 300, retries: 5 },
  });

  let producer: Promise<Producer> | undefined;
  const getProducer = () => {
    producer ??= (async () => {
      // An explicit partitioner (the Java client's murmur2 default) is what the
      // client's "default partitioner changed" warning asks for.
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      await p.connect();
      return p;
    })();
    producer.catch(() => (producer = undefined));
    return producer;
  };

  let admin: Promise<Admin> | undefined;
  const getAdmin = () => {
    admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })();
    admin.catch(() => (admin = undefined));
    return admin;
  };

  const client: KafkaClient = {
    config,

    sendMessages(topic, messages) {
      return wrap(`produce to ${topic}`, async () => {
        if (messages.length === 0) return;
        const p = await getProducer();
        await p.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key ?? null, value: m.value, headers: clientHeaders(m), partition: m.partition })),
        });
      });
    },

    maxMessageBytes(topic) {
      return wrap(`describe topic ${topic}`, async () => {
        const { resources } = await (await getAdmin()).describeConfigs({
          includeSynonyms: false,
          // ConfigResourceTypes.TOPIC: the enum is not a named export the ESM loader can see.
          resources: [{ type: 2 as ConfigResourceTypes, name: topic, configNames: ['max.message.bytes'] }],
        });
        const value = resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
        const bytes = Number(value);
        if (!Number.isInteger(bytes) || bytes <= 0) throw new Error(`topic ${topic} has no max.message.bytes`);
        return bytes;
      });
    },

    publishJson(topic, key, value, headers) {
      return client.sendMessages(topic, [{ key, value: JSON.stringify(value), headers }]);
    },

    groupConsumer(options) {
      return groupConsumer(kafka, options);
    },

    ensureTopics(topics) {
      return wrap('create topics', async () => {
        const a = await getAdmin();
        const existing = new Set(await a.listTopics());
        const missing = topics.filter((t) => !existing.has(t.topic));
        if (missing.length === 0) return [];
        await a.createTopics({
          waitForLeaders: true,
          // No partition count: the broker's default (num.partitions).
          topics: missing.map((t) => ({
            topic: t.topic,
            ...(t.partitions === undefined ? {} : { numPartitions: t.partitions }),
            ...(t.config ? { configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })) } : {}),
          })),
        });
        return missing.map((t) => t.topic);
      });
    },

    deleteTopics(topics) {
      return wrap('delete topics', async () => {
        if (topics.length === 0) return;
        await (await getAdmin()).deleteTopics({ topics: [...topics] });
      });
    },

    listTopics() {
      return wrap('list topics', async () => (await getAdmin()).listTopics());
    },

    topicOffsets(topic) {
      return wrap(`read offsets of ${topic}`, async () => {
        const rows = await (await getAdmin()).fetchTopicOffsets(topic);
        return rows.map((r) => ({ partition: r.partition, low: r.low, high: r.high })).sort((a, b) => a.partition - b.partition);
      });
    },

    groupOffsets(groupId, topic) {
      return wrap(`read offsets of group ${groupId}`, async () => {
        const [entry] = await (await getAdmin()).fetchOffsets({ groupId, topics: [topic] });
        return (entry?.partitions ?? [])
          .map((p) => ({ partition: p.partition, offset: p.offset }))
          .sort((a, b) => a.partition - b.partition);
      });
    },

    resetGroupOffsets(groupId, topic, to) {
      return wrap(`reset offsets of group ${groupId}`, async () => {
        await (await getAdmin()).resetOffsets({ groupId, topic, earliest: to === 'earliest' });
      });
    },

    deleteGroups(groupIds) {
      return wrap('delete groups', async () => {
        if (groupIds.length === 0) return;
        await (await getAdmin()).deleteGroups([...groupIds]);
      });
    },

    async close() {
      const p = producer;
      const a = admin;
      producer = undefined;
      admin = undefined;
      await Promise.allSettled([p?.then((x) => x.disconnect()), a?.then((x) => x.disconnect())]);
    },
  };
  return client;
}

function groupConsumer(kafka: Kafka, options: GroupConsumerOptions): GroupConsumer {
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? KAFKA_CONSUMER_TIMING.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs ?? KAFKA_CONSUMER_TIMING.heartbeatIntervalMs,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? KAFKA_CONSUMER_TIMING.rebalanceTimeoutMs,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? KAFKA_CONSUMER_TIMING.maxWaitTimeMs,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  const listeners: ((event: GroupEvent) => void)[] = [];
  const emit = (event: GroupEvent) => {
    for (const l of listeners) l(event);
  };
  consumer.on(consumer.events.GROUP_JOIN, (e) =>
    emit({ type: 'joined', memberId: e.payload.memberId, assignment: { ...e.payload.memberAssignment } }),
  );
  consumer.on(consumer.events.REBALANCING, () => emit({ type: 'rebalancing' }));
  consumer.on(consumer.events.CRASH, (e) =>
    emit({ type: 'crashed', error: toKafkaError('consume', e.payload.error), restarting: e.payload.restart }),
  );
  consumer.on(consumer.events.STOP, () => emit({ type: 'stopped' }));
  const partsOf = (parts?: readonly TopicPartitions[]) =>
    (parts ?? options.topics.map((topic): TopicPartitions => ({ topic }))).map((p) => ({ topic: p.topic, partitions: p.partitions }));

  return {
    groupId: options.groupId,
    start(handler) {
      return wrap(`join group ${options.groupId}`, async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
          eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
            const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
            await handler(
              {
                topic: batch.topic,
                partition: batch.partition,
                highWatermark: batch.highWatermark,
                lastOffset: batch.lastOffset(),
                records,
              },
              { heartbeat, resolveOffset, isRunning, isStale },
            );
          },
        });
      });
    },
    commit(offsets) {
      return wrap(`commit offsets of group ${options.groupId}`, async () => {
        if (offsets.length === 0) return;
        await consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
      });
    },
    pause(parts) {
      consumer.pause(partsOf(parts));
    },
    resume(parts) {
      consumer.resume(partsOf(parts));
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    stop() {
      return wrap(`leave group ${options.groupId}`, () => consumer.disconnect());
    },
  };
}
