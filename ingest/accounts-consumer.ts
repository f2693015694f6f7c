import type { Logger } from 'pino';
import { accountRecordSchema, type AccountRecord } from '../schemas/accounts.js';
import type { ProductsConfig } from '../schemas/products.js';
import { insertAccounts, type Store } from '../transforms/index.js';
import type { KafkaClient } from './kafka-client.js';
import { startJsonConsumer, type JsonConsumerHandle } from './kafka-json.js';

/**
 * Account records from the accounts topic: validated like `accounts load`
 * (invalid ones go to the dead-letter topic), stored with the same
 * replace-on-reload semantics, offsets committed after the insert.
 */
export interface AccountsConsumerOptions {
  kafka: KafkaClient;
  store: Store;
  products: ProductsConfig;
  logger: Logger;
  groupId: string;
  topic: string;
  dlqTopic?: string;
}

export function startAccountsConsumer(options: AccountsConsumerOptions): JsonConsumerHandle {
  const known = new Set(Object.keys(options.products.products));
  return startJsonConsumer<AccountRecord>({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [options.topic],
    schema: accountRecordSchema,
    logger: options.logger,
    ...(options.dlqTopic ? { dlqTopic: options.dlqTopic } : {}),
    handle: async (records) => {
      const valid = records.filter((r) => {
        if (known.has(r.value.product)) return true;
        options.logger.warn(
          { topic: r.topic, partition: r.partition, offset: r.offset, product: r.value.product },
          `account record skipped: product "${r.value.product}" is not in ${options.products.source}`,
        );
        return false;
      });
      await insertAccounts(options.store, valid.map((r) => r.value), `kafka:${options.topic}`);
    },
  });
}
