import {
  eventParseOptions,
  startAccountsConsumer,
  startEventConsumer,
  startOutcomesConsumer,
  type EventConsumerHandle,
  type EventConsumerMetrics,
  type JsonConsumerHandle,
  type KafkaClient,
} from '../ingest/index.js';
import type { KafkaConfig } from '../schemas/config.js';
import { UsageError, errorMessage } from '../schemas/errors.js';
import type { ParseOptions } from '../schemas/event.js';
import type { Runtime } from './open.js';

/**
 * Kafka ingestion as `serve` and `consume` both run it: product events from
 * the events topic(s), account records from the accounts topic and, when
 * configured, outcomes from the outcomes topic, each in its own consumer group.
 */

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface Ingestion {
  readonly events: EventConsumerHandle;
  readonly accounts: JsonConsumerHandle;
  /** Outcomes from KAFKA_OUTCOMES_TOPIC, when it is set. */
  readonly outcomes: JsonConsumerHandle | undefined;
  /** Rejects when the event consumer failed or the broker does not answer (a readiness probe). */
  check(): Promise<void>;
  /** Messages of the events topic(s) not yet committed by the group, per partition. */
  lag(): Promise<PartitionLag[]>;
  /** Stores and commits what is in flight and leaves both groups. */
  stop(): Promise<void>;
}

/** Kafka settings, or a usage error naming the variable that enables them. */
export function requireKafka(runtime: Pick<Runtime, 'config'>, what: string): KafkaConfig {
  if (!runtime.config.kafka) throw new UsageError(`${what} needs a Kafka broker: set KAFKA_BROKERS (comma-separated host:port list)`);
  return runtime.config.kafka;
}

/** Event validation settings: the configured limits and the default product (given, else the products file's). */
export function parseOptionsFor(runtime: Pick<Runtime, 'config' | 'products'>, defaultProduct?: string): ParseOptions {
  return eventParseOptions(runtime.config.ingest, defaultProduct ?? runtime.products.defaultProduct);
}

export function startIngestion(runtime: Runtime, options: { parse?: ParseOptions; metrics?: EventConsumerMetrics } = {}): Ingestion {
  const kafkaConfig = requireKafka(runtime, 'Kafka ingestion');
  const kafka = runtime.kafka!;
  const { logger } = runtime;
  const events = startEventConsumer({
    kafka,
    store: runtime.store,
    config: runtime.config.ingest,
    parse: options.parse ?? parseOptionsFor(runtime),
    logger: logger.child({ component: 'ingest' }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const accounts = startAccountsConsumer({
    kafka,
    store: runtime.store,
    products: runtime.products,
    logger: logger.child({ component: 'accounts' }),
    groupId: `${kafkaConfig.groupId}-accounts`,
    topic: kafkaConfig.accountsTopic,
    dlqTopic: kafkaConfig.dlqTopic,
  });
  const outcomesTopic = kafkaConfig.outcomesTopic;
  const outcomes = outcomesTopic
    ? startOutcomesConsumer({
        kafka,
        store: runtime.store,
        logger: logger.child({ component: 'outcomes' }),
        groupId: `${kafkaConfig.groupId}-outcomes`,
        topic: outcomesTopic,
        dlqTopic: kafkaConfig.dlqTopic,
        maxFutureSkewMs: runtime.config.ingest.maxFutureSkewMs,
        maxBytes: runtime.config.ingest.maxEventBytes,
      })
    : undefined;
  outcomes?.ready.then(
    () => logger.info({ topic: outcomesTopic, groupId: `${kafkaConfig.groupId}-outcomes` }, 'consuming outcomes'),
    (error: unknown) => logger.error({ err: errorMessage(error) }, 'outcomes consumer could not start'),
  );
  events.ready.then(
    () => logger.info({ topics: kafkaConfig.eventsTopics, groupId: kafkaConfig.groupId }, 'consuming events'),
    (error: unknown) => logger.error({ err: errorMessage(error) }, 'event consumer could not start'),
  );
  accounts.ready.then(
    () => logger.info({ topic: kafkaConfig.accountsTopic, groupId: `${kafkaConfig.groupId}-accounts` }, 'consuming account records'),
    (error: unknown) => logger.error({ err: errorMessage(error) }, 'accounts consumer could not start'),
  );
  let stopping: Promise<void> | undefined;
  return {
    events,
    accounts,
    outcomes,
    async check() {
      const status = events.status();
      if (status.state === 'failed') throw new Error(`event consumer failed: ${status.lastError ?? 'unknown error'}`);
      await kafka.topicOffsets(kafkaConfig.eventsTopics[0]!);
    },
    lag: () => consumerLag(kafka, kafkaConfig.groupId, kafkaConfig.eventsTopics),
    stop() {
      stopping ??= (async () => {
        const results = await Promise.allSettled([events.stop(), accounts.stop(), outcomes?.stop()]);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopping;
    },
  };
}

async function consumerLag(kafka: KafkaClient, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const rows: PartitionLag[] = [];
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([kafka.topicOffsets(topic), kafka.groupOffsets(groupId, topic)]);
    const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
    for (const p of ends) {
      const high = BigInt(p.high);
      const at = done.get(p.partition) ?? -1n;
      // Nothing committed yet: everything from the low watermark is still to read.
      const lag = at < 0n ? high - BigInt(p.low) : high - at;
      rows.push({ topic, partition: p.partition, lag: Number(lag > 0n ? lag : 0n) });
    }
  }
  return rows;
}
