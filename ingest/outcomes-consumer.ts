import type { Logger } from 'pino';
import { outcomeRecordSchema, type OutcomeRecord } from '../schemas/outcome.js';
import { insertOutcomes, type Store } from '../transforms/index.js';
import type { KafkaClient } from './kafka-client.js';
import { startJsonConsumer, type JsonConsumerHandle } from './kafka-json.js';

/**
 * Outcomes from the outcomes topic: validated like `outcomes load` (invalid
 * ones go to the dead-letter topic with the reason), stored with the same
 * replace-on-reload semantics, offsets committed after the insert.
 */
export interface OutcomesConsumerOptions {
  kafka: KafkaClient;
  store: Store;
  logger: Logger;
  groupId: string;
  topic: string;
  dlqTopic?: string;
  /** How far ahead of now an outcome's dates may be (ms). */
  maxFutureSkewMs: number;
  maxBytes?: number;
  /** Clock the dates are checked against; injectable for tests. */
  now?: () => Date;
}

export function startOutcomesConsumer(options: OutcomesConsumerOptions): JsonConsumerHandle {
  return startJsonConsumer<OutcomeRecord>({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [options.topic],
    schema: outcomeRecordSchema({ now: options.now ?? (() => new Date()), maxFutureSkewMs: options.maxFutureSkewMs }),
    logger: options.logger,
    ...(options.dlqTopic ? { dlqTopic: options.dlqTopic } : {}),
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
    handle: async (records) => {
      await insertOutcomes(options.store, records.map((r) => r.value), `kafka:${options.topic}`);
    },
  });
}
