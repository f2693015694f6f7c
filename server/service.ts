import { utcToday } from '../schemas/day.js';
import type { ApiToken } from '../schemas/config.js';
import { errorMessage } from '../schemas/errors.js';
import type { FlagSink } from '../scoring/index.js';
import {
  createMetrics,
  generateToken,
  loadExampleData,
  openFlagCounts,
  startIngestion,
  startScoringSchedule,
  storeHoldsEvents,
  type ExampleLoad,
  type Ingestion,
  type Role,
  type Runtime,
  type ScoringContext,
  type ScoringSchedule,
  type ServiceMetrics,
} from '../runtime/index.js';
import { createFlagHub, type FlagHub } from './flag-hub.js';
import { startHttpServer, type HttpServer } from './http-server.js';
import type { ReadinessCheck } from './routes/context.js';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks.js';

/**
 * The whole service of `usage-readiness serve` over an opened runtime: Kafka
 * ingestion when configured, flag fan-out (Kafka topic and webhook outbox
 * through the runtime's sinks, SSE in process), the HTTP API with the
 * dashboard, and — on the leader only — the scoring schedule and webhook
 * delivery. `stop()` shuts down in dependency order: ingestion flushed and
 * committed, leader duties stopped, HTTP drained. The runtime itself is closed
 * by its opener.
 */

export interface ServiceOptions {
  runtime: Runtime;
  version: string;
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
  /** This replica's current role. */
  readonly role: Role;
  stop(): Promise<void>;
}

function shouldLoadExample(runtime: Runtime): boolean {
  const { config } = runtime;
  if (config.server.demoData === 'off') return false;
  if (config.server.demoData === 'always') return true;
  return !config.store.url && !config.kafka;
}

/** Counts published transitions by kind (a sink that never fails). */
function countingSink(metrics: ServiceMetrics): FlagSink {
  return { publish: async (transitions) => metrics.onTransitions(transitions.map((t) => t.kind)) };
}

/** What only the leader runs: the scoring schedule and webhook delivery from the outbox. */
interface LeaderDuties {
  /** Sends what the outbox holds now (after a local pass recorded transitions). */
  deliver(): void;
  /** Stops the schedule and delivery; messages not sent within `graceMs` stay pending for the next leader. */
  stop(graceMs: number): Promise<void>;
}

