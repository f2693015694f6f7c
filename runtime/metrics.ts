import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PartitionLag } from './ingestion.js';

/**
 * Prometheus metrics of one process (`serve`, or `consume` on METRICS_PORT),
 * on its own registry (so several instances in one process, as in tests, do
 * not collide); both expose the same names. Producers never
 * import prom-client: ingestion and scoring get plain callbacks (`ingestHooks`,
 * `onScoringPass`), and gauges that mirror external state (open flags, consumer
 * lag) read it through sources registered at start and polled at scrape time.
 */

export interface OpenFlagCount {
  code: string;
  severity: string;
  count: number;
}

/** Callback shape accepted by the ingestion pipelines (structurally `EventConsumerMetrics` and `BatchWriter.onFlush`). */
export interface IngestHooks {
  onRecords(counts: { accepted: number; rejected: number; dropped: number }): void;
  onRejected(reason: string): void;
  onFlush(result: { events: number; rejections: number; durationMs: number }): void;
  onStoreError(error: unknown): void;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly ingestHooks: IngestHooks;
  onScoringPass(durationMs: number, outcome: 'ok' | 'failed', trigger: string): void;
  onTransitions(kinds: readonly string[]): void;
  onWebhookAttempt(outcome: string, webhook: string): void;
  sseClients(delta: number): void;
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  setOpenFlagsSource(source: () => Promise<OpenFlagCount[]>): void;
  setLagSource(source: () => Promise<PartitionLag[]>): void;
  /** This replica's role in the leader election (leader: scores and delivers webhooks). */
  setRole(role: 'leader' | 'follower'): void;
  render(): Promise<{ contentType: string; body: string }>;
}

const PREFIX = 'usage_readiness_';

export function createMetrics(options: { defaultMetrics?: boolean; onSourceError?: (error: unknown) => void } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];
  let openFlagsSource: (() => Promise<OpenFlagCount[]>) | undefined;
  let lagSource: (() => Promise<PartitionLag[]>) | undefined;
  const report = (error: unknown) => options.onSourceError?.(error);

  const ingested = new Counter({ name: `${PREFIX}ingested_events_total`, help: 'Events accepted and stored', registers });
  const rejected = new Counter({ name: `${PREFIX}rejected_events_total`, help: 'Input rejected (dead-lettered), by reason', labelNames: ['reason'], registers });
  const dropped = new Counter({ name: `${PREFIX}dropped_events_total`, help: 'Input deliberately ignored (e.g. non-track calls)', registers });
  const batchSize = new Histogram({
    name: `${PREFIX}insert_batch_rows`,
    help: 'Rows per insert batch (events plus rejections)',
    buckets: [1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000],
    registers,
  });
  const insertLatency = new Histogram({
    name: `${PREFIX}insert_duration_seconds`,
    help: 'Time to write one batch to the store, retries included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const storeErrors = new Counter({ name: `${PREFIX}store_errors_total`, help: 'Failed store writes (each retried)', registers });
  const scoringDuration = new Histogram({
    name: `${PREFIX}scoring_duration_seconds`,
    help: 'Duration of one scoring pass',
    labelNames: ['trigger', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const transitions = new Counter({ name: `${PREFIX}flag_transitions_total`, help: 'Flag transitions published, by kind', labelNames: ['kind'], registers });
  const webhookAttempts = new Counter({
    name: `${PREFIX}webhook_attempts_total`,
    help: 'Webhook delivery attempts, by outcome (delivered, retried, failed)',
    labelNames: ['webhook', 'outcome'],
    registers,
  });
  const leader = new Gauge({ name: `${PREFIX}leader`, help: '1 when this replica is the leader (runs the scoring schedule, delivers webhooks), else 0', registers });
  const sse = new Gauge({ name: `${PREFIX}sse_clients`, help: 'Open Server-Sent Events streams', registers });
  const http = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests, by route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  /**
   * A gauge that mirrors external state: at scrape time it reads its source (when one is set) and
   * replaces its values; a failed read keeps the last values, since a scrape must not fail because
   * the store is slow.
   */
  const mirror = <Row>(name: string, help: string, labelNames: string[], source: () => (() => Promise<Row[]>) | undefined, entry: (row: Row) => [Record<string, string>, number]) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames,
      registers,
      async collect() {
        const read = source();
        if (!read) return;
        try {
          const rows = await read();
          this.reset();
          for (const row of rows) this.set(...entry(row));
        } catch (error) {
          report(error);
        }
      },
    });
  mirror('open_flags', 'Open red flags, by code and severity', ['code', 'severity'], () => openFlagsSource, (row) => [{ code: row.code, severity: row.severity }, row.count]);
  mirror('consumer_lag', 'Messages behind the end of each partition for the ingestion consumer group', ['topic', 'partition'], () => lagSource, (row) => [
    { topic: row.topic, partition: String(row.partition) },
    row.lag,
  ]);

  return {
    registry,
    ingestHooks: {
      onRecords(counts) {
        dropped.inc(counts.dropped);
      },
      onRejected(reason) {
        rejected.inc({ reason });
      },
      onFlush(result) {
        ingested.inc(result.events);
        batchSize.observe(result.events + result.rejections);
        insertLatency.observe(result.durationMs / 1000);
      },
      onStoreError() {
        storeErrors.inc();
      },
    },
    onScoringPass(durationMs, outcome, trigger) {
      scoringDuration.observe({ trigger, outcome }, durationMs / 1000);
    },
    onTransitions(kinds) {
      for (const kind of kinds) transitions.inc({ kind });
    },
    onWebhookAttempt(outcome, webhook) {
      webhookAttempts.inc({ webhook, outcome });
    },
    sseClients(delta) {
      sse.inc(delta);
    },
    observeHttp(method, route, status, seconds) {
      http.observe({ method, route, status: String(status) }, seconds);
    },
    setOpenFlagsSource(source) {
      openFlagsSource = source;
    },
    setLagSource(source) {
      lagSource = source;
    },
    setRole(role) {
      leader.set(role === 'leader' ? 1 : 0);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
