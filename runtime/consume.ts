import type { ParseOptions } from '../schemas/event.js';
import { ConfigError, errorMessage } from '../schemas/errors.js';
import { createAuthenticator } from './auth.js';
import { startIngestion, type Ingestion } from './ingestion.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import type { Runtime } from './open.js';

/**
 * `consume`: Kafka ingestion as `serve` runs it (events, account records and
 * outcomes), counted in the same metrics, exposed on METRICS_PORT when set,
 * and the consumer group's lag logged every LAG_LOG_INTERVAL_MS.
 */

export interface Consuming {
  readonly ingestion: Ingestion;
  readonly metrics: ServiceMetrics;
  /** Where the metrics are served; undefined without METRICS_PORT. */
  readonly metricsEndpoint: MetricsEndpoint | undefined;
  /** Stores and commits what is in flight, leaves the groups and closes the endpoint. */
  stop(): Promise<void>;
}

export async function startConsuming(runtime: Runtime, options: { parse?: ParseOptions } = {}): Promise<Consuming> {
  const { logger, config } = runtime;
  // Checked before anything starts: closed metrics need tokens to be read with (serve makes one; consume has no API to print it).
  const closedMetrics = config.metrics.port !== undefined && !config.server.metricsPublic;
  if (closedMetrics && config.server.tokens === undefined) {
    throw new ConfigError('METRICS_PUBLIC=false needs API_TOKENS: consume serves its metrics only to a token with the read scope');
  }
  const auth = closedMetrics ? createAuthenticator(config.server.tokens ?? []) : undefined;
  const metrics = createMetrics({ onSourceError: (error) => logger.warn({ err: errorMessage(error) }, 'metrics source failed') });
  const ingestion = startIngestion(runtime, { ...options, metrics: metrics.ingestHooks });
  metrics.setLagSource(() => ingestion.lag());
  let metricsEndpoint: MetricsEndpoint | undefined;
  try {
    if (config.metrics.port !== undefined) metricsEndpoint = await startMetricsEndpoint(metrics, { host: config.server.host, port: config.metrics.port, auth });
  } catch (error) {
    await ingestion.stop().catch(() => undefined);
    throw error;
  }
  const lagTimer = setInterval(() => {
    ingestion.lag().then(
      (partitions) => logger.info({ lag: partitions.reduce((n, p) => n + p.lag, 0), partitions }, 'consumer lag'),
      (error: unknown) => logger.warn({ err: errorMessage(error) }, 'cannot read consumer lag'),
    );
  }, config.ingest.lagLogIntervalMs);
  lagTimer.unref();
  let stopping: Promise<void> | undefined;
  return {
    ingestion,
    metrics,
    metricsEndpoint,
    stop() {
      stopping ??= (async () => {
        clearInterval(lagTimer);
        try {
          await ingestion.stop();
        } finally {
          await metricsEndpoint?.close();
        }
      })();
      return stopping;
    },
  };
}