function startLeaderDuties(runtime: Runtime, scoring: ScoringContext, metrics: ServiceMetrics, options: { version: string; startupPass: boolean }): LeaderDuties {
  const { config, logger } = runtime;
  const webhooks: WebhookDispatcher | undefined =
    config.webhooks.subscriptions.length > 0
      ? createWebhookDispatcher({
          config: config.webhooks,
          logger: logger.child({ component: 'webhooks' }),
          onAttempt: (outcome, webhook) => metrics.onWebhookAttempt(outcome, webhook),
          userAgent: `usage-readiness/${options.version}`,
          outbox: runtime.outbox,
        })
      : undefined;
  const deliver = () => {
    webhooks?.resume().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'could not read the webhook outbox'));
  };
  // Messages left by a previous leader, by a follower's assessment, or by the command line wait in the outbox.
  deliver();
  const outboxPoll = webhooks ? setInterval(deliver, config.webhooks.outboxPollMs) : undefined;
  outboxPoll?.unref();

  const schedule: ScoringSchedule = startScoringSchedule(scoring, {
    cron: config.scoring.cron,
    onResult: (result) => metrics.onScoringPass(result.duration_ms, 'ok', 'schedule'),
    onError: (error) => {
      metrics.onScoringPass(0, 'failed', 'schedule');
      logger.error({ err: errorMessage(error) }, 'scheduled scoring pass failed');
    },
  });
  // Bring today's readiness up to date now rather than at the next tick.
  if (options.startupPass && schedule.scheduled) {
    schedule.runNow().then(
      (result) => metrics.onScoringPass(result.duration_ms, 'ok', 'start'),
      (error: unknown) => logger.error({ err: errorMessage(error) }, 'start-up scoring pass failed'),
    );
  }
  return {
    deliver,
    async stop(graceMs) {
      clearInterval(outboxPoll);
      await schedule.stop();
      await webhooks?.stop(graceMs);
    },
  };
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { runtime } = options;
  const { config, store, products, logger, now } = runtime;
  const metrics = createMetrics({ onSourceError: (error) => logger.warn({ err: errorMessage(error) }, 'metrics source failed') });
  const hub = createFlagHub((error) => logger.error({ err: error }, 'flag listener failed'));

  let example: ExampleLoad | undefined;
  if (shouldLoadExample(runtime) && !(await storeHoldsEvents(store))) {
    logger.info('the store holds no events: loading the example data set (generated to end today)');
    example = await loadExampleData({
      // No sink: loading history must not alert anyone. One summary line below instead of a log line per day.
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

  // Leader duties start and stop with the role; changes are applied one at a time, in order.
  let duties: LeaderDuties | undefined;
  let role: Role = 'follower';
  let startupPass = !example;
  let roleChange: Promise<void> = Promise.resolve();
  // A lost leadership stops delivery at once (another replica has taken over); a shutdown gives it the grace period.
  let graceMs = 0;
  const onRole = (next: Role) => {
    roleChange = roleChange.then(async () => {
      if (next === role) return;
      role = next;
      metrics.setRole(next);
      if (next === 'leader') {
        logger.info({ mechanism: runtime.leader.mechanism }, 'this replica is the leader: it runs the scoring schedule and delivers webhooks');
        duties = startLeaderDuties(runtime, scoring, metrics, { version: options.version, startupPass });
        startupPass = true;
      } else {
        logger.info({ mechanism: runtime.leader.mechanism }, 'this replica is a follower: another replica scores and delivers webhooks');
        const stopping = duties;
        duties = undefined;
        await stopping?.stop(graceMs).catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'leader duties did not stop cleanly'));
      }
    });
  };

  // Every replica records transitions (its assessments' re-scoring) durably; the leader delivers them.
  const nudge: FlagSink = { publish: async () => duties?.deliver() };
  const scoring = runtime.scoring([countingSink(metrics), hub, nudge]);

  let ingestion: Ingestion | undefined;
  const checks: Record<string, ReadinessCheck> = {};
  if (runtime.kafka) {
    const started = startIngestion(runtime, { metrics: metrics.ingestHooks });
    ingestion = started;
    started.events.finished.catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'event consumer stopped with an error'));
    metrics.setLagSource(() => started.lag());
    checks.kafka = () => started.check();
  }
  metrics.setOpenFlagsSource(() => openFlagCounts(store));
  const unwatch = runtime.leader.watch(onRole);

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
      role: () => role,
      logger,
      version: options.version,
      calibration: { graduationAgeDays: config.calibration.graduationAgeDays, maxFutureSkewMs: config.ingest.maxFutureSkewMs },
    });
  } catch (error) {
    // Nothing may keep running (and the process alive) when the service cannot start.
    unwatch();
    onRole('follower');
    await Promise.allSettled([ingestion?.stop(), roleChange]);
    throw error;
  }
  const dashboardUrl = generatedToken ? `${http.url}/#token=${generatedToken.token}` : `${http.url}/`;

  let stopping: Promise<void> | undefined;
  return {
    http,
    dashboardUrl,
    generatedToken,
    example,
    hub,
    metrics,
    scoring,
    get role() {
      return role;
    },
    stop() {
      stopping ??= (async () => {
        const step = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await fn();
          } catch (error) {
            logger.error({ err: errorMessage(error) }, `${name} did not stop cleanly`);
          }
        };
        await step('Kafka ingestion', async () => ingestion?.stop());
        unwatch();
        graceMs = config.server.shutdownGraceMs;
        onRole('follower');
        await Promise.all([step('leader duties', () => roleChange), step('HTTP server', () => http.close())]);
      })();
      return stopping;
    },
  };
}
