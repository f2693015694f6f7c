import type { Logger } from 'pino';
import {
  createKafkaClient,
  eventParseOptions,
  kafkaFlagSink,
  startAccountsConsumer,
  startEventConsumer,
  type EventConsumerHandle, type JsonConsumerHandle, type KafkaClient } from '../ingest/index.js';
import type { AppConfig, ApiToken } from '../schemas/config.js';
import { utcToday } from '../schemas/day.js';
import { errorMessage } from '../schemas/errors.js';
import type { ProductsConfig } from '../schemas/products.js';
import { fanOutSink, openFlagCounts, startScoringSchedule, type FlagSink, type ScoringContext, type ScoringSchedule } from '../scoring/index.js';
import type { Store } from '../transforms/index.js';
import { generateToken } from './auth.js';
import { loadExampleData, storeHoldsEvents, type ExampleLoad } from './demo-data.js';
import { createFlagHub, type FlagHub } from './flag-hub.js';
import { startHttpServer, type HttpServer } from './http-server.js';
import { createMetrics, type PartitionLag, type ServiceMetrics } from './metrics.js';
import type { ReadinessCheck } from './routes/context.js';
import { createWebhookDispatcher, storeWebhookOutbox, type WebhookDispatcher } from './webhooks.js';

/**
 * The whole service of `usage-readiness serve`: Kafka ingestion when
 * configured, the scoring schedule, flag fan-out (Kafka topic, webhooks, SSE)
 * and the HTTP API with the dashboard. `stop()` shuts down in dependency
 * order: ingestion flushed and committed, schedule stopped, HTTP drained,
 * webhooks given their grace period.
 */

export interface ServiceOptions {
  config: AppConfig;
  store: Store;
  products: ProductsConfig;
  /** Cron expression of the scoring schedule; default the scoring module's (hourly). */
  scoringCron?: string;
  logger: Logger;
  version: string;
  /** Clock, for `today` (example data, schedule). */
  now?: () => Date;
}

export interface RunningService {
  readonly http: HttpServer;
  /** The dashboard URL; carries the generated token when API_TOKENS is unset. */
  readonly dashboardUrl: string;
  /** The token generated at start, when API_TOKENS is unset. */
  readonly generatedToken: ApiToken | undefined;
  readonly example: ExampleLoad | undefined;
  readonly hub: FlagHub;
  readonly metrics: ServiceMetrics;
  readonly scoring: ScoringContext;
  stop(): Promise<void>;
}

function shouldLoadExample(config: AppConfig): boolean {
  if (config.server.demoData === 'off') return false;
  if (config.server.demoData === 'always') return true;
  return !config.store.url && !config.kafka;
}

