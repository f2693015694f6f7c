import type { Logger } from 'pino';
import { createKafkaClient, kafkaFlagSink, type KafkaClient } from '../ingest/index.js';
import type { AppConfig } from '../schemas/config.js';
import { errorMessage } from '../schemas/errors.js';
import type { ProductsConfig } from '../schemas/products.js';
import { fanOutSink, noFlagSink, type FlagSink } from '../scoring/index.js';
import { loadProductsFile } from './products-file.js';
import type { ScoringContext } from './scoring-pass.js';
import { migrate, openStore, type Store } from '../transforms/index.js';
import { kafkaLeadership } from './kafka-leadership.js';
import { singleProcessLeadership, type Leadership } from './leadership.js';
import { storeWebhookOutbox, webhookOutboxSink, type WebhookOutbox } from './webhook-outbox.js';

/**
 * The composition root: the one place where a process (a command or `serve`)
 * is assembled from configuration. Everything a use case needs comes from
 * here, so a command and the service cannot wire the same thing differently.
 */

export interface RuntimeOptions {
  logger: Logger;
  /** Products file instead of PRODUCTS_FILE (a command's --products). */
  productsFile?: string;
  /** An already open, migrated store (tests); closed with the runtime. */
  store?: Store;
  /** Clock of the scoring passes; injectable for tests. */
  now?: () => Date;
  /**
   * Take part in the leader election (`serve` replicas). With Kafka configured the
   * replicas elect one leader through the group `<KAFKA_GROUP_ID>-leader`; otherwise,
   * and for commands, the process is its own leader.
   */
  elect?: boolean;
}

export interface Runtime {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly store: Store;
  readonly products: ProductsConfig;
  /** The Kafka client when KAFKA_BROKERS is set. */
  readonly kafka: KafkaClient | undefined;
  readonly outbox: WebhookOutbox;
  /**
   * Durable destinations of flag transitions, in order: the flags topic (when
   * Kafka is configured) and the webhook outbox (when webhooks are). Kafka comes
   * first: when it fails the pass fails and re-publishes every transition next
   * time, so no later sink sees a transition Kafka missed.
   */
  readonly sinks: readonly FlagSink[];
  readonly leader: Leadership;
  readonly now: () => Date;
  /** What a scoring pass needs, publishing to `sinks` and then to `extra` (in-process listeners). */
  scoring(extra?: readonly FlagSink[]): ScoringContext;
  /** Closes what the runtime opened (Kafka client, leadership, store); idempotent. */
  close(): Promise<void>;
}

/** Opens the store (migrated), the products file and, when configured, Kafka. */
export async function openRuntime(config: AppConfig, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  // The products file first: a bad file fails before a store is created.
  const products = await loadProductsFile(options.productsFile ?? config.scoring.productsFile);
  const store = options.store ?? (await openMigratedStore(config, logger));
  const outbox = storeWebhookOutbox(store);
  let kafka: KafkaClient | undefined;
  let leader: Leadership | undefined;
  try {
    const sinks: FlagSink[] = [];
    if (config.kafka) {
      const client = createKafkaClient(config.kafka, logger.child({ component: 'kafka' }));
      kafka = client;
      const flagsTopic = config.kafka.flagsTopic;
      let topicReady: Promise<unknown> | undefined;
      const publisher = kafkaFlagSink(client, flagsTopic);
      // The topic is created on first use: commands that never publish do not touch the broker.
      sinks.push({
        async publish(transitions) {
          topicReady ??= client.ensureTopics([{ topic: flagsTopic }]).catch((error: unknown) => {
            topicReady = undefined;
            throw error;
          });
          await topicReady;
          await publisher.publish(transitions);
        },
      });
    }
    if (config.webhooks.subscriptions.length > 0) sinks.push(webhookOutboxSink(config.webhooks, outbox));
    leader =
      options.elect && kafka && config.kafka
        ? await kafkaLeadership(kafka, {
            name: `${config.kafka.groupId}-leader`,
            sessionTimeoutMs: config.kafka.leaderSessionTimeoutMs,
            logger: logger.child({ component: 'leader' }),
          })
        : singleProcessLeadership();
    const elected = leader;
    const now = options.now ?? (() => new Date());
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      store,
      products,
      kafka,
      outbox,
      sinks,
      leader: elected,
      now,
      scoring(extra = []) {
        const all = [...sinks, ...extra];
        return {
          store,
          products,
          sink: all.length === 0 ? noFlagSink : fanOutSink(...all),
          logger: logger.child({ component: 'scoring' }),
          now,
          chunkSize: config.scoring.chunkSize,
          maxFutureSkewMs: config.ingest.maxFutureSkewMs,
        };
      },
      close() {
        closing ??= (async () => {
          await elected.close().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'leaving the leader election failed'));
          await kafka?.close().catch(() => undefined);
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await leader?.close().catch(() => undefined);
    await kafka?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}

async function openMigratedStore(config: AppConfig, logger: Logger): Promise<Store> {
  const store = await openStore(config.store);
  try {
    const report = await migrate(store);
    if (report.applied.length > 0) {
      logger.info({ store: store.kind, database: store.database, applied: report.applied.map((m) => m.version) }, 'migrations applied');
    }
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
