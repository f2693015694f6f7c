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
  // A record for a product the products file does not list is dead-lettered like any invalid
  // record, so it can be replayed once the products file lists it.
  const schema = accountRecordSchema.refine((r) => known.has(r.product), {
    path: ['product'],
    message: `is not a product listed in ${options.products.source}`,
  });
  return startJsonConsumer<AccountRecord>({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [options.topic],
    schema,
    logger: options.logger,
    ...(options.dlqTopic ? { dlqTopic: options.dlqTopic } : {}),
    handle: async (records) => {
      await insertAccounts(options.store, records.map((r) => r.value), `kafka:${options.topic}`);
    },
  });
}