/** Counts published transitions by kind (a sink that never fails). */
function countingSink(metrics: ServiceMetrics): FlagSink {
  return { publish: async (transitions) => metrics.onTransitions(transitions.map((t) => t.kind)) };
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

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, store, products, logger } = options;
  const now = options.now ?? (() => new Date());
  const metrics = createMetrics({ onSourceError: (error) => logger.warn({ err: errorMessage(error) }, 'metrics source failed') });
  const hub = createFlagHub((error) => logger.error({ err: error }, 'flag listener failed'));
  const webhooks: WebhookDispatcher = createWebhookDispatcher({
    config: config.webhooks,
    logger: logger.child({ component: 'webhooks' }),
    onAttempt: (outcome, webhook) => metrics.onWebhookAttempt(outcome, webhook),
    userAgent: `usage-readiness/${options.version}`,
    outbox: storeWebhookOutbox(store),
  });

  // Kafka first among sinks: when it fails, the pass fails and re-publishes every
  // transition next time, so webhooks and SSE never see a transition Kafka missed.
  let kafka: KafkaClient | undefined;
  const sinks: FlagSink[] = [];
  if (config.kafka) {
    kafka = createKafkaClient(config.kafka, logger.child({ component: 'kafka' }));
    await kafka.ensureTopics([{ topic: config.kafka.flagsTopic }]);
    sinks.push(kafkaFlagSink(kafka, config.kafka.flagsTopic));
  }
  sinks.push(countingSink(metrics), hub, webhooks);
  await webhooks.resume();
  // Transitions recorded by other processes (`score`, `assess` against the same ClickHouse) wait in the outbox.
  const outboxPoll =
    config.webhooks.subscriptions.length > 0
      ? setInterval(() => {
          webhooks.resume().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'could not read the webhook outbox'));
        }, config.webhooks.outboxPollMs)
      : undefined;
  outboxPoll?.unref();
  const scoring: ScoringContext = { store, products, sink: fanOutSink(...sinks), logger: logger.child({ component: 'scoring' }), now };

  let example: ExampleLoad | undefined;
  if (shouldLoadExample(config) && !(await storeHoldsEvents(store))) {
    logger.info('the store holds no events: loading the example data set (generated to end today)');
    example = await loadExampleData({
      // One summary line below instead of a log line per backfilled day.
      scoring: { store, products, logger: logger.child({ component: 'example-data' }, { level: 'warn' }), now },
      ingest: config.ingest,
      logger: logger.child({ component: 'example-data' }),
      today: utcToday(now()),
      backfillDays: config.server.demoBackfillDays,
    });
    logger.info(
      {
        events: example.events.accepted,
        rejected: example.events.rejected,
        accounts: example.accounts,
        assessments: example.assessments,
        outcomes: example.outcomes,
        scored_days: example.scoredDays.length,
        ms: example.durationMs,
      },
      `example data loaded and scored through ${example.endDay}`,
    );
  }

  let consumer: EventConsumerHandle | undefined;
  let accountsConsumer: JsonConsumerHandle | undefined;
  const checks: Record<string, ReadinessCheck> = {};
  if (kafka && config.kafka) {
    const kafkaConfig = config.kafka;
    const client = kafka;
    consumer = startEventConsumer({
      kafka: client,
      store,
      config: config.ingest,
      parse: eventParseOptions(config.ingest, products.defaultProduct),
      logger: logger.child({ component: 'ingest' }),
      metrics: metrics.ingestHooks,
    });
    accountsConsumer = startAccountsConsumer({
      kafka: client,
      store,
      products,
      logger: logger.child({ component: 'accounts' }),
      groupId: `${kafkaConfig.groupId}-accounts`,
      topic: kafkaConfig.accountsTopic,
      dlqTopic: kafkaConfig.dlqTopic,
    });
    const started = consumer;
    started.ready.then(
      () => logger.info({ topics: kafkaConfig.eventsTopics, groupId: kafkaConfig.groupId }, 'consuming events'),
      (error: unknown) => logger.error({ err: errorMessage(error) }, 'event consumer could not start'),
    );
    started.finished.catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'event consumer stopped with an error'));
    metrics.setLagSource(() => consumerLag(client, kafkaConfig.groupId, kafkaConfig.eventsTopics));
    checks.kafka = async () => {
      const state = started.status().state;
      if (state === 'failed') throw new Error(`event consumer failed: ${started.status().lastError ?? 'unknown error'}`);
      await client.topicOffsets(kafkaConfig.eventsTopics[0]!);
    };
  }
  metrics.setOpenFlagsSource(() => openFlagCounts(store));

  const schedule: ScoringSchedule = startScoringSchedule(scoring, {
    ...(options.scoringCron ? { cron: options.scoringCron } : {}),
    onResult: (result) => metrics.onScoringPass(result.duration_ms, 'ok', 'schedule'),
    onError: (error) => {
      metrics.onScoringPass(0, 'failed', 'schedule');
      logger.error({ err: errorMessage(error) }, 'scheduled scoring pass failed');
    },
  });

  const generatedToken = config.server.tokens ? undefined : generateToken();
  const tokens = config.server.tokens ?? [generatedToken!];
  let http: HttpServer;
  try {
    http = await startHttpServer({
      config: config.server,
      tokens,
      scoring,
      hub,
      metrics,
      checks,
      logger,
      version: options.version,
      calibration: { graduationAgeDays: config.calibration.graduationAgeDays, maxFutureSkewMs: config.ingest.maxFutureSkewMs },
    });
  } catch (error) {
    // Nothing may keep running (and the process alive) when the service cannot start.
    clearInterval(outboxPoll);
    await Promise.allSettled([consumer?.stop(), accountsConsumer?.stop(), schedule.stop(), webhooks.stop(0)]);
    await kafka?.close().catch(() => undefined);
    throw error;
  }
  const dashboardUrl = generatedToken ? `${http.url}/#token=${generatedToken.token}` : `${http.url}/`;

  // Bring today's readiness up to date now rather than at the next tick (skipped when the example data was just scored).
  if (!example && schedule.scheduled) {
    schedule.runNow().then(
      (result) => metrics.onScoringPass(result.duration_ms, 'ok', 'start'),
      (error: unknown) => logger.error({ err: errorMessage(error) }, 'start-up scoring pass failed'),
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    http,
    dashboardUrl,
    generatedToken,
    example,
    hub,
    metrics,
    scoring,
    stop() {
      stopping ??= (async () => {
        const step = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await fn();
          } catch (error) {
            logger.error({ err: errorMessage(error) }, `${name} did not stop cleanly`);
          }
        };
        await step('event consumer', async () => consumer?.stop());
        await step('accounts consumer', async () => accountsConsumer?.stop());
        await step('scoring schedule', () => schedule.stop());
        await step('HTTP server', () => http.close());
        clearInterval(outboxPoll);
        await step('webhooks', () => webhooks.stop(config.server.shutdownGraceMs));
        await step('Kafka client', async () => kafka?.close());
      })();
      return stopping;
    },
  };
}
